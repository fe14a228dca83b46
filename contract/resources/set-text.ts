/**
 * A set's entries (and its secrets) as ONE canonical JSON text: what an EnrollmentSet takes as its
 * `enrollments` input, and stores again as an output.
 *
 * Why one text: the engine's cost follows the number of property values it carries, not the
 * bytes. At 100,000 entries a set's entries as a map cost a no-op preview 172 s and the engine
 * 3 GiB; as one text per set 20 s and 298 MiB (benchmarks/README.md, "A set's entries as one text
 * input"). Why this form: it is one JSON document, so `pulumi preview --diff` still decodes it and
 * names the entry and the field that changed (`(json)` diffs: printEncodedValueDiff/decodeValue in
 * pulumi's pkg/backend/display/object_diff.go); JSON lines would get a line diff.
 *
 * Form: a `{` line, one line per entry `"<id>":{entry}` with `,` after every entry line but the
 * last, a `}` line; ids in exactly increasing JS string order, object keys sorted at every depth,
 * arrays in order, JSON.stringify's escaping, no spaces. No entries: `{}`.
 *
 * It is decoded line by line, not with one JSON.parse, so that a problem names its line and entry,
 * a repeated id is caught (JSON.parse would silently keep the last) and every problem is reported
 * at once (up to MAX_REPORTED). Messages never quote a line: a secrets line holds keys.
 *
 * Hub references: an entry keeps `iotHubs` as the manifests say (a hub's key, or a host name), so
 * the text is known in every preview; the set's `hubHostNames` (key -> host name) resolves them.
 */
import type { EntrySecrets, SetEntry } from "./enrollment-set";

/** Problems a decode reports in full; the rest are counted. */
export const MAX_REPORTED = 20;

/** A text that does not decode: every problem (up to MAX_REPORTED) with the total count. */
export class SetTextError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly total: number = problems.length,
  ) {
    const more = total - problems.length;
    super(problems.join("\n") + (more > 0 ? `\n(and ${more} more problems)` : ""));
    this.name = "SetTextError";
  }
}

/** JSON with object keys sorted at every depth and no spaces (JSON.stringify's escaping). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return "[" + value.map((item) => canonicalJson(item) ?? "null").join(",") + "]";
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    const fields: string[] = [];
    for (const key of Object.keys(object).sort()) {
      // Absent and undefined read the same, as JSON.stringify has it.
      if (object[key] === undefined) continue;
      fields.push(JSON.stringify(key) + ":" + canonicalJson(object[key]));
    }
    return "{" + fields.join(",") + "}";
  }
  return JSON.stringify(value);
}

function encodeText(values: Record<string, object>): string {
  const ids = Object.keys(values).sort();
  if (ids.length === 0) return "{}";
  return "{\n" + ids.map((id) => JSON.stringify(id) + ":" + canonicalJson(values[id])).join(",\n") + "\n}";
}

/** A set's entries as its canonical text. */
export function encodeSetEntries(entries: Readonly<Record<string, SetEntry>>): string {
  return encodeText(entries);
}

/** A set's secrets as the same canonical text, holding only the ids that declare something. */
export function encodeSetSecrets(secrets: Readonly<Record<string, EntrySecrets | undefined>>): string {
  const declared: Record<string, EntrySecrets> = {};
  for (const [id, entry] of Object.entries(secrets)) {
    if (!entry) continue;
    const kept = Object.fromEntries(
      Object.entries(entry).filter(([, value]) => value !== undefined && value !== ""),
    ) as EntrySecrets;
    if (Object.keys(kept).length > 0) declared[id] = kept;
  }
  return encodeText(declared);
}

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

interface TextForm {
  /** The field the text is, in messages: "enrollments" or "secrets". */
  field: string;
  /** What the text holds, in messages: "entries" or "secrets". */
  holds: string;
  encoder: string;
  /** What a line should be, in messages. */
  lineShape: string;
  /** Why a decoded line's value is not one (undefined: it is). Never quotes the value. */
  valueProblem(value: unknown): string | undefined;
}

