// The hub catalogue the manifest loader checks `iotHubs` against before anything runs. On the
// local target the host names are deterministic (`localHubHostName`), so the loader resolves
// keys to them and checks host names against them. On Azure they end in a random suffix kept in
// state: manifests name those hubs by key only (a host name cannot be checked offline, so it is
// refused before deploy, as the offline validator refuses it), and a key stays a key until the
// fleet resolves it from the platform's `hubHostNames` with the same `resolveHub`.
import type { StackFacts } from "../config/platform-config";
// The pure module, not the platform: the offline tools use this without loading Pulumi.
import { localHubHostName } from "../config/local-hub-names";
import type { HubCatalogue } from "../manifests/hubs";

/** What the naming depends on: the full config in the program, the stack file's facts offline. */
export type HubNamingConfig = Pick<StackFacts, "namePrefix" | "environment" | "target"> & {
  readonly hubs: readonly { readonly key: string }[];
};

export function manifestHubCatalogue(config: HubNamingConfig): HubCatalogue {
  if (config.target.kind !== "local")
    return { hubs: Object.fromEntries(config.hubs.map((hub) => [hub.key, undefined])), linkedHubs: [] };
  const hostNames = Object.fromEntries(config.hubs.map((hub) => [hub.key, localHubHostName(config, hub)]));
  return { hubs: hostNames, linkedHubs: Object.values(hostNames) };
}

/**
 * The name manifests use for a hub host name (its stack key, on the local target where host names
 * are known; otherwise the name as given), for entries a reviewer pastes into a manifest.
 */
export function manifestHubName(config: HubNamingConfig): (hostName: string) => string {
  const keys = new Map(
    Object.entries(manifestHubCatalogue(config).hubs ?? {}).flatMap(([key, hostName]) =>
      hostName === undefined ? [] : [[hostName.toLowerCase(), key] as const],
    ),
  );
  return (hostName) => keys.get(hostName.toLowerCase()) ?? hostName;
}
