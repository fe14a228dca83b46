/**
 * create/update/delete of a set: the plan (plan.ts) carried out through DPS's bulk operation, entry
 * by entry in effect. Idempotent: every entry that did not land stays as it was in the outputs
 * (absent when it was to be created, old when it was to be updated or deleted), and a partial
 * outcome is recorded as the engine's partial failure (`id`, `properties`, `reasons`), so the next
 * `up` sees exactly the entries still to do. Nothing is overwritten: ids DPS already holds are
 * found before the bulk create and never sent in it (before-write.ts; a 409 from a race is
 * decided the same way, see takeOver), and no key is regenerated (updates resend the keys DPS
 * holds; keys are generated only for entries created here). Deletes send the records as read back.
 * Every record sent carries this stack's owner marker (ownership.ts), as the per-enrollment
 * provider's records do.
 */
import { randomBytes } from "node:crypto";
import { createDpsClient, type DpsClient, type DpsEnrollmentRecord } from "../../dps-client";
import {
  attestationFromDps,
  FOREIGN_CERTIFICATE_PREFIX,
  keysFrom,
  settingsFromDps,
  toDpsRecord,
} from "../dps-mapping";
import {
  SERVICE_OPERATIONS_PER_MINUTE,
  declaredEntryKeys,
  type EnrollmentInputs,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  entryInputs,
  type EntryMetadata,
  idsByLowerCase,
  type SymmetricKeys,
  toStored,
} from "@dps-as-code/contract";
import { canonicalSettings, changedSettings, stableStringify } from "../normalize";
import { otherOwner, ownedByAnotherStack, ownerOf, withOwnerTag } from "../ownership";
import { deleteItemFrom, heldOnDps } from "./before-write";
import { runBulkItems, statusOfCode, type ItemFailure } from "./bulk";
import { pacerFor, type Pacer } from "./pacing";
import { keptReleased, type SetPlan } from "./plan";
import { declaredElsewhere, declaredCount } from "./registry";
import { markWritten, recordsFor, whileDeleting } from "./snapshot";
import type { EnrollmentProviderOptions } from "../provider";

/** A DPS-generated symmetric key is 64 random bytes (DPS docs, concepts-symmetric-key-attestation). */
function generateKeys(): SymmetricKeys {
  return { primaryKey: randomBytes(64).toString("base64"), secondaryKey: randomBytes(64).toString("base64") };
}

interface Context {
  client: DpsClient;
  pacer: Pacer;
  endpoint: string;
  news: EnrollmentSetInputs;
  sleep: (ms: number) => Promise<void>;
  /** Ids taken over because they carry this stack's owner marker (reported once per set). */
  resumed: string[];
  /** When this operation began: reads before a write must be at least this fresh (before-write.ts). */
  startedAt: number;
}

/** The record to send: the declared settings plus this stack's owner marker. */
function recordFor(
  id: string,
  inputs: EnrollmentInputs,
  keys: SymmetricKeys | undefined,
): DpsEnrollmentRecord {
  return withOwnerTag(toDpsRecord("individual", id, inputs, keys), inputs.owner);
}

/**
 * Every secret a set's inputs or outputs carry, so no error text can hold one. Takes the decoded
 * maps (decodeSetInputs, fromStored), never the texts, whose values this
 * would not find.
 */
export function setSecrets(set: Partial<EnrollmentSetOutputs> | undefined): string[] {
  if (!set) return [];
  const fromSecrets = Object.values(set.secrets ?? {}).flatMap((s) => [
    s.primaryKey,
    s.secondaryKey,
    s.webhookUrl,
  ]);
  const fromKeys = Object.values(set.keys ?? {}).flatMap((k) => [k.primaryKey, k.secondaryKey]);
  return [...fromSecrets, ...fromKeys].filter((s): s is string => typeof s === "string" && s.length > 0);
}

