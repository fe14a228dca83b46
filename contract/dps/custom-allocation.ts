/**
 * `customAllocationDefinition.apiVersion`: the DPS API version of the request DPS sends to the
 * allocation webhook. The service spec sets the minimum at "2018-09-01-preview" (SPEC-S21; the
 * Azure CLI enforces the same, azure-iot-cli-extension `--api-version`); a string that merely
 * looks like a date (`2020-02-30`, `2023-01-01`) is no DPS API version, and DPS would call the
 * webhook with a version nobody implements. The known versions: the DPS service API versions
 * published in Azure/azure-rest-api-specs `specification/deviceprovisioningservices/data-plane`
 * (2021-10-01, 2021-11-01-preview, 2025-07-01-preview, 2026-04-01; and, in its TypeSpec layout
 * `DeviceProvisioningServices/service/examples/<version>/`, 2026-07-01-preview and 2026-11-01;
 * docs/dps-contracts.md §1) and the
 * earlier ones Microsoft's SDKs sent (2018-09-01-preview, 2018-11-01 in the Node service client's
 * history, 2019-03-31 in the C# SDK, 2021-06-01 in the docs' examples; docs/dps-contracts.md §1).
 * When DPS publishes a newer version, add it here.
 */
export const CUSTOM_ALLOCATION_API_VERSIONS = [
  "2018-09-01-preview",
  "2018-11-01",
  "2019-03-31",
  "2021-06-01",
  "2021-10-01",
  "2021-11-01-preview",
  "2025-07-01-preview",
  "2026-04-01",
  "2026-07-01-preview",
  "2026-11-01",
] as const;

export const MIN_CUSTOM_ALLOCATION_API_VERSION = "2018-09-01-preview";
export const CUSTOM_ALLOCATION_API_VERSION_RULE = `a DPS API version: ${CUSTOM_ALLOCATION_API_VERSIONS.join(", ")} (2021-10-01 is what the Node SDK uses)`;

export function isCustomAllocationApiVersion(value: string): boolean {
  return (CUSTOM_ALLOCATION_API_VERSIONS as readonly string[]).includes(value);
}
