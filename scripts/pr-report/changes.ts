// From preview steps to enrollment changes a reviewer can read: what happens to which
// enrollment, and which fields change from what to what (secrets masked).
import type { OpaqueSet } from "./enrollment-sets";
import { expandEnrollmentSets } from "./enrollment-sets";
import type { PreviewDigest, PreviewStep, ResourceState } from "./preview";
import { statesOf, urnName, urnType } from "./preview";
import { MASK, maskSecrets } from "./values";
import { type EnrollmentKind, kindInfo, kindOfType } from "@dps-as-code/contract";

export type ChangeKind = "replace" | "delete" | "update" | "create" | "adopt";
/**
 * Reviewers read the risky changes first, and a report cut to fit a comment keeps them: a
 * replace deletes the enrollment and creates it again (devices cannot register in between, and
 * generated keys change), a delete refuses every new registration of its devices, an update
 * changes what devices get on their next registration, a create or adoption touches no device
 * that exists today.
 */
export const CHANGE_ORDER: readonly ChangeKind[] = ["replace", "delete", "update", "create", "adopt"];

export interface FieldChange {
  readonly path: string;
  readonly old?: unknown;
  readonly new?: unknown;
  /** Set instead of old/new when many fields under `path` changed (large twins). */
  readonly summary?: string;
}

export interface EnrollmentChange {
  readonly change: ChangeKind;
  readonly kind: EnrollmentKind;
  readonly id: string;
  readonly urn: string;
  readonly fields: FieldChange[];
  readonly replaceReasons: string[];
  /** Replace reasons whose values the preview hides (Pulumi marks the whole input secret). */
  readonly hiddenReasons: string[];
  /** The id the enrollment had before a rename (`previousIds`, a Pulumi alias). */
  readonly renamedFrom?: string;
}

export interface EnrollmentState {
  readonly kind: EnrollmentKind;
  readonly id: string;
  /** Hub host names, or "all" when the enrollment may use every linked hub. */
  readonly hubs: readonly string[] | "all";
}

export interface StackChanges {
  readonly changes: EnrollmentChange[];
  readonly before: EnrollmentState[];
  readonly after: EnrollmentState[];
  /** Steps left out of the preview (it ran without --show-sames), so the chart misses them. */
  readonly unchangedOmitted: number;
  /** Other resources the preview would change, by operation. */
  readonly otherChanges: Record<string, number>;
  /** Enrollment sets whose entries the preview cannot show. */
  readonly opaqueSets: OpaqueSet[];
  /** Enrollment set URN -> registration ids of its entries (their rows carry the entry's own URN). */
  readonly setEntries: Map<string, Set<string>>;
  /** Enrollments moving between enrollment sets and their own resources (no DPS change for the move). */
  readonly moved: { readonly intoSets: number; readonly outOfSets: number };
}

/**
 * Inputs that are plumbing, not enrollment content. `owner` is the stack's marker the provider
 * writes as a twin tag (components/enrollments/ownership.ts): the same on every enrollment of a
 * stack and never written in a manifest, so it is nothing a reviewer decides.
 */
const NOT_ENROLLMENT_FIELDS = new Set(["__provider", "dps", "linkedHubs", "owner"]);
/** Beyond this many changed fields under initialTwin, show a count instead of each field. */
const MAX_TWIN_FIELDS = 8;

export function enrollmentChanges(preview: PreviewDigest): StackChanges {
  // A set's entries become the steps their own resources would have had: the same rows either way.
  const { steps, opaqueSets, setEntries, moved } = expandEnrollmentSets(preview.steps);
  const byUrn = new Map<string, { steps: PreviewStep[]; kind: EnrollmentKind }>();
  const otherChanges: Record<string, number> = {};
  for (const step of steps) {
    // The fleet's enrollment ledger is bookkeeping for the policy pack: its changes are the enrollments' own.
    if (urnType(step.urn) === "pulumi-nodejs:dynamic/dps:EnrollmentLedger") continue;
    const kind = kindOf(step);
    if (!kind) {
      if (step.op !== "same" && step.op !== "read" && step.op !== "refresh")
        otherChanges[step.op] = (otherChanges[step.op] ?? 0) + 1;
      continue;
    }
    const entry = byUrn.get(step.urn) ?? { steps: [], kind };
    entry.steps.push(step);
    byUrn.set(step.urn, entry);
  }

  const changes: EnrollmentChange[] = [];
  const before: EnrollmentState[] = [];
  const after: EnrollmentState[] = [];
  for (const [urn, { steps, kind }] of byUrn) {
    const ops = new Set(steps.map((s) => s.op));
    const { oldState, newState } = statesOf(steps);
    const oldInputs = inputsOf(oldState);
    const newInputs = inputsOf(newState);
    const id = idOf(kind, newInputs ?? oldInputs, urn);
    const change = classify(ops, newInputs);
    if (oldInputs) before.push({ kind, id, hubs: hubsOf(oldInputs) });
    else if (change === "adopt" && newInputs) before.push({ kind, id, hubs: hubsOf(newInputs) }); // it already exists in DPS
    if (newInputs && change !== "delete") after.push({ kind, id, hubs: hubsOf(newInputs) });
    if (!change) continue;
    const fields = fieldChanges(
      change === "create" || change === "adopt" ? undefined : oldInputs,
      change === "delete" ? undefined : newInputs,
    );
    const replaceReasons = [...new Set(steps.flatMap((s) => s.replaceReasons ?? []))].sort();
    // An aliased (renamed) resource keeps its old URN in oldState; the step carries the new one.
    const oldName = oldState?.urn ? urnName(oldState.urn) : undefined;
    const renamedFrom =
      oldName !== undefined && oldName !== urnName(urn) ? idOf(kind, oldInputs, oldState!.urn!) : undefined;
    changes.push({
      change,
      kind,
      id,
      urn,
      fields,
      replaceReasons,
      hiddenReasons: replaceReasons.filter(
        (reason) =>
          isHidden(reason, oldInputs) &&
          !fields.some((f) => f.path === reason || f.path.startsWith(`${reason}.`)),
      ),
      ...(renamedFrom !== undefined ? { renamedFrom } : {}),
    });
  }
  changes.sort(
    (a, b) =>
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) ||
      a.kind.localeCompare(b.kind) ||
      a.id.localeCompare(b.id),
  );
  const summarySame = preview.changeSummary?.["same"];
  return {
    changes,
    before,
    after,
    unchangedOmitted:
      summarySame !== undefined
        ? Math.max(0, summarySame - preview.steps.filter((s) => s.op === "same").length)
        : 0,
    otherChanges,
    opaqueSets,
    setEntries,
    moved,
  };
}

