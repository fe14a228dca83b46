/**
 * The dynamic provider of EnrollmentSet: many individual enrollments in one resource.
 *
 * check validates every entry with the per-enrollment rules (failures name the entry and the
 * field); diff is pure and plans entry by entry (plan.ts); create/update/delete go through DPS's
 * bulk operation (apply.ts); read lists DPS page by page (snapshot.ts) and reads keys only for
 * entries whose ETag moved. Like provider.ts, it is loaded by its stable name through the
 * project's dynamic-providers.js, and holds no credential (the connection comes from the set's
 * inputs, which are secret).
 */
import type * as pulumi from "@pulumi/pulumi";
import { createDpsClient } from "../../dps-client";
import { keysFrom, mergeDpsIntoInputs, settingsFromDps } from "../dps-mapping";
import type { EnrollmentProviderOptions } from "../provider";
import { validateEnrollmentInputs, type CheckFailure } from "../validation";
import { applySet, deleteSet, setSecrets } from "./apply";
import {
  SERVICE_OPERATIONS_PER_MINUTE,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  entryInputs,
  type EntryMetadata,
  fromStored,
  splitEntry,
  type StoredSetOutputs,
  type SymmetricKeys,
  toStored,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { pacerFor } from "./pacing";
import { diffSet } from "./plan";
import { recordDeclared, recordHeldBySet } from "./registry";
import { currentGeneration, listingAfter } from "./snapshot";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problem(property: string, subject: string, detail: string): CheckFailure {
  return { property, reason: `${subject}: ${detail}`, detail };
}

/** Every entry checked as an IndividualEnrollment would be; property paths name the entry. */
export function validateSetInputs(news: Record<string, unknown>, now: Date): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const enrollments = news.enrollments;
  if (enrollments === UNKNOWN_VALUE) return failures;
  if (!isRecord(enrollments))
    return [problem("enrollments", "enrollment set", "must be a map of registration id to enrollment")];
  if (typeof news.shard !== "string" || news.shard === "")
    failures.push(problem("shard", "enrollment set", 'is required (e.g. "07-of-32")'));
  const set = news as unknown as EnrollmentSetInputs;
  const individually = new Set(
    Array.isArray(news.individuallyManaged)
      ? news.individuallyManaged.map((x) => String(x).toLowerCase())
      : [],
  );
  const seen = new Map<string, string>();
  for (const [id, entry] of Object.entries(enrollments)) {
    const path = `enrollments[${JSON.stringify(id)}]`;
    const twin = seen.get(id.toLowerCase());
    const subject = `individual enrollment "${id}"`;
    if (twin !== undefined)
      failures.push(
        problem(path, subject, `declared twice in one set (as "${twin}" too; DPS ids are case-insensitive)`),
      );
    seen.set(id.toLowerCase(), id);
    if (individually.has(id.toLowerCase()))
      failures.push(problem(path, subject, "declared both in a set and as an IndividualEnrollment"));
    if (!isRecord(entry)) {
      failures.push(problem(path, subject, "must be an object of enrollment settings"));
      continue;
    }
    if ("registrationId" in entry || "dps" in entry || "linkedHubs" in entry) {
      failures.push(
        problem(path, subject, "registrationId, dps and linkedHubs belong to the set, not to an entry"),
      );
      continue;
    }
    const inputs = entryInputs(set, id) as unknown as Record<string, unknown>;
    for (const failure of validateEnrollmentInputs("individual", inputs, now))
      failures.push({ ...failure, property: `${path}.${failure.property}` });
  }
  return failures;
}

