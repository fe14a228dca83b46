// Manifests name hubs by the hub KEY of the stack config (`iotHubs: [weu]`), which reads the
// same in every environment, or by a linked hub's host name (what `npm run export` writes).
// Both resolve to the host name DPS wants.

export type HubResolution = { ok: true; hostName: string } | { ok: false; problem: string; allowed: string };

export interface HubCatalogue {
  readonly hubs?: Readonly<Record<string, string>>;
  readonly linkedHubs?: readonly string[];
}

export function resolveHub(reference: string, catalogue: HubCatalogue): HubResolution {
  const keys = catalogue.hubs ?? {};
  const linked = catalogue.linkedHubs;
  const allowed = () => {
    const choices = [
      ...Object.keys(keys).sort().map((k) => (keys[k] === k ? k : `${k} (${keys[k]})`)),
      ...(linked ?? []).filter((h) => !Object.values(keys).some((v) => sameHost(v, h))),
    ];
    return choices.length > 0 ? choices.join(", ") : "no hubs are linked to this DPS";
  };
  const byKey = Object.prototype.hasOwnProperty.call(keys, reference) ? keys[reference] : undefined;
  if (byKey !== undefined) {
    if (linked && !linked.some((h) => sameHost(h, byKey))) {
      return { ok: false, problem: `hub '${reference}' (${byKey}) is not linked to the DPS`, allowed: allowed() };
    }
    return { ok: true, hostName: byKey };
  }
  if (linked) {
    const match = linked.find((h) => sameHost(h, reference));
    return match ? { ok: true, hostName: match } : { ok: false, problem: `hub '${reference}' is not linked to the DPS`, allowed: allowed() };
  }
  if (Object.keys(keys).length > 0 && !reference.includes(".") && !reference.includes(":")) {
    return { ok: false, problem: `unknown hub key '${reference}'`, allowed: allowed() };
  }
  return { ok: true, hostName: reference };
}

function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
