/**
 * The dynamic provider of EnrollmentSet: many individual enrollments in one resource.
 *
 * Its inputs' entries and secrets come as the canonical texts (contract/resources/set-text.ts) or,
 * from programs written before them, as maps; decodeSetInputs turns either into the maps plan.ts
 * and apply.ts work on, hubs named by key resolved through `hubHostNames`. check validates every
 * entry with the per-enrollment rules (failures name the entry and the field); diff is pure and
 * plans entry by entry (plan.ts); create/update/delete go through DPS's bulk operation (apply.ts);
 * read lists DPS page by page (snapshot.ts) and reads keys only for entries whose ETag moved. Like provider.ts, it is loaded by its stable name through the
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
  containsUnknown,
  decodeSetEntries,
  decodeSetSecrets,
  encodeSetEntries,
  encodeSetSecrets,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  entryInputs,
  type EntryMetadata,
  type EntrySecrets,
  fromStored,
  entriesWithHubKeys,
  resolveEntryHubs,
  type SetEntry,
  SetTextError,
  splitEntry,
  type StoredSetOutputs,
  type SymmetricKeys,
  toStored,
  unresolvedHubReferences,
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

/**
 * What the program sends: `enrollments` and `secrets` as the canonical texts (set-text.ts) or, from
 * programs written before them, as maps; `hubHostNames` resolves hubs the entries name by key.
 */
export type SentSetInputs = Omit<EnrollmentSetInputs, "enrollments" | "secrets"> & {
  enrollments: string | Record<string, SetEntry>;
  secrets?: string | Record<string, EntrySecrets>;
};

export interface DecodedSetInputs {
  /**
   * Today's maps, hubs resolved to host names (a value still unknown at preview is left as the
   * sentinel); undefined when the entries do not decode. Only usable when `failures` is empty.
   */
  inputs: EnrollmentSetInputs | undefined;
  failures: CheckFailure[];
}

/** A contract message (`<where>: <what>`, set-text.ts) as a check failure. */
function failureOf(reason: string): CheckFailure {
  // ": " is in no valid registration id (ENROLLMENT_ID_RULE, contract/dps/ids.ts); an invalid one
  // only shifts the property path, the reason stays whole.
  const at = reason.indexOf(": ");
  return { property: reason.slice(0, at), reason, detail: reason.slice(at + 2) };
}

function textFailures(field: string, error: unknown): CheckFailure[] {
  if (!(error instanceof SetTextError)) throw error;
  // The decoder's messages name the field (and line, entry) themselves, and never quote a secret.
  const failures = error.problems.map(failureOf);
  if (error.total > error.problems.length) {
    const more = `(and ${error.total - error.problems.length} more problems)`;
    failures.push({ property: field, reason: `${field}: ${more}`, detail: more });
  }
  return failures;
}

/**
 * Declared keys and webhook URLs never go in the entries: the entries are shown in previews and
 * the PR report in the clear; `secrets` is the one secret input (docs/design/set-text-input.md §3).
 */
function secretsInEntries(entries: Record<string, SetEntry>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [id, entry] of Object.entries(entries)) {
    if (!isRecord(entry)) continue;
    for (const { parent, field, what } of SECRET_ENTRY_FIELDS) {
      const holder = (entry as Record<string, unknown>)[parent];
      if (!isRecord(holder) || holder[field] === undefined) continue;
      const property = `enrollments[${JSON.stringify(id)}].${parent}.${field}`;
      const detail = `${what} never go in the entries text (previews show it); pass them in secrets`;
      failures.push({ property, reason: `${property}: ${detail}`, detail });
    }
  }
  return failures;
}

/** The entry fields that hold secrets, which only `secrets` may carry (EntrySecrets). */
const SECRET_ENTRY_FIELDS = [
  { parent: "attestation", field: "symmetricKey", what: "declared keys" },
  { parent: "customAllocationDefinition", field: "webhookUrl", what: "webhook URLs" },
] as const;

