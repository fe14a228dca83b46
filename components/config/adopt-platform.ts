import { describe, type ConfigChecker } from "./config-checker";
import type { AdoptedPlatform, HubConfig } from "./platform-config";

/**
 * `dps-as-code:adoptPlatform`: an existing DPS and existing hubs that a platform stack takes over
 * under their own names (Pulumi's `import` resource option), instead of creating new ones.
 * See docs/existing-dps.md, "Bringing the platform itself under a platform stack".
 */
export const ADOPT_PLATFORM_SETTINGS = ["dps", "hubs", "consumerGroups"] as const;

// ARM resource ids, as `az iot dps show --query id` / `az iot hub show --query id` print them.
// ARM compares provider namespaces and resource types case-insensitively, and ARM GET returns the
// DPS type as `Microsoft.Devices/ProvisioningServices` (DPSGet.json of
// specification/deviceprovisioningservices, 2023-03-01-preview), so the case is not checked.
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const RESOURCE_GROUP = "[-\\w._()]{0,89}[-\\w_()]";
// IoT hub names: 3-50 letters, digits and '-'; DPS names: 3-64 letters, digits and '-' (ARM's
// name patterns in the iothub and deviceprovisioningservices specs).
const armId = (type: string, name: string) =>
  new RegExp(
    `^/subscriptions/(${GUID})/resourceGroups/(${RESOURCE_GROUP})/providers/Microsoft\\.Devices/${type}/(${name})$`,
    "i",
  );
const DPS_ID = armId("provisioningServices", "[A-Za-z0-9-]{3,64}");
const HUB_ID = armId("IotHubs", "[A-Za-z0-9-]{3,50}");
const DPS_ID_EXAMPLE =
  "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Devices/provisioningServices/<name>";
const HUB_ID_EXAMPLE =
  "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Devices/IotHubs/<name>";

interface ParsedId {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly name: string;
}

/**
 * Reads `adoptPlatform` (absent: undefined). Every problem names its key and what is allowed;
 * `hubs` are the stack's parsed hubs (an adopted hub must be one of them) and
 * `resourceGroupName` the stack's `dps-as-code:resourceGroupName`, if set.
 */
export function parseAdoptPlatform(
  c: ConfigChecker,
  value: unknown,
  hubs: readonly HubConfig[],
  resourceGroupName: unknown,
): AdoptedPlatform | undefined {
  if (value === undefined || value === null) return undefined;
  const s = c.object("adoptPlatform", value);
  if (!s) return undefined;
  c.onlyKnownKeys("adoptPlatform", s, ADOPT_PLATFORM_SETTINGS);
  const dps =
    s.dps === undefined || s.dps === null
      ? c.fail("adoptPlatform.dps", `is required (the DPS's ARM resource id, ${DPS_ID_EXAMPLE})`)
      : parseId(c, "adoptPlatform.dps", s.dps, DPS_ID, DPS_ID_EXAMPLE);
  const adoptedHubs: Record<string, ParsedId> = {};
  const hubMap = c.object("adoptPlatform.hubs", s.hubs) ?? {};
  const keys = hubs.map((h) => h.key);
  for (const [rawKey, v] of Object.entries(hubMap)) {
    const p = `adoptPlatform.hubs.${rawKey}`;
    const key = rawKey.toLowerCase();
    if (!keys.includes(key)) {
      c.fail(
        p,
        `is not a hub of ${c.key("hubs")} (${keys.join(", ") || "none"}); an adopted hub is configured there like any hub, under the same key`,
      );
      continue;
    }
    if (key in adoptedHubs) {
      c.fail(p, "is listed twice (hub keys are case-insensitive)");
      continue;
    }
    const hub = parseId(c, p, v, HUB_ID, HUB_ID_EXAMPLE);
    if (hub) adoptedHubs[key] = hub;
  }
  const consumerGroups = parseAdoptedConsumerGroups(c, s.consumerGroups, hubs, adoptedHubs);
  if (!dps) return undefined;

  // The platform puts every resource in one group (components/platform/azure-platform.ts), so
  // the adopted ones must already share it, in the subscription the stack deploys to.
  const others = Object.entries(adoptedHubs);
  for (const [key, hub] of others) {
    if (hub.subscriptionId.toLowerCase() !== dps.subscriptionId.toLowerCase())
      c.fail(
        `adoptPlatform.hubs.${key}`,
        `is in subscription ${hub.subscriptionId}, the DPS in ${dps.subscriptionId}; a platform stack deploys to one subscription`,
      );
    else if (hub.resourceGroupName.toLowerCase() !== dps.resourceGroupName.toLowerCase())
      c.fail(
        `adoptPlatform.hubs.${key}`,
        `is in resource group ${JSON.stringify(hub.resourceGroupName)}, the DPS in ${JSON.stringify(dps.resourceGroupName)}; a platform stack keeps its hubs and DPS in one group`,
      );
  }
  if (typeof resourceGroupName === "string" && resourceGroupName !== dps.resourceGroupName)
    c.fail(
      "resourceGroupName",
      `is ${JSON.stringify(resourceGroupName)}, but the adopted DPS is in ${JSON.stringify(dps.resourceGroupName)}; leave it out (the group is taken from ${c.key("adoptPlatform.dps")}) or make them equal`,
    );
  return {
    subscriptionId: dps.subscriptionId,
    resourceGroupName: dps.resourceGroupName,
    dps: { name: dps.name, resourceId: dps.id },
    hubs: Object.fromEntries(
      others.map(([key, hub]) => [
        key,
        { name: hub.name, resourceId: hub.id, consumerGroups: consumerGroups[key] ?? [] },
      ]),
    ),
  };
}

/**
 * `adoptPlatform.consumerGroups.<hubKey>`: the groups an adopted hub already has, imported with it.
 * The `import` option stays in the program after adoption, and Pulumi imports (and fails on a
 * missing resource) whenever a resource with an import id is not in state yet, so a group added
 * later must be created, not imported: only the listed groups are imported.
 */
function parseAdoptedConsumerGroups(
  c: ConfigChecker,
  value: unknown,
  hubs: readonly HubConfig[],
  adoptedHubs: Readonly<Record<string, unknown>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [rawKey, v] of Object.entries(c.object("adoptPlatform.consumerGroups", value) ?? {})) {
    const p = `adoptPlatform.consumerGroups.${rawKey}`;
    const key = rawKey.toLowerCase();
    const hub = hubs.find((h) => h.key === key);
    if (!hub || !(key in adoptedHubs)) {
      c.fail(p, `is not an adopted hub; allowed: ${Object.keys(adoptedHubs).join(", ") || "none"}`);
      continue;
    }
    out[key] = c.list(p, v).flatMap((name, i) => {
      if (typeof name === "string" && hub.consumerGroups.includes(name)) return [name];
      c.fail(
        `${p}[${i}]`,
        `${describe(name)} is not one of ${c.key(`hubs.${key}.consumerGroups`)} (${hub.consumerGroups.join(", ") || "none"}); list there every group the stack manages, here those the hub already has`,
      );
      return [];
    });
  }
  return out;
}

function parseId(
  c: ConfigChecker,
  path: string,
  value: unknown,
  pattern: RegExp,
  example: string,
): ParsedId | undefined {
  const id = c.string(path, value);
  if (id === undefined) return undefined;
  const match = pattern.exec(id);
  if (!match)
    return c.fail(path, `${JSON.stringify(id)} is not allowed; use the ARM resource id, ${example}`);
  return { id, subscriptionId: match[1]!, resourceGroupName: match[2]!, name: match[3]! };
}
