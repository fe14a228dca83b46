// One error for a whole run: every problem of every manifest, so a PR author fixes them all at
// once instead of one per pipeline run.

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
  const parts: string[] = [p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file];
  if (p.entry) {
    parts.push(`${p.entry.kind === "enrollmentGroup" ? "enrollment group" : "enrollment"} '${p.entry.id}'`);
  }
  if (p.field) parts.push(`field '${p.field}'`);
  parts.push(p.allowed ? `${p.problem}; allowed: ${p.allowed}` : p.problem);
  return parts.join(": ");
}

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

  constructor(problems: readonly ManifestProblem[]) {
    const sorted = sortProblems(problems);
    const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
    super(`enrollment manifests have ${count}; nothing was sent to DPS:\n${sorted.map((p) => "  " + formatProblem(p)).join("\n")}`);
    this.name = "ManifestValidationError";
    this.problems = sorted;
  }

  /** The formatted lines, one per problem. */
  get lines(): string[] {
    return this.problems.map(formatProblem);
  }
}
