import type { HubConfig, PlatformConfig } from "./platform-config";

/**
 * Host name the local target gives a hub: `<namePrefix>-<environment>-<hubKey>.azure-devices.net`.
 * Deterministic (no random suffix), so manifests, tests and the offline validator can name it.
 * Pure (no Pulumi import), so `validate-manifests` can use it without loading the platform.
 */
export function localHubHostName(
  config: Pick<PlatformConfig, "namePrefix" | "environment">,
  hub: Pick<HubConfig, "key">,
): string {
  return `${config.namePrefix}-${config.environment}-${hub.key}.azure-devices.net`;
}