/** Every hub reference unknown: while hubHostNames is, any reference may be one of its keys. */
function hubsUnknown(entries: Record<string, SetEntry>): Record<string, SetEntry> {
  return Object.fromEntries(
    Object.entries(entries).map(([id, entry]) => [
      id,
      Array.isArray(entry.iotHubs) ? { ...entry, iotHubs: entry.iotHubs.map(() => UNKNOWN_VALUE) } : entry,
    ]),
  );
}

/**
 * The last texts decoded in this process, by the text itself: the engine hands a set's text to
 * check, then the same text to diff (and to create/update), and each decode of 3,000 entries
 * costs tens of milliseconds (benchmarks/README.md, "The no-op preview's distance from its
 * floor"). A text that does not decode is not kept (its error is thrown again). The decoded map
 * and its entries are only read (plan.ts, apply.ts and resolveEntryHubs build new objects).
 * A few texts: a set's check and diff follow each other, and a process serves one stack.
 */
const decodedTexts = new Map<string, Record<string, SetEntry>>();
const DECODED_TEXTS_KEPT = 4;

function decodeSetEntriesOnce(text: unknown): Record<string, SetEntry> {
  if (typeof text !== "string") return decodeSetEntries(text);
  const kept = decodedTexts.get(text);
  if (kept) return kept;
  const entries = decodeSetEntries(text);
  if (decodedTexts.size >= DECODED_TEXTS_KEPT) decodedTexts.delete(decodedTexts.keys().next().value!);
  decodedTexts.set(text, entries);
  return entries;
}

/**
 * The provider's boundary: the inputs as sent (texts or maps) into today's maps, with the hubs the
 * entries name by key resolved through `hubHostNames`, so plan.ts and apply.ts work on one form.
 * Problems come back as check failures naming field, line and entry; nothing is called.
 */
export function decodeSetInputs(news: Record<string, unknown>): DecodedSetInputs {
  const failures: CheckFailure[] = [];
  let entries: Record<string, SetEntry> | typeof UNKNOWN_VALUE | undefined;
  const sent = news.enrollments;
  if (sent === UNKNOWN_VALUE) entries = UNKNOWN_VALUE;
  // A map: what programs written before the text send (validated entry by entry below).
  else if (isRecord(sent)) entries = sent as Record<string, SetEntry>;
  else
    try {
      entries = decodeSetEntriesOnce(sent);
    } catch (error) {
      failures.push(...textFailures("enrollments", error));
    }

  let secrets: Record<string, EntrySecrets> | typeof UNKNOWN_VALUE | undefined;
  const sentSecrets = news.secrets;
  if (sentSecrets === undefined || sentSecrets === UNKNOWN_VALUE || isRecord(sentSecrets))
    secrets = sentSecrets as typeof secrets;
  else
    try {
      secrets = decodeSetSecrets(sentSecrets, isRecord(entries) ? Object.keys(entries) : undefined);
    } catch (error) {
      failures.push(...textFailures("secrets", error));
    }

  const hubHostNames = news.hubHostNames;
  if (hubHostNames !== undefined && hubHostNames !== UNKNOWN_VALUE && !isRecord(hubHostNames))
    failures.push(problem("hubHostNames", "enrollment set", "must be a map of hub key to IoT hub host name"));

  if (isRecord(entries)) {
    failures.push(...secretsInEntries(entries));
    if (hubHostNames === UNKNOWN_VALUE) entries = hubsUnknown(entries);
    else if (isRecord(hubHostNames)) {
      const hosts = hubHostNames as Record<string, string>;
      const linked =
        Array.isArray(news.linkedHubs) && !containsUnknown(news.linkedHubs)
          ? (news.linkedHubs as string[])
          : undefined;
      failures.push(...unresolvedHubReferences(entries, hosts, linked).map(failureOf));
      entries = resolveEntryHubs(entries, hosts);
    }
  }
  if (entries === undefined) return { inputs: undefined, failures };
  return {
    inputs: {
      ...(news as unknown as EnrollmentSetInputs),
      enrollments: entries as Record<string, SetEntry>,
      ...(secrets !== undefined ? { secrets: secrets as Record<string, EntrySecrets> } : {}),
    },
    failures,
  };
}