function decodeText<T>(text: unknown, form: TextForm): Record<string, T> {
  const problems: string[] = [];
  let total = 0;
  const report = (problem: string) => {
    total++;
    if (problems.length < MAX_REPORTED) problems.push(problem);
  };
  if (typeof text !== "string")
    throw new SetTextError([
      `${form.field}: must be the set's ${form.holds} as one JSON text (${form.encoder}); got ${kindOf(text)}`,
    ]);
  if (text === "{}") return {};
  const lines = text.split("\n");
  if (lines.length < 3 || lines[0] !== "{" || lines[lines.length - 1] !== "}")
    throw new SetTextError([
      `${form.field}: the text must open with "{" and close with "}" on lines of their own`,
    ]);
  const rows: [string, T][] = [];
  let previous: string | undefined;
  const last = lines.length - 2;
  for (let index = 1; index <= last; index++) {
    const lineNumber = index + 1;
    const line = lines[index]!;
    const hasComma = line.endsWith(",");
    const body = hasComma ? line.slice(0, -1) : line;
    let parsed: unknown;
    try {
      parsed = JSON.parse("{" + body + "}");
    } catch {
      // JSON.parse's message quotes the text, and a secrets line holds keys.
    }
    const keys = parsed !== undefined ? Object.keys(parsed as object) : [];
    if (keys.length !== 1) {
      report(`${form.field} line ${lineNumber}: not ${form.lineShape} (one entry per line)`);
      continue;
    }
    const id = keys[0]!;
    const at = `${form.field} line ${lineNumber} (${JSON.stringify(id)})`;
    const value = (parsed as Record<string, unknown>)[id];
    const problem = form.valueProblem(value);
    if (problem) report(`${at}: ${problem}`);
    if (previous !== undefined && !(id > previous))
      report(`${at}: ids must be unique and sorted; it follows ${JSON.stringify(previous)}`);
    if (index < last && !hasComma) report(`${at}: every entry line but the last ends with ","`);
    if (index === last && hasComma) report(`${at}: the last entry line has no ","`);
    if (previous === undefined || id > previous) previous = id;
    if (!problem) rows.push([id, value as T]);
  }
  if (total > 0) throw new SetTextError(problems, total);
  // fromEntries defines each id as its own property: an id like "__proto__" stays an entry.
  return Object.fromEntries(rows);
}

const ENTRIES_FORM: TextForm = {
  field: "enrollments",
  holds: "entries",
  encoder: "encodeSetEntries",
  lineShape: `"<registration id>":{settings}`,
  valueProblem: (value) =>
    kindOf(value) === "object" ? undefined : "the entry must be a JSON object of enrollment settings",
};

const SECRET_FIELDS: readonly string[] = ["primaryKey", "secondaryKey", "webhookUrl"];
const SECRETS_FORM: TextForm = {
  field: "secrets",
  holds: "secrets",
  encoder: "encodeSetSecrets",
  lineShape: `"<registration id>":{primaryKey?, secondaryKey?, webhookUrl?}`,
  valueProblem: (value) =>
    kindOf(value) === "object" &&
    Object.entries(value as object).every(
      ([key, field]) => SECRET_FIELDS.includes(key) && typeof field === "string",
    )
      ? undefined
      : "not {primaryKey?, secondaryKey?, webhookUrl?} with text values",
};

/** A set's entries from their canonical text; throws SetTextError naming every problem. */
export function decodeSetEntries(text: unknown): Record<string, SetEntry> {
  return decodeText<SetEntry>(text, ENTRIES_FORM);
}

/**
 * A set's secrets from their text; with `ids` (the set's entries), an id the set does not hold is a
 * problem too. Throws SetTextError; no message holds a secret value.
 */