function context(
  news: EnrollmentSetInputs,
  olds: EnrollmentSetOutputs | undefined,
  options: EnrollmentProviderOptions,
): Context {
  const client = createDpsClient(news.dps, options, [
    ...setSecrets(news as EnrollmentSetOutputs),
    ...setSecrets(olds),
  ]);
  const endpoint = news.dps.serviceEndpoint;
  return {
    client,
    endpoint,
    news,
    pacer: pacerFor(endpoint, news.operationsPerMinute ?? SERVICE_OPERATIONS_PER_MINUTE),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    resumed: [],
    startedAt: Date.now(),
  };
}

/** The state being built: starts from the old outputs, changed entry by entry as DPS confirms. */
class Working {
  readonly enrollments: EnrollmentSetOutputs["enrollments"] = {};
  readonly metadata: Record<string, EntryMetadata> = {};
  readonly keys: Record<string, SymmetricKeys> = {};
  readonly reasons: string[] = [];
  constructor(private readonly olds: EnrollmentSetOutputs | undefined) {}
  keepOld(id: string): void {
    const old = this.olds;
    if (!old || !old.enrollments[id]) return;
    this.enrollments[id] = old.enrollments[id];
    if (old.metadata?.[id]) this.metadata[id] = old.metadata[id];
    if (old.keys?.[id]) this.keys[id] = old.keys[id];
  }
  set(
    id: string,
    entry: EnrollmentSetInputs["enrollments"][string],
    keys: SymmetricKeys | undefined,
    meta: EntryMetadata | undefined,
  ): void {
    this.enrollments[id] = entry;
    if (meta) this.metadata[id] = meta;
    else delete this.metadata[id];
    if (keys) this.keys[id] = keys;
    else delete this.keys[id];
  }
  fail(id: string, operation: string, failure: ItemFailure | string): void {
    const text =
      typeof failure === "string"
        ? failure
        : `${failure.message}${failure.errorCode !== undefined ? ` (DPS error ${failure.errorCode})` : ""}`;
    this.reasons.push(`individual enrollment "${id}": ${operation} failed: ${text}`);
  }
}

/** What the set keeps of a record DPS returned: its ETag (EntryMetadata says why not the times). */
function metadataOf(record: DpsEnrollmentRecord | undefined): EntryMetadata | undefined {
  return record ? { etag: record.etag ?? "" } : undefined;
}

/** Whether DPS's record holds exactly the declared settings (keys compared separately). */
function holdsSettings(record: DpsEnrollmentRecord, inputs: EnrollmentInputs): boolean {
  const fromDps = settingsFromDps("individual", record, inputs);
  if (stableStringify(fromDps.attestation).includes(FOREIGN_CERTIFICATE_PREFIX)) return false;
  return (
    changedSettings(canonicalSettings("individual", fromDps), canonicalSettings("individual", inputs))
      .length === 0
  );
}

async function heldKeys(ctx: Context, id: string): Promise<SymmetricKeys | undefined> {
  return keysFrom(await ctx.pacer.run(1, () => ctx.client.getAttestationMechanism("individual", id)));
}

/**
 * An id that create found existing (409, nothing written), decided as the per-enrollment
 * provider's create decides (provider.ts):
 * - it carries this stack's owner marker: this stack wrote it (an IndividualEnrollment of this
 *   stack held it before its manifest switched to the batch path, a set of a previous shard count
 *   held it, or a run killed before the engine saved the create made it). Taken over with its
 *   keys; written only when DPS holds something else than the entry declares.
 * - `adoptExisting: true`: adopted as an IndividualEnrollment adopts (same attestation type, keys
 *   and certificates unchanged; settings written only when they differ).
 * - anything else is refused with the per-enrollment message: Pulumi never overwrites an
 *   enrollment it did not create.
 */