/** The decoded inputs of diff/create/update: check has refused any that do not decode. */
function decoded(news: Record<string, unknown>): EnrollmentSetInputs {
  const { inputs, failures } = decodeSetInputs(news);
  if (!inputs || failures.length > 0)
    throw new Error(
      `enrollment set ${String(news.shard)}: inputs do not decode:\n  ${failures.map((f) => f.reason).join("\n  ")}`,
    );
  return inputs;
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
  const enrollments: Record<string, SetEntry> = {};
  const secrets: Record<string, EntrySecrets> = {};
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
      // The ETag alone (EntryMetadata): a state an older version stored with DPS's times is
      // stored without them, and refresh's diff (the provider's, of inputs) shows no change.
      metadata[entryId] = { etag: record.etag ?? "" };
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
  const { serviceEndpoint: _e, metadata: _m, keys: _k, released: _r, ...inputs } = refreshed;
  // The inputs take the form the program sends: the texts, hubs named by the keys the stored
  // hubHostNames gives them (host names as they are without it), so the refreshed state diffs
  // cleanly against the program's next inputs.
  return {
    id,
    props: toStored(refreshed),
    inputs: {
      ...inputs,
      enrollments: encodeSetEntries(entriesWithHubKeys(enrollments, olds.hubHostNames)),
      secrets: encodeSetSecrets(secrets),
    },
  };
}

export function createEnrollmentSetProvider(
  options: EnrollmentProviderOptions = {},
): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
      const endpoint =
        isRecord(news.dps) &&
        typeof news.dps.serviceEndpoint === "string" &&
        news.dps.serviceEndpoint !== UNKNOWN_VALUE
          ? news.dps.serviceEndpoint
          : undefined;
      const decodedInputs = decodeSetInputs(news);
      const { inputs } = decodedInputs;
      if (!inputs) return { inputs: news, failures: decodedInputs.failures };
      if (isRecord(inputs.enrollments))
        recordDeclared(endpoint, Object.keys(inputs.enrollments), { set: String(inputs.shard) });
      // A hub reference that is neither a key of hubHostNames nor linked is reported once, by the
      // decode (it names hubHostNames' keys), not again as an unlinked host name.
      const unresolved = new Set(
        decodedInputs.failures
          .filter((f) => /\.iotHubs\[\d+\]$/.test(f.property))
          .map((f) => f.property.replace(/\[\d+\]$/, "")),
      );
      const validated = validateSetInputs(inputs as unknown as Record<string, unknown>, new Date()).filter(
        (f) => !(unresolved.has(f.property) && f.detail.includes("not linked to this DPS")),
      );
      // The inputs are stored as sent (texts stay texts); diff, create and update decode them again.
      return { inputs: news, failures: [...decodedInputs.failures, ...validated] };
    },
    async diff(_id: string, stored: StoredSetOutputs, news: SentSetInputs) {
      const olds = fromStored(stored);
      // IndividualEnrollments created for these ids (they depend on this set) take them over.
      recordHeldBySet(olds.dps?.serviceEndpoint, [
        ...Object.keys(olds.enrollments ?? {}),
        ...(olds.released ?? []),
      ]);
      const result = diffSet(olds, decoded(news as unknown as Record<string, unknown>));
      return {
        changes: result.changes,
        replaces: result.replaces,
        deleteBeforeReplace: result.deleteBeforeReplace,
      };
    },
    async create(sent: SentSetInputs & { __provider?: unknown }) {
      const inputs = decoded(sent as unknown as Record<string, unknown>);
      const result = diffSet(emptyOutputs(inputs), inputs);
      const outs = await applySet(inputs.shard, undefined, inputs, result.plan!, options, sent.__provider);
      return { id: inputs.shard, outs: toStored(outs) };
    },
    async update(id: string, stored: StoredSetOutputs, sent: SentSetInputs & { __provider?: unknown }) {
      const olds = fromStored(stored);
      const news = decoded(sent as unknown as Record<string, unknown>);
      const result = diffSet(olds, news);
      if (!result.plan)
        throw new Error(`enrollment set ${news.shard}: update called with values still unknown`);
      return { outs: toStored(await applySet(id, olds, news, result.plan, options, sent.__provider)) };
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