/** Refresh: what DPS holds for every entry, from one shared listing; keys only where the ETag moved. */
async function readSet(id: string, olds: EnrollmentSetOutputs, options: EnrollmentProviderOptions) {
  const client = createDpsClient(olds.dps, options, setSecrets(olds));
  const pacer = pacerFor(olds.dps.serviceEndpoint, olds.operationsPerMinute ?? SERVICE_OPERATIONS_PER_MINUTE);
  const listing = await listingAfter(client, pacer, currentGeneration(olds.dps.serviceEndpoint));
  const enrollments: EnrollmentSetOutputs["enrollments"] = {};
  const secrets: NonNullable<EnrollmentSetOutputs["secrets"]> = {};
  const metadata: Record<string, EntryMetadata> = {};
  const keys: Record<string, SymmetricKeys> = {};
  await Promise.all(
    Object.keys(olds.enrollments ?? {}).map(async (entryId) => {
      const record = listing.records.get(entryId.toLowerCase());
      // Deleted outside Pulumi: the entry leaves the state; the next `up` creates it again.
      if (!record) return;
      const declared = entryInputs(olds, entryId);
      const merged = mergeDpsIntoInputs(
        "individual",
        declared,
        settingsFromDps("individual", record, declared),
      );
      const split = splitEntry(merged);
      enrollments[entryId] = split.entry;
      if (split.secrets) secrets[entryId] = split.secrets;
      const before = olds.metadata?.[entryId];
      metadata[entryId] = {
        etag: record.etag ?? "",
        ...(record.createdDateTimeUtc ? { createdDateTimeUtc: record.createdDateTimeUtc } : {}),
        ...(record.lastUpdatedDateTimeUtc ? { lastUpdatedDateTimeUtc: record.lastUpdatedDateTimeUtc } : {}),
      };
      if (merged.attestation.type !== "symmetricKey") return;
      const unchanged = before?.etag && before.etag === record.etag && olds.keys?.[entryId];
      const held = unchanged
        ? olds.keys[entryId]
        : keysFrom(await pacer.run(1, () => client.getAttestationMechanism("individual", entryId)));
      if (held) keys[entryId] = held;
    }),
  );
  const refreshed: EnrollmentSetOutputs = JSON.parse(
    JSON.stringify({ ...olds, enrollments, secrets, metadata, keys }),
  );
  // The inputs keep the entries as a map (reviewers read them in the next preview's diff).
  const { serviceEndpoint: _e, metadata: _m, keys: _k, released: _r, ...inputs } = refreshed;
  return { id, props: toStored(refreshed), inputs };
}

export function createEnrollmentSetProvider(
  options: EnrollmentProviderOptions = {},
): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
      const set = news as unknown as EnrollmentSetInputs;
      const endpoint =
        isRecord(news.dps) &&
        typeof news.dps.serviceEndpoint === "string" &&
        news.dps.serviceEndpoint !== UNKNOWN_VALUE
          ? news.dps.serviceEndpoint
          : undefined;
      if (isRecord(news.enrollments))
        recordDeclared(endpoint, Object.keys(set.enrollments), { set: String(set.shard) });
      return { inputs: news, failures: validateSetInputs(news, new Date()) };
    },
    async diff(_id: string, stored: StoredSetOutputs, news: EnrollmentSetInputs) {
      const olds = fromStored(stored);
      // IndividualEnrollments created for these ids (they depend on this set) take them over.
      recordHeldBySet(olds.dps?.serviceEndpoint, [
        ...Object.keys(olds.enrollments ?? {}),
        ...(olds.released ?? []),
      ]);
      const result = diffSet(olds, news);
      return {
        changes: result.changes,
        replaces: result.replaces,
        deleteBeforeReplace: result.deleteBeforeReplace,
      };
    },
    async create(inputs: EnrollmentSetInputs & { __provider?: unknown }) {
      const result = diffSet(emptyOutputs(inputs), inputs);
      const outs = await applySet(inputs.shard, undefined, inputs, result.plan!, options, inputs.__provider);
      return { id: inputs.shard, outs: toStored(outs) };
    },
    async update(id: string, stored: StoredSetOutputs, news: EnrollmentSetInputs & { __provider?: unknown }) {
      const olds = fromStored(stored);
      const result = diffSet(olds, news);
      if (!result.plan)
        throw new Error(`enrollment set ${news.shard}: update called with values still unknown`);
      return { outs: toStored(await applySet(id, olds, news, result.plan, options, news.__provider)) };
    },
    async read(id: string, props: StoredSetOutputs) {
      return readSet(id, fromStored(props), options);
    },
    async delete(_id: string, props: StoredSetOutputs) {
      await deleteSet(fromStored(props), options);
    },
  };
}

function emptyOutputs(inputs: EnrollmentSetInputs): EnrollmentSetOutputs {
  return {
    ...inputs,
    enrollments: {},
    serviceEndpoint: inputs.dps.serviceEndpoint,
    metadata: {},
    keys: {},
    released: [],
  };
}