/** A whole input shown as `[secret]`: the preview cannot tell what changed inside it. */
function isHidden(field: string, inputs: Record<string, unknown> | undefined): boolean {
  return inputs?.[field] === MASK;
}

function kindOf(step: PreviewStep): EnrollmentKind | undefined {
  const type = step.newState?.type ?? step.oldState?.type ?? urnType(step.urn);
  return kindOfType(type);
}

function classify(ops: Set<string>, newInputs: Record<string, unknown> | undefined): ChangeKind | undefined {
  if (ops.has("replace") || ops.has("create-replacement") || ops.has("delete-replaced")) return "replace";
  if (ops.has("create") || ops.has("import"))
    return newInputs?.["adoptExisting"] === true || ops.has("import") ? "adopt" : "create";
  if (ops.has("update")) return "update";
  if (ops.has("delete")) return "delete";
  return undefined; // same, read, refresh
}

function inputsOf(state: ResourceState | null | undefined): Record<string, unknown> | undefined {
  if (!state) return undefined;
  const raw = state.inputs ?? state.outputs;
  return raw ? (maskSecrets(raw) as Record<string, unknown>) : undefined;
}

function idOf(kind: EnrollmentKind, inputs: Record<string, unknown> | undefined, urn: string): string {
  const id = inputs?.[kindInfo(kind).idField];
  return typeof id === "string" && id !== MASK ? id : urnName(urn);
}

function hubsOf(inputs: Record<string, unknown>): readonly string[] | "all" {
  const hubs = inputs["iotHubs"];
  return Array.isArray(hubs) && hubs.length > 0 ? hubs.map(String) : "all";
}

function fieldChanges(
  oldInputs: Record<string, unknown> | undefined,
  newInputs: Record<string, unknown> | undefined,
): FieldChange[] {
  const olds = flatten(oldInputs ?? {});
  const news = flatten(newInputs ?? {});
  const paths = [...new Set([...olds.keys(), ...news.keys()])].sort();
  const changed: FieldChange[] = [];
  for (const path of paths) {
    const o = olds.get(path);
    const n = news.get(path);
    if (JSON.stringify(o) === JSON.stringify(n)) continue;
    changed.push({ path, ...(o !== undefined ? { old: o } : {}), ...(n !== undefined ? { new: n } : {}) });
  }
  return collapseTwin(changed);
}

/** Leaves of the inputs by dotted path; lists stay whole (a hub list reads best as a list). */
function flatten(
  value: Record<string, unknown>,
  prefix = "",
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    if (prefix === "" && NOT_ENROLLMENT_FIELDS.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0)
      flatten(v as Record<string, unknown>, path, out);
    else out.set(path, v);
  }
  return out;
}

function collapseTwin(fields: FieldChange[]): FieldChange[] {
  const twin = fields.filter((f) => f.path.startsWith("initialTwin."));
  if (twin.length <= MAX_TWIN_FIELDS) return fields;
  const bySection = new Map<string, number>();
  for (const f of twin) {
    const section = f.path.startsWith("initialTwin.properties.desired.")
      ? "properties.desired"
      : f.path.split(".")[1]!;
    bySection.set(section, (bySection.get(section) ?? 0) + 1);
  }
  const detail = [...bySection].map(([s, n]) => `${s}: ${n}`).join(", ");
  const summary: FieldChange = { path: "initialTwin", summary: `${twin.length} fields changed (${detail})` };
  const rest = fields.filter((f) => !f.path.startsWith("initialTwin."));
  return [...rest, summary].sort((a, b) => a.path.localeCompare(b.path));
}
