// `retiredEnrollments`: the explicit acknowledgement that an individual enrollment is deleted
// although no group of the stack covers its device. The policy `dps-enrollment-retirement-covered`
// refuses such a deletion unless the pull request that removes the entry lists its id here.
import type { ManifestProblem } from "./errors";
import type { RetiredEnrollmentSpec } from "./types";
import type { ParsedManifest } from "./yaml-source";

/** The list of one schema-valid manifest (the schema checked each item's shape). */
export function readRetiredEnrollments(
  manifest: ParsedManifest,
  file: string,
  document: Record<string, unknown>,
): RetiredEnrollmentSpec[] {
  const items = document["retiredEnrollments"];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index) => {
    const { registrationId, reason } = (item ?? {}) as { registrationId?: unknown; reason?: unknown };
    if (typeof registrationId !== "string" || typeof reason !== "string") return [];
    return [
      {
        registrationId,
        reason,
        source: { file, line: manifest.positionOf(["retiredEnrollments", index]).line },
      },
    ];
  });
}

/** A retired id must be gone: an id both declared and retired is a contradiction a reviewer must resolve. */
export function checkRetiredAreGone(
  retired: readonly RetiredEnrollmentSpec[],
  declared: ReadonlyMap<string, { file: string; line: number; column: number }>,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const seen = new Map<string, RetiredEnrollmentSpec>();
  for (const entry of retired) {
    const key = entry.registrationId.toLowerCase();
    const here = { file: entry.source.file, line: entry.source.line, column: 1, field: "retiredEnrollments" };
    const current = declared.get(`individualEnrollment:${key}`);
    if (current) {
      problems.push({
        ...here,
        problem: `'${entry.registrationId}' is retired but still declared at ${current.file}:${current.line}:${current.column}`,
        allowed:
          "ids of individual enrollments this change deletes (remove the entry, or drop it from retiredEnrollments)",
      });
    }
    const first = seen.get(key);
    if (first) {
      problems.push({
        ...here,
        problem: `'${entry.registrationId}' is retired twice; first at ${first.source.file}:${first.source.line}`,
        allowed: "each id once",
      });
    }
    seen.set(key, entry);
  }
  return problems;
}
