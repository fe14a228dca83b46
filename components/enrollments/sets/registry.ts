/**
 * What the resources of one deployment tell each other about who holds which enrollment, so a
 * manifest can switch between the batch and the per-enrollment path without any DPS write.
 *
 * The engine serves every dynamic resource of a deployment from ONE provider process, runs check
 * (and diff) of every declared resource before it deletes undeclared ones, and deletes only after
 * all creates and updates. So:
 * - a set's check() and an IndividualEnrollment's check() record "declared here" for their ids;
 *   a delete (of a set, a set entry, or an IndividualEnrollment) skips ids declared by another
 *   resource on the same DPS: that resource has taken them over;
 * - a set's diff() records "held by a set" for the ids in its state (held and released); an
 *   IndividualEnrollment created for such an id (it depends on its shard's set, so the set has been
 *   diffed and updated first) takes the enrollment over instead of failing "already exists".
 *
 * Kept on globalThis under Symbol.for, not in a module variable: one registry per process, even
 * when it holds two copies of this module (a test runner's module graph beside a provider's).
 */

/** Who declares an id: an IndividualEnrollment, or the set of a given shard. */
export type Holder = "individual" | { set: string };

const holderKey = (holder: Holder) => (holder === "individual" ? "individual" : `set:${holder.set}`);

interface Registry {
  /** endpoint -> lower-cased id -> holder keys ("individual", "set:<shard>") declaring it in this deployment */
  declared: Map<string, Map<string, Set<string>>>;
  /** endpoint -> lower-cased ids some set's state holds or released */
  heldBySet: Map<string, Set<string>>;
}

function registry(): Registry {
  const slot = Symbol.for("dps-as-code.enrollments.holders");
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (holder[slot] ??= { declared: new Map(), heldBySet: new Map() });
}

const key = (endpoint: string) => endpoint.trim().toLowerCase();

export function recordDeclared(endpoint: string | undefined, ids: Iterable<string>, by: Holder): void {
  if (!endpoint) return;
  const declared = registry().declared;
  const ofEndpoint = declared.get(key(endpoint)) ?? new Map<string, Set<string>>();
  declared.set(key(endpoint), ofEndpoint);
  for (const id of ids) {
    const holders = ofEndpoint.get(id.toLowerCase()) ?? new Set<string>();
    holders.add(holderKey(by));
    ofEndpoint.set(id.toLowerCase(), holders);
  }
}

/** Whether a resource other than `asking` declares `id` on this DPS in this deployment. */
export function declaredElsewhere(endpoint: string, id: string, asking: Holder): boolean {
  const holders = registry().declared.get(key(endpoint))?.get(id.toLowerCase());
  if (!holders) return false;
  // A set asking about an entry it drops: any other declaration counts (another set after a
  // change of shard count, or an IndividualEnrollment). An IndividualEnrollment asking: only sets.
  const mine = holderKey(asking);
  return [...holders].some((h) => h !== mine && (asking !== "individual" || h.startsWith("set:")));
}

export function recordHeldBySet(endpoint: string | undefined, ids: Iterable<string>): void {
  if (!endpoint) return;
  const held = registry().heldBySet;
  const ofEndpoint = held.get(key(endpoint)) ?? new Set<string>();
  held.set(key(endpoint), ofEndpoint);
  for (const id of ids) ofEndpoint.add(id.toLowerCase());
}

export function heldBySet(endpoint: string, id: string): boolean {
  return registry().heldBySet.get(key(endpoint))?.has(id.toLowerCase()) ?? false;
}

/** Tests: forget everything (a new deployment). */
export function resetRegistry(): void {
  const r = registry();
  r.declared.clear();
  r.heldBySet.clear();
}

/** How many enrollments the deployment declares on this DPS (an estimate of its size). */
export function declaredCount(endpoint: string): number {
  return registry().declared.get(key(endpoint))?.size ?? 0;
}
