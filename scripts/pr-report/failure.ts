// A preview (or its policy run) that failed must read as a failure, never as "no changes": the
// steps of a failed preview are the ones it reached before it stopped, so an empty list says
// nothing about the change. A preview failed when the CLI exited non-zero (the workflow passes
// the status on) or printed an error diagnostic (pkg/display/json.go: a PreviewDigest keeps every
// diagnostic with its severity; a refused change, an unreachable DPS and a policy pack that
// could not run all end as one).
import type { PreviewDigest } from "./preview";
import { maskSecretText } from "./values";

export interface PreviewFailure {
  /** The CLI's exit status, when the pipeline passed it on. */
  readonly exitCode?: number;
  /** Error diagnostics, secrets masked; empty when the preview printed none. */
  readonly errors: readonly string[];
  /** The preview printed no JSON at all (it stopped before the engine ran, or the file is missing). */
  readonly noOutput: boolean;
}

export function previewFailure(
  preview: PreviewDigest | undefined,
  exitCode: number | undefined,
): PreviewFailure | undefined {
  const errors = (preview?.diagnostics ?? [])
    .filter((d) => d.severity === "error")
    .map((d) => {
      const resource = d.urn ? `\`${d.urn.split("::").pop()}\`: ` : "";
      return (
        resource +
        maskSecretText(d.message)
          .replace(/\s*\n\s*/g, " ")
          .trim()
      );
    })
    .filter((line, index, all) => line !== "" && all.indexOf(line) === index);
  const failed = (exitCode !== undefined && exitCode !== 0) || errors.length > 0 || preview === undefined;
  if (!failed) return undefined;
  return { ...(exitCode !== undefined ? { exitCode } : {}), errors, noOutput: preview === undefined };
}

/** Longest a diagnostic may be in the report: a stack trace says no more after this. */
const MAX_ERROR = 1_000;

export function renderFailure(failure: PreviewFailure, stack: string): string[] {
  const status = failure.exitCode !== undefined ? ` (exit ${failure.exitCode})` : "";
  const lines = [
    `**❗ The preview of \`${stack}\` failed${status}: this is not the list of changes the merge would make.**`,
  ];
  if (failure.noOutput)
    lines.push("", "It printed no preview: it stopped before the engine ran. The workflow log says why.");
  if (failure.errors.length > 0) {
    lines.push("", "Errors:", "");
    for (const error of failure.errors)
      lines.push(`- ${error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR)}… _(cut)_` : error}`);
  } else if (!failure.noOutput) lines.push("", "It printed no error diagnostic: the workflow log says why.");
  return lines;
}
