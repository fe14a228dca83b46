import { createHash } from "node:crypto";
import type { LinkedHub } from "../state/types";

/**
 * Weighted rendezvous hashing: every (registration id, hub) pair gets a stable pseudo-random
 * score scaled by the hub's weight; the best score wins. The same device always lands on the
 * same hub while the hub list is unchanged, a hub with weight 3 gets about three times the
 * devices of a hub with weight 1, and adding a hub moves only the devices it wins. DPS does not
 * publish its hash (docs/dps-contracts.md §4), so exact placements differ from Azure; proportions do not.
 */
export function pickHashed(registrationId: string, hubs: readonly LinkedHub[]): LinkedHub | undefined {
  let best: LinkedHub | undefined;
  let bestScore = -Infinity;
  for (const hub of hubs) {
    const score =
      -hub.allocationWeight / Math.log(uniform(registrationId.toLowerCase(), hub.hostName.toLowerCase()));
    if (score > bestScore) {
      bestScore = score;
      best = hub;
    }
  }
  return best;
}

/** A stable number in (0, 1) for the pair. */
function uniform(registrationId: string, hostName: string): number {
  const digest = createHash("sha256").update(`${registrationId}\u0000${hostName}`).digest();
  // 52 bits fit a double exactly; +1 / +2 keep the value strictly inside (0, 1).
  const value = digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
  return (value + 1) / (2 ** 52 + 2);
}
