// How manifests may name hubs, per target. Manifests name a hub by its stack-config key
// (`iotHubs: [weu]`), which reads the same in every environment. On the local target the host
// names are deterministic and known before anything runs; on Azure they end in a random suffix
// kept in state, so the key stays a key until the fleet resolves it from the platform's outputs.
import type { PlatformConfig } from "../config";
import { localHubHostName } from "../config/local-hub-names";

export interface ManifestHubNames {
  /** Hub key -> the name manifests resolve it to (loader option `hubs`). */
  readonly hubs: Readonly<Record<string, string>>;
  /** The names `iotHubs` entries must be among (loader option `linkedHubs`). */
  readonly linkedHubs: readonly string[];
  /** Keys the fleet still has to turn into host names, in the order of `linkedHubHostNames`. */
  readonly unresolvedHubKeys: readonly string[];
}

/** What the naming depends on: the full config in the program, the stack file's facts offline. */
export type HubNamingConfig = Pick<PlatformConfig, "namePrefix" | "environment"> & {
  readonly target: { readonly kind: PlatformConfig["target"]["kind"] };
  readonly hubs: readonly { readonly key: string }[];
};

export function manifestHubNames(config: HubNamingConfig): ManifestHubNames {
  const local = config.target.kind === "local";
  const names = config.hubs.map((hub) => (local ? localHubHostName(config, hub) : hub.key));
  return {
    hubs: Object.fromEntries(config.hubs.map((hub, i) => [hub.key, names[i]!])),
    linkedHubs: names,
    unresolvedHubKeys: local ? [] : config.hubs.map((hub) => hub.key),
  };
}
