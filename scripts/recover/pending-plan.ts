/**
 * What to do with each operation a killed `pulumi` left pending in a stack's state, decided from
 * `pulumi stack export` and from what DPS holds (pure: the DPS answers come in as `ownership`).
 *
 * What Pulumi does with them by itself (pulumi/pulumi at v3.260.0):
 * - Every later snapshot it writes keeps the base snapshot's pending **creates** and drops every
 *   other pending operation (pkg/backend/journal.go and pkg/backend/snapshot.go: "we don't want to
 *   clear pending CREATE operations because these must require user intervention"). So pending
 *   updates, deletes, reads and imports go at the next command that writes the state; pending
 *   creates stay for ever, and each `up` warns about them (pkg/resource/deploy/deployment_executor.go,
 *   printPendingOperationsWarning).
 * - `pulumi refresh --clear-pending-creates` drops them all; `--import-pending-creates URN ID` only
 *   rewrites the operation's type to "importing" with that id (pkg/cmd/pulumi/operations/refresh.go,
 *   pendingCreatesToImports), which the refresh's snapshot then drops like any non-create
 *   operation: the resource does not reach the state (test/e2e/crash-recovery.test.ts shows it).
 * - `pulumi stack import` drops every pending operation of the file it imports
 *   (pkg/cmd/pulumi/stack/io.go, SaveSnapshot).
 *
 * So an enrollment whose create reached DPS is taken into the state here, by writing it into the
 * exported deployment (its id, and its inputs standing for outputs until the refresh that follows
 * reads what DPS holds) and importing that deployment. Whose it is, the owner marker on the DPS
 * record says (components/enrollments/ownership.ts): only this stack's are taken; one another
 * stack or a person made is left to the next `up`, which refuses it as any create would.
 */
import {
  decodeEntries,
  describeEnrollment,
  encodeSetEntries,
  ENROLLMENT_LEDGER_TYPE,
  ENROLLMENT_SET_TYPE,
  type EnrollmentKind,
  kindInfo,
  kindOfType,
  SECRET_SIGNATURE_KEY,
  type SetEntry,
} from "@dps-as-code/contract";

/** Resources with nothing outside the state: a pending create of one is simply cleared. */
const STATE_ONLY_TYPES: readonly string[] = [ENROLLMENT_LEDGER_TYPE];

export interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  provider?: string;
  [field: string]: unknown;
}
export interface PendingOperation {
  type: string;
  resource: ExportedResource;
}
export interface Deployment {
  resources?: ExportedResource[];
  pending_operations?: PendingOperation[];
  [field: string]: unknown;
}
export interface StackExport {
  version: number;
  deployment: Deployment;
}

/** The signature key that marks a secret in `pulumi stack export` (pkg/resource/sig, Secret). */
const SECRET_SIGNATURE = SECRET_SIGNATURE_KEY;

function isSecret(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && SECRET_SIGNATURE in value;
}

/**
 * A value of `pulumi stack export --show-secrets` with its secrets unwrapped: that export still
 * wraps each one, as `{ <signature>: ..., plaintext: "<the value as JSON>" }`.
 */
export function revealed(value: unknown): unknown {
  if (isSecret(value))
    return typeof value.plaintext === "string" ? revealed(JSON.parse(value.plaintext)) : undefined;
  if (Array.isArray(value)) return value.map(revealed);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
  return value;
}

/** What a pending create is, for deciding: one DPS id, a set's ids, nothing outside the state, or unknown. */
export type CreateSubject =
  | { what: "enrollment"; kind: EnrollmentKind; id: string; owner: string | undefined }
  | { what: "set"; shard: string; ids: string[]; owner: string | undefined }
  | { what: "state-only" }
  | { what: "unknown" };

/** Reads the subject from the operation's inputs (unwrapped by `revealed` where they were secret). */
export function subjectOf(resource: ExportedResource): CreateSubject {
  const inputs = resource.inputs ?? {};
  const owner = typeof inputs.owner === "string" ? inputs.owner : undefined;
  const kind = kindOfType(resource.type);
  if (kind) {
    const id = inputs[kindInfo(kind).idField];
    return typeof id === "string" && id !== ""
      ? { what: "enrollment", kind, id, owner }
      : { what: "unknown" };
  }
  if (resource.type === ENROLLMENT_SET_TYPE) {
    const entries = setEntriesOf(inputs.enrollments);
    const shard = inputs.shard;
    if (typeof shard !== "string" || entries === undefined) return { what: "unknown" };
    return { what: "set", shard, ids: Object.keys(entries), owner };
  }
  // A component or a provider resource is a record of the state only; so is the ledger.
  if (resource.custom === false || resource.type.startsWith("pulumi:providers:"))
    return { what: "state-only" };
  return STATE_ONLY_TYPES.includes(resource.type) ? { what: "state-only" } : { what: "unknown" };
}

/**
 * A set's entries from its inputs: a map, or one text (contract/resources/set-text.ts). Undefined
 * when they cannot be read (encrypted, or not a set's entries): the tool then does not guess.
 */
function setEntriesOf(entries: unknown): Record<string, SetEntry> | undefined {
  if (isSecret(entries) || (typeof entries !== "string" && (typeof entries !== "object" || entries === null)))
    return undefined;
  try {
    return decodeEntries(entries);
  } catch {
    return undefined;
  }
}

/** What DPS says of an id: absent, or present with the owner marker it carries (undefined: none). */
export type DpsOwnership = { present: false } | { present: true; owner: string | undefined };

