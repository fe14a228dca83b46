// The hub catalogue the manifest loader checks `iotHubs` against before anything runs. On the
// local target the host names are deterministic (`localHubHostName`), so the loader resolves
// keys to them and checks host names against them; on Azure they end in a random suffix kept
// in state, so a key stays a key until the fleet resolves it from the platform's
// `hubHostNames` with the same `resolveHub`.
import type { PlatformConfig } from "../config";
import type { HubCatalogue } from "../manifests";
import { localHubHostName } from "../platform";

export function manifestHubCatalogue(config: Pick<PlatformConfig, "target" | "hubs" | "namePrefix" | "environment">): HubCatalogue {
  if (config.target.kind !== "local") return { hubs: Object.fromEntries(config.hubs.map((hub) => [hub.key, undefined])) };
  const hostNames = Object.fromEntries(config.hubs.map((hub) => [hub.key, localHubHostName(config, hub)]));
  return { hubs: hostNames, linkedHubs: Object.values(hostNames) };
}
