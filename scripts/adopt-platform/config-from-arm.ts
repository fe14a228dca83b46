// The stack config that adopts an existing DPS and its hubs without changing them, written from
// their ARM GET bodies (`az rest --method get --url "<id>?api-version=..."`, see
// docs/existing-dps.md). Each field maps one ARM property the platform components send, so that
// the program's inputs equal what Pulumi's import reads (test/platform/adopt-platform.test.ts).
// Pure: the command (../adopt-platform.ts) does the files.
import { CONFIG_NAMESPACE } from "../../components/config";

/** An ARM GET body, as `az rest` prints it (Microsoft.Devices/IotHubs or provisioningServices). */
export type ArmBody = Record<string, unknown>;

export interface AdoptionInput {
  readonly environment: string;
  /** GET of the DPS (API 2023-03-01-preview: what azure-native's IotDpsResource uses). */
  readonly dps: ArmBody;
  /** GET of each hub (API 2023-06-30: azure-native's IotHubResource), by the hub key to give it. */
  readonly hubs: Readonly<Record<string, ArmBody>>;
  /** Consumer groups of each hub's `events` endpoint (the `value` of ARM's list), by hub key. */
  readonly consumerGroups?: Readonly<Record<string, readonly ArmBody[]>>;
}

export type AdoptionConfig =
  | { readonly ok: true; readonly config: Record<string, unknown> }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Tags the stack adds to every resource itself (parse-platform-config.ts): never written as config. */
const STACK_TAGS = ["environment", "managed-by", "iot-hub-key"];

const ALLOCATION_POLICIES: Record<string, string> = {
  Hashed: "hashed",
  GeoLatency: "geoLatency",
  Static: "static",
};

/**
 * Maps the GET bodies to `dps-as-code:*` config, or says why this platform cannot be adopted
 * unchanged (each problem names the resource, the property and what the stack needs).
 */
