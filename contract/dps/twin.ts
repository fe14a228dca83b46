/**
 * Rules of IoT Hub device twins that an enrollment's `initialTwin` must follow: DPS stores a
 * bigger or stranger twin without complaint, and the device then fails at registration, when the
 * hub refuses it. From learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins
 * ("Tags and properties format" and "Device twin size"):
 * - keys: UTF-8, case-sensitive, up to 1 KB; no Unicode control characters (C0, C1), `.`, `$` or space;
 * - depth: JSON objects in tags and desired properties at most 10 levels deep;
 * - string values: up to 4 KB (UTF-8);
 * - integers: from -4503599627370496 to 4503599627370495;
 * - size: tags at most 8 KB, desired properties at most 32 KB.
 */

export const TWIN_LIMITS = {
  tagsBytes: 8 * 1024,
  desiredBytes: 32 * 1024,
  keyBytes: 1024,
  stringValueBytes: 4 * 1024,
  depth: 10,
  minInteger: -4503599627370496,
  maxInteger: 4503599627370495,
} as const;

export type TwinSection = "tags" | "desired";

export const TWIN_KEY_RULE = "keys of at most 1 KB without '.', '$', spaces or control characters";

/** Problems read after the collection's name: "initialTwin.tags <problem>; IoT Hub allows <allowed>". */
export interface TwinProblem {
  /** Keys from the collection's root to the offending key or value. */
  readonly path: readonly string[];
  readonly problem: string;
  readonly allowed: string;
}

/** Most problems reported per collection: one bad generator can break thousands of keys. */
const MAX_PROBLEMS = 5;

// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARACTER = /[\u0000-\u001f\u007f-\u009f.$ ]/;

export function twinSize(collection: unknown): number {
  return Buffer.byteLength(JSON.stringify(collection ?? {}), "utf8");
}

/** Every problem of one twin collection (tags or desired properties), at most MAX_PROBLEMS of them. */
export function checkTwinCollection(
  section: TwinSection,
  collection: Record<string, unknown>,
): TwinProblem[] {
  const problems: TwinProblem[] = [];
  let more = 0;
  const add = (p: TwinProblem) => (problems.length < MAX_PROBLEMS ? problems.push(p) : more++);
  const limit = section === "tags" ? TWIN_LIMITS.tagsBytes : TWIN_LIMITS.desiredBytes;
  const size = twinSize(collection);
  if (size > limit) {
    add({
      path: [],
      problem: `is ${size} bytes`,
      allowed: `at most ${limit} bytes of ${section === "tags" ? "twin tags" : "desired properties"}`,
    });
  }
  const visit = (value: unknown, path: string[], depth: number): void => {
    if (Array.isArray(value)) {
      value.forEach((item) => visit(item, path, depth));
      return;
    }
    if (typeof value === "string") {
      const bytes = Buffer.byteLength(value, "utf8");
      if (bytes > TWIN_LIMITS.stringValueBytes)
        add({
          path,
          problem: `has a string value of ${bytes} bytes`,
          allowed: `string values of at most ${TWIN_LIMITS.stringValueBytes} bytes`,
        });
      return;
    }
    if (typeof value === "number") {
      if (Number.isInteger(value) && (value < TWIN_LIMITS.minInteger || value > TWIN_LIMITS.maxInteger)) {
        add({
          path,
          problem: `has integer ${value}, out of range`,
          allowed: `integers from ${TWIN_LIMITS.minInteger} to ${TWIN_LIMITS.maxInteger}`,
        });
      }
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (depth > TWIN_LIMITS.depth) {
      add({
        path,
        problem: `nests objects more than ${TWIN_LIMITS.depth} levels deep`,
        allowed: `at most ${TWIN_LIMITS.depth} levels of nested objects`,
      });
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const at = [...path, key];
      const bad = keyProblem(key);
      if (bad) add({ path: at, problem: bad, allowed: TWIN_KEY_RULE });
      visit(child, at, depth + 1);
    }
  };
  visit(collection, [], 0);
  if (more > 0)
    problems.push({
      path: [],
      problem: `has ${more} more problems like these`,
      allowed: "the rules above (fix those first)",
    });
  return problems;
}

function keyProblem(key: string): string | undefined {
  if (Buffer.byteLength(key, "utf8") > TWIN_LIMITS.keyBytes)
    return `has a key of ${Buffer.byteLength(key, "utf8")} bytes`;
  const found = FORBIDDEN_KEY_CHARACTER.exec(key);
  if (!found) return undefined;
  const c = found[0];
  const name =
    c === "."
      ? "'.'"
      : c === "$"
        ? "'$'"
        : c === " "
          ? "a space"
          : `control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return `has a key with ${name}`;
}