export function decodeSetSecrets(text: unknown, ids?: Iterable<string>): Record<string, EntrySecrets> {
  const secrets = decodeText<EntrySecrets>(text, SECRETS_FORM);
  if (ids === undefined) return secrets;
  const held = new Set(ids);
  const strays = Object.keys(secrets).filter((id) => !held.has(id));
  if (strays.length > 0)
    throw new SetTextError(
      strays
        .slice(0, MAX_REPORTED)
        .map((id) => `secrets[${JSON.stringify(id)}]: declares secrets for an id the set does not hold`),
      strays.length,
    );
  return secrets;
}

/**
 * The host name an entry's hub reference stands for: a key of the set's `hubHostNames` is that
 * hub's host name; anything else already is a host name (the loader left host names where the
 * catalogue knew them), the rule resolveHub applies to a deployed catalogue.
 */
export function resolveHubReference(
  reference: string,
  hubHostNames: Readonly<Record<string, string>> | undefined,
): string {
  return hubHostNames !== undefined && Object.hasOwn(hubHostNames, reference)
    ? hubHostNames[reference]!
    : reference;
}

/**
 * The reference an entry holds for a host name DPS reports (the inverse of resolveHubReference,
 * for refresh): the first key, in sorted order, whose hub has that host name, else the host name.
 */
export function hubReferenceOf(
  hostName: string,
  hubHostNames: Readonly<Record<string, string>> | undefined,
): string {
  if (hubHostNames === undefined) return hostName;
  const key = Object.keys(hubHostNames)
    .sort()
    .find((candidate) => hubHostNames[candidate] === hostName);
  return key ?? hostName;
}

/** The entries with each `iotHubs` reference mapped by `hub` (entries without hubs as they are). */
function mapEntryHubs(
  entries: Readonly<Record<string, SetEntry>>,
  hub: (reference: string) => string,
): Record<string, SetEntry> {
  return Object.fromEntries(
    Object.entries(entries).map(([id, entry]) => [
      id,
      entry.iotHubs === undefined ? entry : { ...entry, iotHubs: entry.iotHubs.map(hub) },
    ]),
  );
}

/** The entries with every `iotHubs` reference resolved to a host name (entries without hubs as they are). */
export function resolveEntryHubs(
  entries: Readonly<Record<string, SetEntry>>,
  hubHostNames: Readonly<Record<string, string>> | undefined,
): Record<string, SetEntry> {
  return mapEntryHubs(entries, (reference) => resolveHubReference(reference, hubHostNames));
}

/**
 * The inverse, for what a refresh reads back from DPS: each host name that `hubHostNames` maps a
 * key to is named by that key again (hubReferenceOf), so a refreshed state diffs cleanly against
 * the program's text. Without `hubHostNames` (a state from before it) the entries are as they are.
 */
export function entriesWithHubKeys(
  entries: Readonly<Record<string, SetEntry>>,
  hubHostNames: Readonly<Record<string, string>> | undefined,
): Record<string, SetEntry> {
  if (hubHostNames === undefined) return { ...entries };
  return mapEntryHubs(entries, (hostName) => hubReferenceOf(hostName, hubHostNames));
}

/**
 * References that are neither a key of `hubHostNames` nor one of the DPS's linked hubs (when those
 * are known): one message per reference, naming entry, position and what is allowed.
 */
export function unresolvedHubReferences(
  entries: Readonly<Record<string, SetEntry>>,
  hubHostNames: Readonly<Record<string, string>> | undefined,
  linkedHubs: readonly string[] | undefined,
): string[] {
  const keys = Object.keys(hubHostNames ?? {}).sort();
  const problems: string[] = [];
  for (const id of Object.keys(entries).sort()) {
    (entries[id]!.iotHubs ?? []).forEach((hub, index) => {
      if (keys.includes(hub) || linkedHubs === undefined || linkedHubs.includes(hub)) return;
      problems.push(
        `enrollments[${JSON.stringify(id)}].iotHubs[${index}]: hub ${JSON.stringify(hub)} is not a key of hubHostNames (${keys.join(", ") || "none"}) nor a linked hub`,
      );
    });
  }
  return problems;
}