async function takeOver(
  ctx: Context,
  work: Working,
  id: string,
  inputs: EnrollmentInputs,
  known?: DpsEnrollmentRecord,
): Promise<void> {
  const record = known ?? (await ctx.pacer.run(1, () => ctx.client.get("individual", id)));
  const entry = ctx.news.enrollments[id];
  if (!record || !entry)
    return work.fail(id, "create", "DPS said it exists, then that it does not: run `pulumi up` again");
  const owner = ownerOf(record);
  const sameType = (record.attestation?.type ?? "").toLowerCase() === inputs.attestation.type.toLowerCase();
  if (owner !== undefined && owner === inputs.owner) {
    ctx.resumed.push(id);
    const declared = declaredEntryKeys(ctx.news, id);
    const held = inputs.attestation.type === "symmetricKey" && sameType ? await heldKeys(ctx, id) : undefined;
    const keys = inputs.attestation.type === "symmetricKey" ? (declared ?? held) : undefined;
    const keysMatch =
      !declared || (held?.primaryKey === declared.primaryKey && held.secondaryKey === declared.secondaryKey);
    if (sameType && keysMatch && holdsSettings(record, inputs))
      return work.set(id, entry, keys, metadataOf(record));
    const written = await ctx.pacer.run(1, () =>
      ctx.client.put("individual", id, recordFor(id, inputs, keys), record.etag),
    );
    return work.set(id, entry, keysFrom(written.attestation) ?? keys, metadataOf(written));
  }
  if (inputs.adoptExisting !== true) {
    const madeBy = owner !== undefined ? `, made by stack ${owner}` : "";
    return work.fail(
      id,
      "create",
      `it already exists on DPS ${ctx.endpoint} (created ${record.createdDateTimeUtc ?? "at an unknown time"}${madeBy}). ` +
        "Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true to manage it as it is (keys and devices untouched), or choose another id.",
    );
  }
  const otherStack = otherOwner(record, inputs.owner);
  if (otherStack !== undefined)
    return work.fail(id, "create", `cannot adopt: ${ownedByAnotherStack(ctx.endpoint, otherStack)}`);
  if (!sameType) {
    return work.fail(
      id,
      "create",
      `cannot adopt: it uses ${record.attestation?.type ?? "unknown"} attestation on DPS, the manifest declares ${inputs.attestation.type}. ` +
        "Declare the same attestation type to adopt it (changing the type would disconnect its devices).",
    );
  }
  const keys = inputs.attestation.type === "symmetricKey" ? await heldKeys(ctx, id) : undefined;
  const declared = declaredEntryKeys(ctx.news, id);
  if (
    declared &&
    keys &&
    (declared.primaryKey !== keys.primaryKey || declared.secondaryKey !== keys.secondaryKey)
  ) {
    return work.fail(
      id,
      "create",
      "cannot adopt: the declared symmetric keys differ from the keys DPS holds, and adopting must not change keys. " +
        "Remove the declared keys to keep the existing ones, then rotate with a later update.",
    );
  }
  if (
    stableStringify(attestationFromDps(record.attestation, inputs.attestation)).includes(
      FOREIGN_CERTIFICATE_PREFIX,
    )
  ) {
    return work.fail(
      id,
      "create",
      "cannot adopt: its X.509 certificates on DPS differ from the declared ones, and adopting must not change them. Declare the certificates DPS holds.",
    );
  }
  if (holdsSettings(record, inputs)) return work.set(id, entry, keys, metadataOf(record));
  const written = await ctx.pacer.run(1, () =>
    ctx.client.put("individual", id, recordFor(id, inputs, keys), record.etag),
  );
  return work.set(id, entry, keys, metadataOf(written));
}

/** Why a read before a write failed, for every id it concerned. */
function readFailure(error: unknown): string {
  return `reading it from DPS first failed, so nothing was written: ${(error as Error).message}`;
}

