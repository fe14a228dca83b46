// PR review report: `pulumi preview --json` of one or more stacks -> markdown for a PR comment.
import type { EnrollmentChoiceConfig } from "@dps-as-code/contract";
import { adviceLines } from "./advice";
import { enrollmentChanges } from "./changes";
import { attributeSetViolation } from "./enrollment-sets";
import type { PolicyViolation } from "./policy";
import { parsePolicyEvents } from "./policy";
import { COMMENT_BUDGET, fitReport, STEP_SUMMARY_BUDGET } from "./fit";
import { parsePreview } from "./preview";
import type { StackReport } from "./render";
import { renderReport } from "./render";

export { REPORT_MARKER } from "./render";
export { parsePolicyEvents } from "./policy";
export {
  COMMENT_BUDGET,
  FULL_REPORT_ARTIFACT,
  GITHUB_COMMENT_LIMIT,
  GITHUB_STEP_SUMMARY_LIMIT,
  STEP_SUMMARY_BUDGET,
  bytes,
} from "./fit";

export interface StackInput {
  readonly stack: string;
  /** Text printed by `pulumi preview --json`. */
  readonly previewJson: string;
  /** Text of the engine event log (`--event-log`), for policy violations. */
  readonly eventLog?: string;
  /** The environment's advice settings (policy/config/<environment>.json); no section when absent. */
  readonly enrollmentChoice?: EnrollmentChoiceConfig;
}

export interface ReportOptions {
  /** Link to the workflow run whose job summary and artifact hold the full report. */
  readonly detailsUrl?: string;
}

/** The three forms of one report: where each goes, and the size it must keep. */
export interface PrReports {
  /** The PR comment: at most COMMENT_BUDGET bytes. */
  readonly comment: string;
  /** The job summary: at most STEP_SUMMARY_BUDGET bytes. */
  readonly summary: string;
  /** Every change, field by field, whatever its size (the workflow's artifact). */
  readonly full: string;
}

/** The PR comment (the full report when it fits GitHub's limit). */
export function buildPrReport(stacks: readonly StackInput[], options: ReportOptions = {}): string {
  return fitReport(stackReports(stacks), { budget: COMMENT_BUDGET, target: "comment", ...options });
}

export function buildPrReports(stacks: readonly StackInput[], options: ReportOptions = {}): PrReports {
  const reports = stackReports(stacks);
  const full = renderReport(reports);
  return {
    comment: fitReport(reports, { budget: COMMENT_BUDGET, target: "comment", ...options }, full),
    summary: fitReport(reports, { budget: STEP_SUMMARY_BUDGET, target: "summary", ...options }, full),
    full,
  };
}

function stackReports(stacks: readonly StackInput[]): StackReport[] {
  return stacks.map((s) => {
    const preview = parsePreview(s.previewJson, `preview of stack '${s.stack}'`);
    const changes = enrollmentChanges(preview);
    const violations: PolicyViolation[] | undefined =
      s.eventLog === undefined
        ? undefined
        : parsePolicyEvents(s.eventLog).map((v) => attributeSetViolation(v, changes.setEntries));
    const advice = s.enrollmentChoice ? adviceLines(preview, s.enrollmentChoice) : undefined;
    return { stack: s.stack, changes, ...(violations ? { violations } : {}), ...(advice ? { advice } : {}) };
  });
}
