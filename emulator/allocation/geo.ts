import type { GeoLatencyModel } from "../options";
import type { LinkedHub } from "../state/types";
import { pickHashed } from "./hashed";

/** Approximate coordinates of common Azure regions, to estimate latency when none is configured. */
const REGION_COORDINATES: Record<string, [number, number]> = {
  eastus: [37.37, -79.82],
  eastus2: [36.68, -78.39],
  centralus: [41.59, -93.6],
  northcentralus: [41.88, -87.63],
  southcentralus: [29.42, -98.49],
  westus: [37.78, -122.42],
  westus2: [47.23, -119.85],
  westus3: [33.45, -112.07],
  canadacentral: [43.65, -79.38],
  brazilsouth: [-23.55, -46.63],
  northeurope: [53.35, -6.26],
  westeurope: [52.37, 4.9],
  uksouth: [50.94, -0.8],
  francecentral: [46.3, 2.37],
  germanywestcentral: [50.11, 8.68],
  swedencentral: [60.67, 17.14],
  switzerlandnorth: [47.45, 8.56],
  norwayeast: [59.91, 10.75],
  italynorth: [45.46, 9.19],
  polandcentral: [52.23, 21.01],
  eastasia: [22.27, 114.19],
  southeastasia: [1.28, 103.83],
  japaneast: [35.68, 139.77],
  koreacentral: [37.57, 126.98],
  australiaeast: [-33.86, 151.21],
  centralindia: [18.58, 73.92],
  southafricanorth: [-25.73, 28.22],
  uaenorth: [25.27, 55.3],
};

const UNKNOWN_DISTANCE_MS = 1000;

/** Latency estimate in ms: configured value, else ~1 ms per 100 km of great-circle distance. */
export function latencyMs(model: GeoLatencyModel, from: string, to: string): number {
  const a = from.toLowerCase().replace(/\s+/g, "");
  const b = to.toLowerCase().replace(/\s+/g, "");
  const configured = model.latencyMs?.[from]?.[to] ?? model.latencyMs?.[a]?.[b];
  if (configured !== undefined) return configured;
  if (a === b) return 1;
  const p = REGION_COORDINATES[a];
  const q = REGION_COORDINATES[b];
  if (!p || !q) return UNKNOWN_DISTANCE_MS;
  const rad = Math.PI / 180;
  const h =
    Math.sin(((q[0] - p[0]) * rad) / 2) ** 2 +
    Math.cos(p[0] * rad) * Math.cos(q[0] * rad) * Math.sin(((q[1] - p[1]) * rad) / 2) ** 2;
  const km = 2 * 6371 * Math.asin(Math.sqrt(h));
  return 1 + km / 100;
}

/** Where the device is: the longest configured registration-id prefix, else the model's default. */
export function deviceLocation(
  model: GeoLatencyModel,
  registrationId: string,
  hubs: readonly LinkedHub[],
): string {
  let best: string | undefined;
  let bestLength = -1;
  for (const [prefix, region] of Object.entries(model.deviceLocations ?? {})) {
    if (registrationId.toLowerCase().startsWith(prefix.toLowerCase()) && prefix.length > bestLength) {
      best = region;
      bestLength = prefix.length;
    }
  }
  return best ?? model.defaultDeviceLocation ?? hubs[0]?.location ?? "";
}

/** Lowest latency hub; ties are split by weighted hashing, as DPS does. */
export function pickGeoLatency(
  model: GeoLatencyModel,
  registrationId: string,
  hubs: readonly LinkedHub[],
): LinkedHub | undefined {
  const location = deviceLocation(model, registrationId, hubs);
  const scored = hubs.map((hub) => ({ hub, ms: latencyMs(model, location, hub.location) }));
  const min = Math.min(...scored.map((s) => s.ms));
  return pickHashed(
    registrationId,
    scored.filter((s) => s.ms <= min + 0.5).map((s) => s.hub),
  );
}