async function bulkDelete(
  ctx: Context,
  work: Working,
  ids: string[],
  olds: EnrollmentSetOutputs | undefined,
): Promise<string[]> {
  const done: string[] = [];
  let pending = ids;
  // Two rounds: an ETag that moved between the read and the delete (412) is read again once.
  for (let round = 1; pending.length > 0; round++) {
    let held: Map<string, DpsEnrollmentRecord | undefined>;
    try {
      held =
        round === 1
          ? await heldOnDps(ctx.client, ctx.pacer, pending, ctx.startedAt, "delete")
          : new Map(
              await Promise.all(
                pending.map(
                  async (id) => [id, await ctx.pacer.run(1, () => ctx.client.get("individual", id))] as const,
                ),
              ),
            );
    } catch (error) {
      for (const id of pending) {
        work.keepOld(id);
        work.fail(id, "delete", readFailure(error));
      }
      break;
    }
    // Already gone from DPS: nothing to send.
    const records = pending.flatMap((id) => {
      const record = held.get(id);
      if (!record) done.push(id);
      return record ? [{ ...deleteItemFrom(record), registrationId: id }] : [];
    });
    if (records.length === 0) break;
    const outcome = await whileDeleting(ctx.endpoint, () =>
      runBulkItems(ctx.client, ctx.pacer, "delete", records, ctx.sleep),
    );
    done.push(...outcome.succeeded);
    pending = [];
    for (const [id, failure] of outcome.failed) {
      if (failure.status === 404) done.push(id);
      else if (failure.status === 412 && round === 1) pending.push(id);
      else {
        work.keepOld(id);
        work.fail(id, "delete", failure);
      }
    }
  }
  // Registration records, for entries that ask for it (a device then re-provisions cleanly).
  for (const id of done) {
    if (olds?.enrollments[id]?.deleteRegistrationStateOnDelete === true)
      await ctx.pacer.run(1, () => ctx.client.deleteRegistrationState(id));
  }
  return done;
}

/**
 * Creates `ids`; those DPS already holds are decided by takeOver, never sent in the bulk create.
 * `knownAbsent`: ids this run has just deleted (an attestation type change), not read again.
 */
async function bulkCreate(
  ctx: Context,
  work: Working,
  ids: string[],
  knownAbsent: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const toCheck = ids.filter((id) => !knownAbsent.has(id));
  let held: Map<string, DpsEnrollmentRecord | undefined>;
  try {
    held = await heldOnDps(ctx.client, ctx.pacer, toCheck, ctx.startedAt, "create");
  } catch (error) {
    for (const id of toCheck) work.fail(id, "create", readFailure(error));
    held = new Map();
    ids = ids.filter((id) => knownAbsent.has(id));
  }
  const absent: string[] = [];
  for (const id of ids) {
    const record = held.get(id);
    if (record) await takeOver(ctx, work, id, entryInputs(ctx.news, id), record);
    else absent.push(id);
  }
  if (absent.length === 0) return [];
  const keysById = new Map<string, SymmetricKeys | undefined>();
  const records = absent.map((id) => {
    const inputs = entryInputs(ctx.news, id);
    const keys =
      inputs.attestation.type === "symmetricKey"
        ? (declaredEntryKeys(ctx.news, id) ?? generateKeys())
        : undefined;
    keysById.set(id, keys);
    return recordFor(id, inputs, keys);
  });
  const outcome = await runBulkItems(ctx.client, ctx.pacer, "create", records, ctx.sleep);
  for (const id of outcome.succeeded)
    work.set(id, ctx.news.enrollments[id] as never, keysById.get(id), { etag: "" });
  for (const [id, failure] of outcome.failed) {
    // Created by someone else between the read and the create, and DPS refused the item.
    if (failure.status === 409) await takeOver(ctx, work, id, entryInputs(ctx.news, id));
    else work.fail(id, "create", failure);
  }
  return outcome.succeeded;
}

/**
 * The ETag to update with. Empty when reading ETags back failed after an earlier write: then the
 * enrollment is read, and used only if DPS still holds what Pulumi last wrote.
 */
async function etagOrRead(ctx: Context, olds: EnrollmentSetOutputs, oldId: string): Promise<string> {
  const known = olds.metadata?.[oldId]?.etag;
  if (known) return known;
  const record = await ctx.pacer.run(1, () => ctx.client.get("individual", oldId));
  return record && holdsSettings(record, entryInputs(olds, oldId)) ? (record.etag ?? "") : "";
}

