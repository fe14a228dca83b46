// An EnrollmentSet holds many individual enrollments in one resource (the batch path for large
// fleets; its contract is components/enrollments/sets/README.md). Its preview step says only "the
// set changes"; reviewers need the same per-enrollment rows the IndividualEnrollment resources
// would give. So each set step is expanded here into one IndividualEnrollment step per entry,
// with the inputs that resource would have had (the entry, its registrationId, the set's dps and
// linkedHubs, and the entry's secrets masked where the resource keeps them secret), and the rest
// of the report treats them like any other enrollment step: one path, the same rows. An
// enrollment moving between a set and its own resource (a manifest switching modes) is one step
// from its old inputs to its new ones, not a delete and a create.
import type { PreviewStep, ResourceState } from "./preview";
import { statesOf, urnName, urnType } from "./preview";
import {
  containsUnknown,
  decodeEntries,
  decodeSecrets,
  ENROLLMENT_PLUMBING_INPUTS,
  ENROLLMENT_SET_TYPE,
  hubReferenceOf,
  resolveHubReference,
  SET_ENTRY_TYPE,
  SET_SHARED_INPUTS,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { MASK } from "./values";

/** A set whose entries the preview cannot show (unknown until apply, or secret as a whole). */
export interface OpaqueSet {
  readonly name: string;
  readonly op: string;
  /**
   * unknown / secret: the entries cannot be read; secret-change: the set changes, but no entry
   * visibly does; hubs-at-update: the entries are listed, but the host names their hub keys stand
   * for are known only when the update runs (rows show the keys).
   */
  readonly reason: "unknown" | "secret" | "secret-change" | "hubs-at-update";
  /** For hubs-at-update: the hub keys whose host names are unknown, when the preview says which. */
  readonly hubs?: readonly string[];
}

export interface ExpandedSteps {
  readonly steps: PreviewStep[];
  readonly opaqueSets: OpaqueSet[];
  /** Set URN -> its entries' registration ids, to attribute the set's policy violations. */
  readonly setEntries: Map<string, Set<string>>;
  /** Registration ids moving between a set and their own resource, by direction. */
  readonly moved: { readonly intoSets: number; readonly outOfSets: number };
}

type Inputs = Record<string, unknown>;

export function isEnrollmentSetStep(step: PreviewStep): boolean {
  return (step.newState?.type ?? step.oldState?.type ?? urnType(step.urn)) === ENROLLMENT_SET_TYPE;
}

/** Replaces every EnrollmentSet step with per-entry IndividualEnrollment steps; other steps pass through. */
export function expandEnrollmentSets(steps: readonly PreviewStep[]): ExpandedSteps {
  const out: PreviewStep[] = [];
  const bySet = new Map<string, PreviewStep[]>();
  for (const step of steps) {
    if (!isEnrollmentSetStep(step)) out.push(step);
    else bySet.set(step.urn, [...(bySet.get(step.urn) ?? []), step]);
  }
  const opaqueSets: OpaqueSet[] = [];
  const setEntries = new Map<string, Set<string>>();
  const fromSets = new Set<PreviewStep>();
  for (const [urn, setSteps] of bySet) {
    const expanded = expandSet(urn, setSteps);
    if ("opaque" in expanded) opaqueSets.push(expanded.opaque);
    else {
      // One push per step: spreading a set's steps into push() overflows the call stack at fleet size.
      for (const step of expanded.steps) {
        fromSets.add(step);
        out.push(step);
      }
      setEntries.set(urn, expanded.ids);
      if (expanded.secretChange)
        opaqueSets.push({ name: urnName(urn), op: "update", reason: "secret-change" });
      if (expanded.hubsAtUpdate) opaqueSets.push(expanded.hubsAtUpdate);
    }
  }
  const { steps: merged, moved } = mergeModeSwitches(out, fromSets);
  return { steps: merged, opaqueSets, setEntries, moved };
}

/**
 * A set's delete of an entry and a create of the same id as an IndividualEnrollment (or the
 * reverse) is a manifest switching modes, which changes nothing in DPS (sets README). One step
 * from the old inputs to the new ones shows what really changes: nothing, or an update.
 */
function mergeModeSwitches(
  steps: readonly PreviewStep[],
  fromSets: ReadonlySet<PreviewStep>,
): { steps: PreviewStep[]; moved: ExpandedSteps["moved"] } {
  const idOf = (step: PreviewStep) =>
    String((step.newState ?? step.oldState)?.inputs?.["registrationId"] ?? urnName(step.urn)).toLowerCase();
  const individual = (step: PreviewStep) =>
    (step.newState?.type ?? step.oldState?.type ?? urnType(step.urn)) === SET_ENTRY_TYPE;
  const deletes = new Map<string, PreviewStep>();
  for (const step of steps)
    if (individual(step) && step.op === "delete")
      deletes.set(`${fromSets.has(step)}\u0000${idOf(step)}`, step);
  const dropped = new Set<PreviewStep>();
  const moved = { intoSets: 0, outOfSets: 0 };
  const out: PreviewStep[] = [];
  for (const step of steps) {
    const counterpart =
      individual(step) && (step.op === "create" || step.op === "import")
        ? deletes.get(`${!fromSets.has(step)}\u0000${idOf(step)}`)
        : undefined;
    if (!counterpart || dropped.has(counterpart)) {
      out.push(step);
      continue;
    }
    dropped.add(counterpart);
    if (fromSets.has(step)) moved.intoSets++;
    else moved.outOfSets++;
    const [before, after] = [counterpart.oldState!.inputs ?? {}, step.newState!.inputs ?? {}];
    out.push({
      op: stableJson(enrollmentContent(before)) === stableJson(enrollmentContent(after)) ? "same" : "update",
      urn: step.urn,
      oldState: counterpart.oldState ?? null,
      newState: step.newState ?? null,
    });
  }
  return { steps: out.filter((step) => !dropped.has(step)), moved };
}

/** What DPS holds for the enrollment: without plumbing and the create-time adoption flag. */
function enrollmentContent(inputs: Inputs): Inputs {
  return Object.fromEntries(
    Object.entries(inputs).filter(
      ([key]) => !(ENROLLMENT_PLUMBING_INPUTS as readonly string[]).includes(key),
    ),
  );
}

type SetExpansion =
  | { steps: PreviewStep[]; ids: Set<string>; secretChange: boolean; hubsAtUpdate?: OpaqueSet }
  | { opaque: OpaqueSet };

function expandSet(urn: string, steps: readonly PreviewStep[]): SetExpansion {
  const ops = new Set(steps.map((s) => s.op));
  // With --refresh the set has a refresh step too: the change is the other step's (statesOf).
  const { oldState, newState } = statesOf(steps);
  const op = setOp(ops);
  const olds = entriesOf(urn, oldState);
  const news = op === "delete" ? undefined : entriesOf(urn, newState);
  for (const entries of [olds, news]) {
    if (entries === MASK || entries === UNKNOWN_VALUE) {
      return { opaque: { name: urnName(urn), op, reason: entries === MASK ? "secret" : "unknown" } };
    }
  }
  // Entries may name hubs by key; each side resolves them with its own hubHostNames. While the
  // new host names are unknown (a hub created, replaced or updated in this change), both sides
  // show keys instead, so an entry whose hubs stay the same does not read as changed.
  const [oldHosts, newHosts] = [hubHostNamesOf(oldState), hubHostNamesOf(newState)];
  const hostsUnknown = news !== undefined && newHosts.unknown;
  const oldEntries = withHubs(olds, (hub) => {
    const host = resolveHubReference(hub, oldHosts.known);
    return hostsUnknown ? hubReferenceOf(host, oldHosts.known) : host;
  });
  const newEntries = withHubs(news, (hub) => (hostsUnknown ? hub : resolveHubReference(hub, newHosts.known)));
  const [oldSecrets, newSecrets] = [declaredSecretsOf(oldState), declaredSecretsOf(newState)];
  const setReplaceReasons = [...new Set(steps.flatMap((s) => s.replaceReasons ?? []))];
  const ids = [...new Set([...Object.keys(oldEntries), ...Object.keys(newEntries)])].sort();
  const out: PreviewStep[] = [];
  for (const id of ids) {
    const before =
      id in oldEntries ? entryState(urn, id, oldEntries[id], oldState, oldSecrets?.[id]) : undefined;
    const after =
      id in newEntries ? entryState(urn, id, newEntries[id], newState, newSecrets?.[id]) : undefined;
    const entryUrn = (after ?? before)!.urn!;
    const step = (entryOp: string, replaceReasons?: string[]): PreviewStep => ({
      op: entryOp,
      urn: entryUrn,
      oldState: before ?? null,
      newState: after ?? null,
      ...(replaceReasons && replaceReasons.length > 0 ? { replaceReasons } : {}),
    });
    if (!before) out.push(step(op === "same" ? "same" : "create"));
    else if (!after) out.push(step("delete"));
    else if (op === "replace") out.push(step("replace", setReplaceReasons));
    else {
      // The same rule as the IndividualEnrollment's diff (components/enrollments/diff.ts): a
      // known change of the attestation type replaces the enrollment (delete first); any other
      // change updates it in place. The id cannot change: it is the entry's key.
      const reasons = attestationTypeChanged(oldEntries[id], newEntries[id]) ? ["attestation"] : [];
      if (reasons.length > 0) out.push(step("replace", reasons));
      else out.push(step(stableJson(before.inputs) === stableJson(after.inputs) ? "same" : "update"));
    }
  }
  // The set changes but no entry visibly does: a secret input changed (a declared key, a webhook
  // URL, the DPS credentials). Said plainly rather than shown as nothing.
  // (Not while host names are unknown: then the hubs may be the change, said on its own line.)
  const secretChange = op === "update" && !hostsUnknown && out.every((s) => s.op === "same");
  const hubsAtUpdate: OpaqueSet | undefined = hostsUnknown
    ? {
        name: urnName(urn),
        op,
        reason: "hubs-at-update",
        ...(newHosts.unknownKeys ? { hubs: newHosts.unknownKeys } : {}),
      }
    : undefined;
  return { steps: out, ids: new Set(ids), secretChange, ...(hubsAtUpdate ? { hubsAtUpdate } : {}) };
}

/** A set's hubHostNames as the preview shows it: the known ones, and whether any is unknown (and which). */
function hubHostNamesOf(state: ResourceState | null | undefined): {
  known: Record<string, string> | undefined;
  unknown: boolean;
  unknownKeys?: string[];
} {
  const value = (state?.inputs ?? state?.outputs)?.["hubHostNames"];
  if (value === UNKNOWN_VALUE) return { known: undefined, unknown: true };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { known: undefined, unknown: false };
  const entries = Object.entries(value as Record<string, unknown>);
  const unknownKeys = entries
    .filter(([, host]) => containsUnknown(host))
    .map(([key]) => key)
    .sort();
  const known = Object.fromEntries(
    entries.filter((e): e is [string, string] => typeof e[1] === "string" && !containsUnknown(e[1])),
  );
  return unknownKeys.length > 0 ? { known, unknown: true, unknownKeys } : { known, unknown: false };
}

/** The entries with each `iotHubs` reference mapped (entries that are not objects, as they are). */
function withHubs(entries: unknown, map: (hub: string) => string): Record<string, Inputs> {
  const out: Record<string, Inputs> = {};
  for (const [id, entry] of Object.entries((entries ?? {}) as Record<string, unknown>)) {
    const hubs = typeof entry === "object" && entry !== null ? (entry as Inputs)["iotHubs"] : undefined;
    out[id] = (
      Array.isArray(hubs)
        ? { ...(entry as Inputs), iotHubs: hubs.map((hub) => (typeof hub === "string" ? map(hub) : hub)) }
        : entry
    ) as Inputs;
  }
  return out;
}

/**
 * Whether an entry declares symmetric keys, from its `secrets[id]` as the preview shows it: an
 * object whose secret leaves are named, or one "[secret]" for the whole (the engine prints a
 * secret per-id value that way). A whole "[secret]" of a symmetric-key entry counts as keys
 * (it may be only a webhook URL: then the attestation is hidden for nothing, never shown wrongly).
 */
function declaresKeys(declared: unknown, entry: Inputs): boolean {
  if (typeof declared === "object" && declared !== null)
    return "primaryKey" in declared || "secondaryKey" in declared;
  const attestation = entry["attestation"];
  return (
    declared === MASK &&
    typeof attestation === "object" &&
    attestation !== null &&
    (attestation as Inputs)["type"] === "symmetricKey"
  );
}

/**
 * `secrets` (id -> { primaryKey?, secondaryKey?, webhookUrl? }), when the preview shows which ids
 * declare something: a map, or one text (contract/resources/set-text.ts) the preview shows in the
 * clear. A secret as a whole ("[secret]") says nothing per id.
 */
function declaredSecretsOf(state: ResourceState | null | undefined): Record<string, unknown> | undefined {
  const secrets = (state?.inputs ?? state?.outputs)?.["secrets"];
  if (typeof secrets === "string" && secrets.startsWith("{")) return decodeSecrets(secrets);
  return typeof secrets === "object" && secrets !== null && !Array.isArray(secrets)
    ? (secrets as Record<string, unknown>)
    : undefined;
}

/** What happens to the set as a whole, from the ops of its steps. */
function setOp(ops: Set<string>): "create" | "delete" | "replace" | "update" | "same" {
  if (ops.has("replace") || ops.has("create-replacement") || ops.has("delete-replaced")) return "replace";
  if (ops.has("create") || ops.has("import")) return "create";
  if (ops.has("delete")) return "delete";
  if (ops.has("update")) return "update";
  return "same";
}

/**
 * A side's entries: a map, one text (set-text.ts) or the stored lines, decoded; the preview's
 * stand-ins (MASK, UNKNOWN_VALUE) as they are.
 */
function entriesOf(urn: string, state: ResourceState | null | undefined): unknown {
  const raw = state?.inputs ?? state?.outputs;
  const entries = raw?.["enrollments"];
  if (typeof entries !== "string" || entries === MASK || entries === UNKNOWN_VALUE) return entries;
  try {
    return decodeEntries(entries);
  } catch (error) {
    throw new Error(`enrollment set ${urnName(urn)}: ${(error as Error).message}`);
  }
}

/**
 * The state the entry's own IndividualEnrollment resource would have, named after its id. That
 * resource keeps `customAllocationDefinition` secret always, and `attestation` when it declares
 * keys (components/enrollments/resource-props.ts); a set keeps those secrets apart (`secrets`),
 * so they are masked here the same way.
 */
function entryState(
  setUrn: string,
  id: string,
  entry: unknown,
  setState: ResourceState | null | undefined,
  declared: unknown,
): ResourceState {
  const setInputs = (setState?.inputs ?? setState?.outputs ?? {}) as Inputs;
  const inputs: Inputs =
    typeof entry === "object" && entry !== null ? { ...(entry as Inputs) } : { enrollment: entry };
  if (inputs["customAllocationDefinition"] !== undefined) inputs["customAllocationDefinition"] = MASK;
  if (declaresKeys(declared, inputs) && inputs["attestation"] !== undefined) inputs["attestation"] = MASK;
  for (const key of SET_SHARED_INPUTS) if (key in setInputs) inputs[key] = setInputs[key];
  inputs["registrationId"] = id;
  return { type: SET_ENTRY_TYPE, urn: entryUrn(setUrn, id), inputs };
}

/** `urn:pulumi:s::p::a$pulumi-nodejs:dynamic/dps:EnrollmentSet::set-0` -> `...::a$...:IndividualEnrollment::<id>`. */
function entryUrn(setUrn: string, id: string): string {
  const parts = setUrn.split("::");
  const chain = (parts[2] ?? "").split("$");
  chain[chain.length - 1] = SET_ENTRY_TYPE;
  return [...parts.slice(0, 2), chain.join("$"), id].join("::");
}

function attestationTypeChanged(olds: unknown, news: unknown): boolean {
  const typeOf = (inputs: unknown) => {
    const attestation =
      typeof inputs === "object" && inputs !== null ? (inputs as Inputs)["attestation"] : undefined;
    return typeof attestation === "object" && attestation !== null
      ? (attestation as Inputs)["type"]
      : undefined;
  };
  const [before, after] = [typeOf(olds), typeOf(news)];
  return (
    typeof before === "string" && typeof after === "string" && after !== UNKNOWN_VALUE && before !== after
  );
}

/** JSON with sorted keys: the engine may print an entry's keys in any order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * The policy pack reports a set entry's violation on the set, naming the entry as the
 * IndividualEnrollment rule would (`individual enrollment "<id>"`, `registrationId "<id>"`).
 * Attributed to the entry, it reads the same as in per-enrollment mode.
 */
export function attributeSetViolation<T extends { readonly urn: string; readonly message: string }>(
  violation: T,
  setEntries: Map<string, Set<string>>,
): T {
  const ids = setEntries.get(violation.urn);
  if (!ids) return violation;
  for (const match of violation.message.matchAll(/"([^"]+)"/g)) {
    if (ids.has(match[1]!)) return { ...violation, urn: entryUrn(violation.urn, match[1]!) };
  }
  return violation;
}