export type CreateDecision =
  | { action: "take"; urn: string; id: string; ids?: string[]; note: string }
  | { action: "clear"; urn: string; note: string }
  | { action: "unknown"; urn: string; note: string };

function ownerText(owner: string | undefined): string {
  return owner === undefined
    ? "with no owner marker (a person or another tool made it)"
    : `made by stack ${owner}`;
}

/**
 * The decision for one pending create. `ownership(id)` answers for one DPS id of the subject's
 * kind (individual enrollment ids for a set).
 */
export function decideCreate(
  resource: ExportedResource,
  subject: CreateSubject,
  ownership: (id: string) => DpsOwnership,
): CreateDecision {
  const urn = resource.urn;
  if (subject.what === "unknown")
    return {
      action: "unknown",
      urn,
      note: `pending create of ${urn} (${resource.type}): not an enrollment, so this tool cannot tell whether it reached its provider`,
    };
  if (subject.what === "state-only")
    return { action: "clear", urn, note: `pending create of ${urn}: nothing outside the state; cleared` };
  if (subject.what === "enrollment") {
    const name = describeEnrollment(subject.kind, subject.id);
    const found = ownership(subject.id);
    if (!found.present)
      return {
        action: "clear",
        urn,
        note: `pending create of ${name}: not on DPS; cleared (the next up creates it)`,
      };
    if (subject.owner !== undefined && found.owner === subject.owner)
      return {
        action: "take",
        urn,
        id: subject.id,
        note: `pending create of ${name}: on DPS with this stack's owner marker; taken into the state with id ${subject.id}`,
      };
    return {
      action: "clear",
      urn,
      note: `pending create of ${name}: on DPS ${ownerText(found.owner)}; cleared, not taken over (the next up refuses it unless the manifest says adoptExisting: true)`,
    };
  }
  const owned = subject.ids.filter((id) => {
    const found = ownership(id);
    return found.present && subject.owner !== undefined && found.owner === subject.owner;
  });
  const name = `enrollment set ${subject.shard}`;
  if (owned.length === 0)
    return {
      action: "clear",
      urn,
      note: `pending create of ${name}: none of its ${subject.ids.length} enrollments is on DPS with this stack's owner marker; cleared (the next up creates it)`,
    };
  return {
    action: "take",
    urn,
    id: subject.shard,
    ids: owned,
    note: `pending create of ${name}: ${owned.length} of its ${subject.ids.length} enrollments are on DPS with this stack's owner marker; taken into the state with id ${subject.shard}, holding those (the next up writes the others)`,
  };
}

/**
 * The resource to add to the state for a "take" decision, from the operation's resource as exported
 * *without* --show-secrets (its secrets stay encrypted). Its outputs are its inputs (with a set's
 * entries cut to those taken): enough for the provider's read, which the refresh that follows runs,
 * to record what DPS holds. Undefined when a set's entries are encrypted and cannot be cut.
 */
export function takenResource(
  resource: ExportedResource,
  decision: CreateDecision,
): ExportedResource | undefined {
  if (decision.action !== "take") return undefined;
  const inputs = resource.inputs ?? {};
  let outputs: Record<string, unknown> = { ...inputs };
  if (decision.ids) {
    const entries = setEntriesOf(inputs.enrollments);
    if (entries === undefined) return undefined;
    const kept = new Set(decision.ids);
    const taken = Object.fromEntries(Object.entries(entries).filter(([id]) => kept.has(id)));
    // In the form the inputs hold them: the provider's read decodes either.
    outputs = {
      ...outputs,
      enrollments: typeof inputs.enrollments === "string" ? encodeSetEntries(taken) : taken,
    };
  }
  return { ...resource, id: decision.id, outputs };
}

/**
 * Resources taken in by this tool whose outputs no read has filled yet (an enrollment's always
 * hold `etag`, a set's `metadata`): the refresh's targets, found again if a run of this tool
 * stopped before its refresh.
 */
export function unreadResources(deployment: Deployment): ExportedResource[] {
  return (deployment.resources ?? []).filter((r) => {
    const outputs = r.outputs ?? {};
    if (kindOfType(r.type)) return !("etag" in outputs);
    if (r.type === ENROLLMENT_SET_TYPE) return !("metadata" in outputs);
    return false;
  });
}

/**
 * The deployment with the pending creates resolved: the taken resources appended after everything
 * they name (parent, provider, dependencies; a resource whose create was pending has no dependents),
 * and no pending operation left.
 */
export function resolvedDeployment(deployment: Deployment, taken: ExportedResource[]): Deployment {
  const resources = [...(deployment.resources ?? [])];
  const present = new Set(resources.map((r) => r.urn));
  let rest = [...taken];
  while (rest.length > 0) {
    const ready = rest.filter((r) =>
      [r.parent, r.provider?.split("::").slice(0, -1).join("::"), ...(r.dependencies ?? [])]
        .filter((u): u is string => typeof u === "string" && u !== "")
        .every((u) => present.has(u) || !rest.some((o) => o.urn === u)),
    );
    if (ready.length === 0) throw new Error(`cannot order ${rest.map((r) => r.urn).join(", ")} in the state`);
    for (const r of ready) {
      resources.push(r);
      present.add(r.urn);
    }
    rest = rest.filter((r) => !ready.includes(r));
  }
  return { ...deployment, resources, pending_operations: [] };
}