async function bulkUpdate(
  ctx: Context,
  work: Working,
  ids: string[],
  olds: EnrollmentSetOutputs,
): Promise<string[]> {
  const oldIds = idsByLowerCase(Object.keys(olds.enrollments));
  // Keyed by the id DPS knows (the one created; a change of case in the manifest is the same enrollment).
  const sent = new Map<
    string,
    { newId: string; inputs: EnrollmentInputs; keys: SymmetricKeys | undefined }
  >();
  const records: DpsEnrollmentRecord[] = [];
  for (const newId of ids) {
    const oldId = oldIds.get(newId.toLowerCase()) ?? newId;
    const inputs = entryInputs(ctx.news, newId);
    // DPS replaces the whole record: resend the keys it holds, or it would generate new ones.
    const keys =
      inputs.attestation.type === "symmetricKey"
        ? (declaredEntryKeys(ctx.news, newId) ?? olds.keys?.[oldId] ?? (await heldKeys(ctx, oldId)))
        : undefined;
    sent.set(oldId, { newId, inputs, keys });
    records.push({ ...recordFor(oldId, inputs, keys), etag: await etagOrRead(ctx, olds, oldId) });
  }
  const outcome = await runBulkItems(ctx.client, ctx.pacer, "updateIfMatchETag", records, ctx.sleep);
  const done: string[] = [];
  for (const oldId of outcome.succeeded) {
    const attempt = sent.get(oldId);
    if (!attempt) continue;
    work.set(attempt.newId, ctx.news.enrollments[attempt.newId] as never, attempt.keys, { etag: "" });
    done.push(attempt.newId);
  }
  for (const [oldId, failure] of outcome.failed) {
    const attempt = sent.get(oldId);
    if (!attempt) continue;
    // 412: the ETag moved. If DPS already holds exactly this update (a retried call whose first
    // answer was lost), that is success; otherwise it was changed outside Pulumi.
    if (failure.status === 412) {
      const record = await ctx.pacer.run(1, () => ctx.client.get("individual", oldId));
      const keys = attempt.keys ? await heldKeys(ctx, oldId) : undefined;
      const keysMatch =
        !attempt.keys ||
        (keys?.primaryKey === attempt.keys.primaryKey && keys.secondaryKey === attempt.keys.secondaryKey);
      if (record && keysMatch && holdsSettings(record, attempt.inputs)) {
        work.set(
          attempt.newId,
          ctx.news.enrollments[attempt.newId] as never,
          attempt.keys,
          metadataOf(record),
        );
        continue;
      }
    }
    work.keepOld(oldId);
    const advice =
      failure.status === 412
        ? ". It was changed outside Pulumi: run `pulumi refresh` to take in the drift, review it, then `pulumi up` again."
        : failure.status === 404
          ? ". It was deleted outside Pulumi: run `pulumi refresh` (it then leaves the state and the next `pulumi up` creates it again)."
          : "";
    work.fail(oldId, "update", { ...failure, message: failure.message + advice });
  }
  return done;
}

/** ETags of the entries written here: one shared listing, or a GET each when fewer calls. */
async function fillMetadata(ctx: Context, work: Working, written: string[]): Promise<void> {
  if (written.length === 0) return;
  const generation = markWritten(ctx.endpoint);
  try {
    const records = await recordsFor(ctx.client, ctx.pacer, written, generation, declaredCount(ctx.endpoint));
    for (const id of written) {
      const meta = metadataOf(records.get(id));
      if (meta) work.metadata[id] = meta;
    }
  } catch (error) {
    // The writes landed; only their ETags are unknown. An empty ETag makes the next update read the
    // enrollment first (see etagOrRead), so nothing is lost; say so.
    work.reasons.push(
      `reading back the ETags of ${written.length} written enrollments failed: ${(error as Error).message}. Run \`pulumi refresh\`.`,
    );
  }
}