export function adoptionConfig(input: AdoptionInput): AdoptionConfig {
  const problems: string[] = [];
  const dps = input.dps;
  const dpsName = String(dps.name ?? "the DPS");
  const dpsProps = obj(dps.properties);
  const dpsSku = obj(dps.sku);
  if (dpsSku.name !== "S1")
    problems.push(`${dpsName}: sku.name is ${JSON.stringify(dpsSku.name)}; allowed "S1"`);
  const allocationPolicy = ALLOCATION_POLICIES[String(dpsProps.allocationPolicy ?? "Hashed")];
  if (!allocationPolicy)
    problems.push(
      `${dpsName}: properties.allocationPolicy ${JSON.stringify(dpsProps.allocationPolicy)} is unknown`,
    );

  // DPS links hubs by connection string; its GET masks the key but keeps the host name
  // (`HostName=<hub>.azure-devices.net;SharedAccessKeyName=...;SharedAccessKey=****`), and names
  // each link by that host name (`iotHubs[].name`).
  const links = list(dpsProps.iotHubs).map((l) => {
    const link = obj(l);
    const host = String(
      link.name ?? /HostName=([^;]+)/i.exec(String(link.connectionString ?? ""))?.[1] ?? "",
    );
    return { host: host.toLowerCase(), link };
  });
  const hubs: Record<string, unknown> = {};
  const adoptedHubs: Record<string, string> = {};
  const adoptedGroups: Record<string, string[]> = {};
  const linkedHosts = new Set<string>();
  for (const [key, hub] of Object.entries(input.hubs)) {
    const hubName = String(hub.name ?? key);
    const props = obj(hub.properties);
    const host = String(props.hostName ?? `${hubName}.azure-devices.net`).toLowerCase();
    const link = links.find((l) => l.host === host)?.link;
    if (!link) {
      problems.push(
        `${hubName}: is not linked to ${dpsName}; the stack links every hub it manages, so link it first (az iot dps linked-hub create) or leave it out`,
      );
      continue;
    }
    linkedHosts.add(host);
    const sku = obj(hub.sku);
    const events = obj(obj(props.eventHubEndpoints).events);
    const identity = String(obj(hub.identity).type ?? "None");
    // The stack sends these on every PUT; where Azure differs, adopting would change the hub.
    if (props.minTlsVersion !== "1.2")
      problems.push(
        `${hubName}: properties.minTlsVersion is ${JSON.stringify(props.minTlsVersion ?? null)}; the stack requires "1.2", which a hub accepts only when it is created`,
      );
    if (props.disableLocalAuth === true)
      problems.push(
        `${hubName}: properties.disableLocalAuth is true; the stack links DPS with a shared access key of the hub, so local auth must stay on`,
      );
    if (identity !== "None" && identity !== "SystemAssigned")
      problems.push(
        `${hubName}: identity.type ${JSON.stringify(identity)} is not supported; allowed "None", "SystemAssigned"`,
      );
    const groups = list(input.consumerGroups?.[key])
      .map((g) => String(obj(g).name))
      .filter((name) => name.toLowerCase() !== "$default");
    const rules = props.networkRuleSets === undefined ? undefined : obj(props.networkRuleSets);
    hubs[key] = {
      location: hub.location,
      sku: sku.name,
      units: sku.capacity,
      partitionCount: events.partitionCount,
      retentionDays: events.retentionTimeInDays,
      // Absent from a link: left to the config's defaults (weight 1, in the allocation policy).
      ...(link.allocationWeight !== undefined ? { allocationWeight: link.allocationWeight } : {}),
      ...(link.applyAllocationPolicy !== undefined
        ? { applyAllocationPolicy: link.applyAllocationPolicy }
        : {}),
      publicNetworkAccess: props.publicNetworkAccess ?? "Enabled",
      ...(rules
        ? {
            networkRuleSets: {
              defaultAction: rules.defaultAction,
              applyToBuiltInEventHubEndpoint: rules.applyToBuiltInEventHubEndpoint,
              ipRules: list(rules.ipRules).map((r) => ({ name: obj(r).filterName, ipMask: obj(r).ipMask })),
            },
          }
        : {}),
      identity,
      ...(groups.length > 0 ? { consumerGroups: groups } : {}),
      ...ownTags(hub.tags),
    };
    adoptedHubs[key] = String(hub.id);
    if (groups.length > 0) adoptedGroups[key] = groups;
  }
  for (const { host } of links)
    if (!linkedHosts.has(host))
      problems.push(
        `${dpsName}: links ${host}, which is not adopted; give it with --hub (the stack writes the DPS with exactly its own hubs' links)`,
      );
  if (problems.length > 0) return { ok: false, problems };

  const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;
  return {
    ok: true,
    config: {
      [key("environment")]: input.environment,
      [key("location")]: dps.location,
      [key("hubs")]: hubs,
      [key("dps")]: {
        allocationPolicy,
        capacity: dpsSku.capacity,
        publicNetworkAccess: dpsProps.publicNetworkAccess ?? "Enabled",
        ipFilterRules: list(dpsProps.ipFilterRules).map((r) => {
          const rule = obj(r);
          return {
            name: rule.filterName,
            ipMask: rule.ipMask,
            action: rule.action,
            target: rule.target ?? "all",
          };
        }),
        dataResidency: dpsProps.enableDataResidency ?? false,
        ...ownTags(dps.tags),
      },
      [key("adoptPlatform")]: {
        dps: String(dps.id),
        hubs: adoptedHubs,
        ...(Object.keys(adoptedGroups).length > 0 ? { consumerGroups: adoptedGroups } : {}),
      },
    },
  };
}

/** The resource's tags other than those the stack adds itself, as a `tags` setting (if any). */
function ownTags(value: unknown): { tags?: Record<string, unknown> } {
  const tags = Object.fromEntries(Object.entries(obj(value)).filter(([k]) => !STACK_TAGS.includes(k)));
  return Object.keys(tags).length > 0 ? { tags } : {};
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
