// Small helpers naming entries and fields the same way in every message.
import type { EntryKind } from "./errors";
import { secretLook } from "./secret-like";

export const ENTRY_LISTS: Record<
  "individualEnrollments" | "enrollmentGroups",
  { kind: EntryKind; idField: string }
> = {
  individualEnrollments: { kind: "individualEnrollment", idField: "registrationId" },
  enrollmentGroups: { kind: "enrollmentGroup", idField: "enrollmentGroupId" },
};

/** The entry a document path points into (`individualEnrollments/3/...`), named by its id. */
export function entryAt(
  document: unknown,
  path: readonly (string | number)[],
): { entry: { kind: EntryKind; id: string } } | undefined {
  const [list, index] = path;
  if ((list !== "individualEnrollments" && list !== "enrollmentGroups") || typeof index !== "number")
    return undefined;
  const { kind, idField } = ENTRY_LISTS[list];
  const item = (document as Record<string, unknown[] | undefined> | null)?.[list]?.[index];
  const id = item && typeof item === "object" ? (item as Record<string, unknown>)[idField] : undefined;
  return { entry: { kind, id: typeof id === "string" && id.length > 0 ? id : `#${index + 1}` } };
}

/** `attestation.x509.clientCertificates.primary`, `iotHubs[1]`; `skip` drops the list/index prefix. */
export function fieldName(path: readonly (string | number)[], skip = 0): string {
  let out = "";
  for (const segment of path.slice(skip)) {
    out += typeof segment === "number" ? `[${segment}]` : out === "" ? segment : `.${segment}`;
  }
  return out;
}

const SECRET_LIKE = /(key|webhook|connectionstring|sas|password|token)$/i;

/** Longest text a message quotes; the rest is counted, never printed (a 200,000-character id is one line). */
export const MAX_QUOTED = 60;

/** Cuts text for a message, saying how long it was. */
export function cut(text: string, max = MAX_QUOTED): string {
  return text.length > max ? `${text.slice(0, max - 3)}... (${text.length} characters)` : text;
}

/** Quotes a value for a message, hiding anything that may be a secret and cutting long text. */
export function describeValue(path: readonly (string | number)[], value: unknown): string {
  const last = [...path].reverse().find((s) => typeof s === "string");
  if (typeof value === "string") {
    const look = secretLook(value);
    if (look) return `(hidden: the value looks like ${look})`;
  }
  if (typeof last === "string" && SECRET_LIKE.test(last)) return "(hidden: the field may hold a secret)";
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return `'${cut(text)}'`;
}

/** An entry id as messages show it: cut, and hidden when it looks like a pasted secret. */
export function describeId(id: string): string {
  const look = secretLook(id);
  return look ? `(hidden: looks like ${look})` : cut(id, 80);
}
