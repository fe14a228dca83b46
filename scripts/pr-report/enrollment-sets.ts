// An EnrollmentSet holds many individual enrollments in one resource (the batch path for large
// fleets, components/enrollments/sets). Its preview step says only "the set changes"; reviewers
// need the same per-enrollment rows the IndividualEnrollment resources would give. So each set
// step is expanded here into one IndividualEnrollment step per entry, with the inputs that
// resource would have had (the entry, its registrationId, and the set's dps and linkedHubs),
// and the rest of the report treats them like any other enrollment step: one path, the same rows.
import type { PreviewStep, ResourceState } from "./preview";
import { urnName, urnType } from "./preview";
import { MASK, UNKNOWN } from "./values";

export const ENROLLMENT_SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
const INDIVIDUAL_TYPE = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
/** Set inputs every entry shares: the entry's resource would carry them itself. */
const SHARED_INPUTS = ["dps", "linkedHubs"] as const;

/** A set whose entries the preview cannot show (unknown until apply, or secret as a whole). */
export interface OpaqueSet {
  readonly name: string;
  readonly op: string;
  readonly reason: "unknown" | "secret";
}

export interface ExpandedSteps {
  readonly steps: PreviewStep[];
  readonly opaqueSets: OpaqueSet[];
  /** Set URN -> its entries' registration ids, to attribute the set's policy violations. */
  readonly setEntries: Map<string, Set<string>>;
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
  for (const [urn, setSteps] of bySet) {
    const expanded = expandSet(urn, setSteps);
    if ("opaque" in expanded) opaqueSets.push(expanded.opaque);
    else {
      out.push(...expanded.steps);
      setEntries.set(urn, expanded.ids);
    }
  }
  return { steps: out, opaqueSets, setEntries };
}

type SetExpansion = { steps: PreviewStep[]; ids: Set<string> } | { opaque: OpaqueSet };

function expandSet(urn: string, steps: readonly PreviewStep[]): SetExpansion {
  const ops = new Set(steps.map((s) => s.op));
  const oldState = steps.map((s) => s.oldState).find(Boolean) ?? undefined;
  const newState = steps.map((s) => s.newState).find(Boolean) ?? undefined;
  const op = setOp(ops);
  const olds = entriesOf(oldState);
  const news = op === "delete" ? undefined : entriesOf(newState);
  for (const entries of [olds, news]) {
    if (entries === MASK || entries === UNKNOWN) {
      return { opaque: { name: urnName(urn), op, reason: entries === MASK ? "secret" : "unknown" } };
    }
  }
  const oldEntries = (olds ?? {}) as Record<string, Inputs>;
  const newEntries = (news ?? {}) as Record<string, Inputs>;
  const setReplaceReasons = [...new Set(steps.flatMap((s) => s.replaceReasons ?? []))];
  const ids = [...new Set([...Object.keys(oldEntries), ...Object.keys(newEntries)])].sort();
  const out: PreviewStep[] = [];
  for (const id of ids) {
    const before = id in oldEntries ? entryState(urn, id, oldEntries[id], oldState) : undefined;
    const after = id in newEntries ? entryState(urn, id, newEntries[id], newState) : undefined;
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
      const reasons = attestationTypeChanged(before.inputs!, after.inputs!) ? ["attestation"] : [];
      if (reasons.length > 0) out.push(step("replace", reasons));
      else out.push(step(stableJson(before.inputs) === stableJson(after.inputs) ? "same" : "update"));
    }
  }
  return { steps: out, ids: new Set(ids) };
}

/** What happens to the set as a whole, from the ops of its steps. */
function setOp(ops: Set<string>): "create" | "delete" | "replace" | "update" | "same" {
  if (ops.has("replace") || ops.has("create-replacement") || ops.has("delete-replaced")) return "replace";
  if (ops.has("create") || ops.has("import")) return "create";
  if (ops.has("delete")) return "delete";
  if (ops.has("update")) return "update";
  return "same";
}

function entriesOf(state: ResourceState | null | undefined): unknown {
  const raw = state?.inputs ?? state?.outputs;
  return raw?.["enrollments"];
}

/** The state the entry's own IndividualEnrollment resource would have, named after its id. */
function entryState(setUrn: string, id: string, entry: unknown, setState: ResourceState | null | undefined): ResourceState {
  const setInputs = (setState?.inputs ?? setState?.outputs ?? {}) as Inputs;
  const inputs: Inputs = typeof entry === "object" && entry !== null ? { ...(entry as Inputs) } : { enrollment: entry };
  for (const key of SHARED_INPUTS) if (key in setInputs) inputs[key] = setInputs[key];
  inputs["registrationId"] = id;
  return { type: INDIVIDUAL_TYPE, urn: entryUrn(setUrn, id), inputs };
}

/** `urn:pulumi:s::p::a$pulumi-nodejs:dynamic/dps:EnrollmentSet::set-0` -> `...::a$...:IndividualEnrollment::<id>`. */
function entryUrn(setUrn: string, id: string): string {
  const parts = setUrn.split("::");
  const chain = (parts[2] ?? "").split("$");
  chain[chain.length - 1] = INDIVIDUAL_TYPE;
  return [...parts.slice(0, 2), chain.join("$"), id].join("::");
}

function attestationTypeChanged(olds: Inputs, news: Inputs): boolean {
  const typeOf = (inputs: Inputs) => {
    const attestation = inputs["attestation"];
    return typeof attestation === "object" && attestation !== null ? (attestation as Inputs)["type"] : undefined;
  };
  const [before, after] = [typeOf(olds), typeOf(news)];
  return typeof before === "string" && typeof after === "string" && after !== UNKNOWN && before !== after;
}

/** JSON with sorted keys: the engine may print an entry's keys in any order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * The policy pack reports a set entry's violation on the set, naming the entry as the
 * IndividualEnrollment rule would (`individual enrollment "<id>"`, `registrationId "<id>"`).
 * Attributed to the entry, it reads the same as in per-enrollment mode.
 */
export function attributeSetViolation<T extends { readonly urn: string; readonly message: string }>(violation: T, setEntries: Map<string, Set<string>>): T {
  const ids = setEntries.get(violation.urn);
  if (!ids) return violation;
  for (const match of violation.message.matchAll(/"([^"]+)"/g)) {
    if (ids.has(match[1]!)) return { ...violation, urn: entryUrn(violation.urn, match[1]!) };
  }
  return violation;
}
