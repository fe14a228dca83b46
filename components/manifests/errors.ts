// One error for a whole run: every problem of every manifest, so a PR author fixes them all at
// once instead of one per pipeline run. Its text is bounded: each part of a line is cut, and
// after MAX_PRINTED_PROBLEMS the rest are counted, so a broken generator cannot flood a CI log.
import { cut, describeId } from "./fields";

export type EntryKind = "individualEnrollment" | "enrollmentGroup";

export interface ManifestProblem {
  readonly file: string;
  /** 1-based; 0 when the problem has no position (e.g. an unreadable file). */
  readonly line: number;
  readonly column: number;
  /** The entry concerned, when there is one. */
  readonly entry?: { readonly kind: EntryKind; readonly id: string };
  /** Dotted field path inside the entry (or the file, for file-level fields). */
  readonly field?: string;
  readonly problem: string;
  /** What would have been accepted. */
  readonly allowed?: string;
}

/** `file:line:col: enrollment '<id>': field '<path>': <problem>; allowed: <...>` */
export function formatProblem(p: ManifestProblem): string {
  const parts: string[] = [p.line > 0 ? `${cut(p.file, 200)}:${p.line}:${p.column}` : cut(p.file, 200)];
  if (p.entry) {
    parts.push(
      `${p.entry.kind === "enrollmentGroup" ? "enrollment group" : "enrollment"} '${describeId(p.entry.id)}'`,
    );
  }
  if (p.field) parts.push(`field '${cut(p.field, 120)}'`);
  parts.push(p.allowed ? `${cut(p.problem, 400)}; allowed: ${cut(p.allowed, 400)}` : cut(p.problem, 400));
  return parts.join(": ");
}

/** Problems printed in the error's message; the rest are counted. */
export const MAX_PRINTED_PROBLEMS = 50;

/** Stable order: by file, then position, then message. */
export function sortProblems(problems: readonly ManifestProblem[]): ManifestProblem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      formatProblem(a).localeCompare(formatProblem(b)),
  );
}

export class ManifestValidationError extends Error {
  readonly problems: readonly ManifestProblem[];
  /**
   * The mark of a Pulumi RunError (@pulumi/pulumi errors.js: RunError.isInstance reads this
   * member): the program's runner then prints the message alone (cmd/run/run.js: "Always hide the
   * stack for RunErrors"), not "failed with an unhandled exception" and a stack trace that buries
   * the problems under the project's source paths. Kept as a member so this module needs no SDK.
   */
  readonly __pulumiRunError = true;

  constructor(problems: readonly ManifestProblem[]) {
    const sorted = sortProblems(problems);
    const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
    const printed = sorted.slice(0, MAX_PRINTED_PROBLEMS).map((p) => "  " + formatProblem(p));
    if (sorted.length > MAX_PRINTED_PROBLEMS)
      printed.push(
        `  ... and ${sorted.length - MAX_PRINTED_PROBLEMS} more problems (fix these first; they are often the same mistake)`,
      );
    super(`enrollment manifests have ${count}; nothing was sent to DPS:\n${printed.join("\n")}`);
    this.name = "ManifestValidationError";
    this.problems = sorted;
  }

  /** The formatted lines, one per problem. */
  get lines(): string[] {
    return this.problems.map(formatProblem);
  }
}