/** Carries out a plan; returns the new outputs, or throws the engine's partial failure. */
export async function applySet(
  id: string,
  olds: EnrollmentSetOutputs | undefined,
  news: EnrollmentSetInputs,
  plan: SetPlan,
  options: EnrollmentProviderOptions,
  providerText: unknown,
): Promise<EnrollmentSetOutputs> {
  const ctx = context(news, olds, options);
  const work = new Working(olds);
  const oldIds = idsByLowerCase(Object.keys(olds?.enrollments ?? {}));
  const touched = new Set([...plan.create, ...plan.recreate, ...plan.update].map((x) => x.toLowerCase()));
  for (const entryId of Object.keys(news.enrollments)) {
    if (touched.has(entryId.toLowerCase())) continue;
    const oldId = oldIds.get(entryId.toLowerCase()) ?? entryId;
    work.set(entryId, news.enrollments[entryId] as never, olds?.keys?.[oldId], olds?.metadata?.[oldId]);
  }
  // An entry removed here but declared by another resource of this deployment has been taken over by it.
  const toDelete = plan.remove.filter((x) => !declaredElsewhere(ctx.endpoint, x, { set: news.shard }));
  if (toDelete.length > 0) await bulkDelete(ctx, work, toDelete, olds);
  const recreated = plan.recreate.length > 0 ? await bulkDelete(ctx, work, plan.recreate, olds) : [];
  const created = await bulkCreate(ctx, work, [...plan.create, ...recreated], new Set(recreated));
  const updated = olds && plan.update.length > 0 ? await bulkUpdate(ctx, work, plan.update, olds) : [];
  await fillMetadata(ctx, work, [...created, ...updated]);
  if (ctx.resumed.length > 0) {
    // One line per set, not per id (a manifest switching to the batch path resumes thousands).
    const shown = ctx.resumed
      .slice(0, 5)
      .map((x) => JSON.stringify(x))
      .join(", ");
    process.stderr.write(
      `enrollment set ${news.shard}: ${ctx.resumed.length} individual enrollment${ctx.resumed.length === 1 ? "" : "s"} (${shown}${ctx.resumed.length > 5 ? ", ..." : ""}) already existed on DPS with this stack's owner marker (${news.owner}): taken over.\n`,
    );
  }

  const outputs: EnrollmentSetOutputs = JSON.parse(
    JSON.stringify({
      ...news,
      serviceEndpoint: news.dps.serviceEndpoint,
      enrollments: work.enrollments,
      metadata: work.metadata,
      keys: work.keys,
      released: keptReleased(olds ?? { released: [] }, news, plan.release),
    }),
  );
  if (work.reasons.length > 0) {
    const message = `enrollment set ${news.shard}: ${work.reasons.length} of its changes did not complete; run \`pulumi up\` again to finish them:\n  ${work.reasons.join("\n  ")}`;
    throw Object.assign(new Error(message), {
      id,
      properties: { ...toStored(outputs), __provider: providerText },
      reasons: work.reasons,
    });
  }
  return outputs;
}

/** Deletes every entry a set holds (not those it released, nor those another resource now declares). */
export async function deleteSet(
  olds: EnrollmentSetOutputs,
  options: EnrollmentProviderOptions,
): Promise<void> {
  const ctx = context(olds, olds, options);
  const work = new Working(olds);
  const ids = Object.keys(olds.enrollments ?? {}).filter(
    (x) => !declaredElsewhere(ctx.endpoint, x, { set: olds.shard }),
  );
  if (ids.length > 0) await bulkDelete(ctx, work, ids, olds);
  markWritten(ctx.endpoint);
  if (work.reasons.length > 0)
    throw new Error(
      `enrollment set ${olds.shard}: ${work.reasons.length} deletes did not complete; run the command again:\n  ${work.reasons.join("\n  ")}`,
    );
}

export { statusOfCode };
