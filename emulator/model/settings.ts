import { badRequest } from "../errors";
import { DPS_ALLOCATION_POLICIES, type DpsAllocationPolicy, type LinkedHub } from "../state/types";

/** DPS limit: at most 50 linked IoT hubs per service (docs/dps-contracts.md §6). */
export const MAX_LINKED_HUBS = 50;
const HOST_NAME_PATTERN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

export interface SettingsInput {
  allocationPolicy?: unknown;
  linkedHubs?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates the DPS-level allocation settings (config file and PUT /admin/config) and applies
 * the ARM resource's defaults: weight 1, applyAllocationPolicy true, location "".
 * `where` prefixes field names in messages ("config.json: linkedHubs[1].allocationWeight ...").
 */
export function parseAllocationSettings(
  input: SettingsInput,
  where: string,
  current: { allocationPolicy: DpsAllocationPolicy; linkedHubs: LinkedHub[] },
): { allocationPolicy: DpsAllocationPolicy; linkedHubs: LinkedHub[] } {
  const field = (name: string) => (where ? `${where}: ${name}` : name);
  let allocationPolicy = current.allocationPolicy;
  if (input.allocationPolicy !== undefined) {
    if (!DPS_ALLOCATION_POLICIES.includes(input.allocationPolicy as DpsAllocationPolicy)) {
      throw badRequest(
        `${field("allocationPolicy")} is ${JSON.stringify(input.allocationPolicy)}; allowed: ${DPS_ALLOCATION_POLICIES.join(", ")} (a DPS-level default cannot be custom)`,
      );
    }
    allocationPolicy = input.allocationPolicy as DpsAllocationPolicy;
  }
  let linkedHubs = current.linkedHubs;
  if (input.linkedHubs !== undefined) {
    if (!Array.isArray(input.linkedHubs)) throw badRequest(`${field("linkedHubs")} must be an array`);
    if (input.linkedHubs.length > MAX_LINKED_HUBS) {
      throw badRequest(
        `${field("linkedHubs")} has ${input.linkedHubs.length} hubs; DPS allows at most ${MAX_LINKED_HUBS}`,
      );
    }
    const seen = new Set<string>();
    linkedHubs = input.linkedHubs.map((raw: unknown, i: number) => {
      const at = field(`linkedHubs[${i}]`);
      if (!isObject(raw)) throw badRequest(`${at} must be an object`);
      const { hostName, location, allocationWeight, applyAllocationPolicy, connectionString } = raw;
      if (typeof hostName !== "string" || !HOST_NAME_PATTERN.test(hostName)) {
        throw badRequest(
          `${at}.hostName is ${JSON.stringify(hostName)}; expected a host name such as myhub.azure-devices.net`,
        );
      }
      if (seen.has(hostName.toLowerCase())) throw badRequest(`${at}.hostName ${hostName} is listed twice`);
      seen.add(hostName.toLowerCase());
      if (location !== undefined && typeof location !== "string") {
        throw badRequest(`${at}.location must be a string such as "westeurope"`);
      }
      const weight = allocationWeight ?? 1;
      if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 1 || weight > 1000) {
        throw badRequest(
          `${at}.allocationWeight is ${JSON.stringify(allocationWeight)}; allowed: an integer from 1 to 1000`,
        );
      }
      if (applyAllocationPolicy !== undefined && typeof applyAllocationPolicy !== "boolean") {
        throw badRequest(`${at}.applyAllocationPolicy must be true or false`);
      }
      if (connectionString !== undefined && typeof connectionString !== "string") {
        throw badRequest(`${at}.connectionString must be a string`);
      }
      const hub: LinkedHub = {
        hostName,
        location: location ?? "",
        allocationWeight: weight,
        applyAllocationPolicy: applyAllocationPolicy ?? true,
      };
      if (connectionString) hub.connectionString = connectionString;
      return hub;
    });
  }
  return { allocationPolicy, linkedHubs };
}

/** The public view of the settings: connection strings are never returned. */
export function settingsView(settings: {
  idScope: string;
  allocationPolicy: DpsAllocationPolicy;
  linkedHubs: LinkedHub[];
}) {
  return {
    idScope: settings.idScope,
    allocationPolicy: settings.allocationPolicy,
    linkedHubs: settings.linkedHubs.map((h) => ({
      hostName: h.hostName,
      location: h.location,
      allocationWeight: h.allocationWeight,
      applyAllocationPolicy: h.applyAllocationPolicy,
    })),
  };
}
