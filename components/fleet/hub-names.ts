// The hub catalogue the manifest loader checks `iotHubs` against before anything runs. On the
// local target the host names are deterministic (`localHubHostName`), so the loader resolves
// keys to them and checks host names against them. On Azure they end in a random suffix kept in
// state: manifests name those hubs by key only (a host name cannot be checked offline, so it is
// refused before deploy, as the offline validator refuses it), and a key stays a key until the
// fleet resolves it from the platform's `hubHostNames` with the same `resolveHub`.
import type { ExistingDpsLocation } from "../config/enrollment-stack-config";
import type { StackFacts } from "../config/platform-config";
// The pure module, not the platform: the offline tools use this without loading Pulumi.
import { localHubHostName } from "../config/local-hub-names";
import type { HubCatalogue } from "../manifests/hubs";

/** What the naming depends on: the full config in the program, the stack file's facts offline. */
export type HubNamingConfig = Pick<StackFacts, "namePrefix" | "environment" | "target" | "existingDps"> & {
  readonly hubs: readonly { readonly key: string }[];
};

export function manifestHubCatalogue(config: HubNamingConfig): HubCatalogue {
  if (config.existingDps) return existingDpsHubCatalogue(config.existingDps.location);
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

/**
 * The catalogue of an enrollments-only stack (`dps-as-code:existingDps`). Named directly, the
 * DPS's linked hubs are known exactly (`linkedHubs`: key -> host name), so keys and host names
 * are both checked offline. Named by a platform stack, only the keys are known before deploy,
 * as on the Azure target; the fleet resolves them from that stack's `hubHostNames` output.
 */
export function existingDpsHubCatalogue(location: ExistingDpsLocation): HubCatalogue {
  if (location.kind === "platformStack")
    return { hubs: Object.fromEntries(location.hubKeys.map((key) => [key, undefined])), linkedHubs: [] };
  return { hubs: { ...location.linkedHubs }, linkedHubs: Object.values(location.linkedHubs) };
}
