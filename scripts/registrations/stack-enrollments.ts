/**
 * What `npm run registrations` asks DPS about, read from the stack's state (`pulumi stack export
 * --show-secrets`, held in memory only): per DPS the stack reaches, the connection its enrollment
 * resources use, the ids of its individual enrollments (one resource each, or entries of the batch
 * path's sets) and groups, and the hubs linked to that DPS with their allocation weights where the
 * stack declares the DPS itself (local or Azure platform). A stack against an existing DPS knows
 * no weights: the report then counts per hub without a share to compare with.
 */
import {
  decodeEntries,
  ENROLLMENT_SET_TYPE,
  isAzureDps,
  isLocalDps,
  kindInfo,
  kindOfType,
  type DpsConnection,
} from "@dps-as-code/contract";
import { revealed, type Deployment } from "../recover/pending-plan";

export interface LinkedHub {
  hostName: string;
  /** DPS's allocation weight of the link (ARM's default when unset is 1: see weightOf). */
  allocationWeight: number;
}

export interface StackDps {
  /** How the stack's enrollment resources reach this DPS (secret: never printed). */
  connection: DpsConnection;
  serviceEndpoint: string;
  /** Individual enrollments, sorted, each once (a set's entries included). */
  individual: string[];
  /** Enrollment groups, sorted. */
  groups: string[];
  /** Hubs linked to this DPS by this stack; empty when the stack does not declare the DPS. */
  linkedHubs: LinkedHub[];
}

/**
 * An unset weight counts as 1: ARM's IotHubDefinitionDescription.allocationWeight has no default
 * in the spec (Azure/azure-rest-api-specs specification/deviceprovisioningservices/resource-manager/
 * Microsoft.Devices/preview/2023-03-01-preview/iotdps.json, the version azure-native 3.28.0's
 * IotDpsResource uses), and DPS's docs describe hubs without a weight
 * as sharing devices evenly (learn.microsoft.com/azure/iot-dps/how-to-use-allocation-policies).
 */
function weightOf(value: unknown): number {
  return typeof value === "number" && value > 0 ? value : 1;
}

function hostNameOfConnectionString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return /(?:^|;)\s*HostName=([^;]+)/i.exec(value)?.[1];
}

/** Hubs linked to each DPS the stack declares, by the DPS's service endpoint (lower case). */
function linkedHubsByEndpoint(deployment: Deployment): Map<string, LinkedHub[]> {
  const byEndpoint = new Map<string, LinkedHub[]>();
  for (const resource of deployment.resources ?? []) {
    const inputs = (revealed(resource.inputs ?? {}) ?? {}) as Record<string, unknown>;
    const outputs = (revealed(resource.outputs ?? {}) ?? {}) as Record<string, unknown>;
    if (isLocalDps(resource.type)) {
      const endpoint = inputs.serviceHost;
      const links = Array.isArray(inputs.linkedHubs) ? (inputs.linkedHubs as Record<string, unknown>[]) : [];
      if (typeof endpoint === "string")
        byEndpoint.set(
          endpoint.toLowerCase(),
          links
            .filter((l) => typeof l.hostName === "string")
            .map((l) => ({ hostName: l.hostName as string, allocationWeight: weightOf(l.allocationWeight) })),
        );
    } else if (isAzureDps(resource.type)) {
      // azure-native's IotDpsResource outputs: properties.serviceOperationsHostName and
      // properties.iotHubs[] with the hub's host name as `name` (IotHubDefinitionDescriptionResponse;
      // read-only in iotdps.json above) and the link's connection string (HostName=...).
      const properties = (outputs.properties ?? {}) as Record<string, unknown>;
      const endpoint = properties.serviceOperationsHostName;
      const links = Array.isArray(properties.iotHubs)
        ? (properties.iotHubs as Record<string, unknown>[])
        : [];
      if (typeof endpoint === "string")
        byEndpoint.set(
          endpoint.toLowerCase(),
          links.flatMap((l) => {
            const hostName =
              typeof l.name === "string" ? l.name : hostNameOfConnectionString(l.connectionString);
            return hostName ? [{ hostName, allocationWeight: weightOf(l.allocationWeight) }] : [];
          }),
        );
    }
  }
  return byEndpoint;
}

/** Every DPS the stack's enrollments live on, with their ids; sorted by endpoint. */
export function stackEnrollments(deployment: Deployment): StackDps[] {
  const hubs = linkedHubsByEndpoint(deployment);
  const byEndpoint = new Map<string, StackDps & { seen: { individual: Set<string>; groups: Set<string> } }>();
  const dpsOf = (connection: DpsConnection) => {
    const key = connection.serviceEndpoint.toLowerCase();
    let dps = byEndpoint.get(key);
    if (!dps) {
      dps = {
        connection,
        serviceEndpoint: connection.serviceEndpoint,
        individual: [],
        groups: [],
        linkedHubs: hubs.get(key) ?? [],
        seen: { individual: new Set(), groups: new Set() },
      };
      byEndpoint.set(key, dps);
    }
    return dps;
  };
  for (const resource of deployment.resources ?? []) {
    const kind = kindOfType(resource.type);
    if (!kind && resource.type !== ENROLLMENT_SET_TYPE) continue;
    const inputs = (revealed(resource.inputs ?? {}) ?? {}) as Record<string, unknown>;
    const connection = inputs.dps as DpsConnection | undefined;
    if (!connection || typeof connection.serviceEndpoint !== "string") continue;
    const dps = dpsOf(connection);
    if (kind) {
      const id = inputs[kindInfo(kind).idField];
      if (typeof id === "string" && id !== "")
        (kind === "individual" ? dps.seen.individual : dps.seen.groups).add(id);
    } else {
      // The entries as a map or as one text (contract/resources/set-text.ts): both are read.
      for (const id of Object.keys(setEntriesOf(resource.urn, inputs.enrollments)))
        dps.seen.individual.add(id);
    }
  }
  return [...byEndpoint.values()]
    .map(({ seen, ...dps }) => ({
      ...dps,
      individual: [...seen.individual].sort(),
      groups: [...seen.groups].sort(),
    }))
    .sort((a, b) => a.serviceEndpoint.localeCompare(b.serviceEndpoint));
}

function setEntriesOf(urn: string, entries: unknown): Record<string, unknown> {
  if (typeof entries !== "string" && (typeof entries !== "object" || entries === null)) return {};
  try {
    return decodeEntries(entries);
  } catch (error) {
    throw new Error(`${urn}: ${(error as Error).message}`);
  }
}
