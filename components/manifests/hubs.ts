// The one place where a hub reference in a manifest becomes a host name. Manifests name hubs by
// the hub KEY of the stack config (`iotHubs: [weu]`), which reads the same in every
// environment, or by a linked hub's host name where it is known before deploy (the local
// target; what `npm run export` writes when not told the hub keys). The loader, the
// manifests CLI and the fleet all resolve through `resolveHub`, each with the catalogue it has:
// offline the host name of a key may not be known yet (Azure names end in a random suffix kept
// in state), at deploy time the platform hands out every host name keyed by hub key.

/** Hub key -> host name; `undefined` where the host name is not known before the platform exists. */
export type HubHostNames = Readonly<Record<string, string | undefined>>;

export interface HubCatalogue {
  /** Hub keys of the stack config (`hubs.<key>`) and their host names where known. */
  readonly hubs?: HubHostNames;
  /**
   * Host names a reference may name directly: the hubs linked to the DPS, where known; a
   * reference must resolve to one. `[]` when none can be named before deploy (Azure: keys only);
   * absent when host names are not checked (a bare loader call).
   */
  readonly linkedHubs?: readonly string[];
}

/**
 * `hostName` is the linked hub's host name; for a key whose host name is not known yet it is
 * the key itself, which the fleet resolves again once the platform hands out host names.
 */
export type HubResolution = { ok: true; hostName: string } | { ok: false; problem: string; allowed: string };

export function resolveHub(reference: string, catalogue: HubCatalogue): HubResolution {
  const keys = catalogue.hubs ?? {};
  const linked = catalogue.linkedHubs;
  const allowed = () => {
    const choices = [
      ...Object.keys(keys)
        .sort()
        .map((k) => (keys[k] === undefined ? k : `${k} (${keys[k]})`)),
      ...(linked ?? []).filter((h) => !Object.values(keys).some((v) => v !== undefined && sameHost(v, h))),
    ];
    return choices.length > 0 ? choices.join(", ") : "no hubs are linked to this DPS";
  };
  if (Object.prototype.hasOwnProperty.call(keys, reference)) {
    const byKey = keys[reference];
    if (byKey === undefined) return { ok: true, hostName: reference };
    if (linked && !linked.some((h) => sameHost(h, byKey))) {
      return {
        ok: false,
        problem: `hub '${reference}' (${byKey}) is not linked to the DPS`,
        allowed: allowed(),
      };
    }
    return { ok: true, hostName: byKey };
  }
  if (linked) {
    const match = linked.find((h) => sameHost(h, reference));
    return match
      ? { ok: true, hostName: match }
      : { ok: false, problem: `hub '${reference}' is not linked to the DPS`, allowed: allowed() };
  }
  if (Object.keys(keys).length > 0 && !looksLikeHostName(reference)) {
    return { ok: false, problem: `unknown hub key '${reference}'`, allowed: allowed() };
  }
  return { ok: true, hostName: reference };
}

/** The catalogue at deploy time: every hub's host name, keyed by hub key, all of them linked. */
export function deployedHubCatalogue(hostNames: Readonly<Record<string, string>>): HubCatalogue {
  return { hubs: hostNames, linkedHubs: Object.values(hostNames) };
}

function looksLikeHostName(reference: string): boolean {
  return reference.includes(".") || reference.includes(":");
}

function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
