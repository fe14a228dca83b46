// PR review report: `pulumi preview --json` of one or more stacks -> markdown for a PR comment.
import type { EnrollmentChoiceConfig } from "@dps-as-code/contract";
import { DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS } from "../../components/config/platform-config";
import { adviceLines } from "./advice";
import { introducedCertificates } from "./certificates";
import { enrollmentChanges } from "./changes";
import { attributeSetViolation } from "./enrollment-sets";
import type { PolicyViolation } from "./policy";
import { parsePolicyEvents } from "./policy";
import { COMMENT_BUDGET, fitReport, STEP_SUMMARY_BUDGET } from "./fit";
import type { PreviewDigest } from "./preview";
import { parsePreview } from "./preview";
import { previewFailure } from "./failure";
import type { StackReport } from "./render";
import { renderReport } from "./render";

export { REPORT_MARKER } from "./render";
export { parsePolicyEvents, policyEventLog } from "./policy";
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
  /** Text printed by `pulumi preview --json`; absent when the preview printed nothing. */
  readonly previewJson: string | undefined;
  /** The preview's exit status, when known: non-zero makes the stack's report a failure. */
  readonly exitCode?: number;
  /** Text of the engine event log (`--event-log`), for policy violations. */
  readonly eventLog?: string;
  /** The environment's advice settings (policy/config/<environment>.json); no section when absent. */
  readonly enrollmentChoice?: EnrollmentChoiceConfig;
  /** The stack's `dps-as-code:certificateExpiryWarningDays` (Pulumi.<stack>.yaml). @default 30 */
  readonly certificateExpiryWarningDays?: number;
}

export interface ReportOptions {
  /** Link to the workflow run whose job summary and artifact hold the full report. */
  readonly detailsUrl?: string;
  /** When certificates are judged. @default now */
  readonly now?: Date;
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
  return fitReport(stackReports(stacks, options.now), {
    budget: COMMENT_BUDGET,
    target: "comment",
    ...options,
  });
}

export function buildPrReports(stacks: readonly StackInput[], options: ReportOptions = {}): PrReports {
  const reports = stackReports(stacks, options.now);
  const full = renderReport(reports);
  return {
    comment: fitReport(reports, { budget: COMMENT_BUDGET, target: "comment", ...options }, full),
    summary: fitReport(reports, { budget: STEP_SUMMARY_BUDGET, target: "summary", ...options }, full),
    full,
  };
}

function stackReports(stacks: readonly StackInput[], now = new Date()): StackReport[] {
  return stacks.map((s) => {
    const preview = previewOf(s);
    const failure = previewFailure(preview, s.exitCode);
    const changes = enrollmentChanges(preview ?? { steps: [] });
    const violations: PolicyViolation[] | undefined =
      s.eventLog === undefined
        ? undefined
        : parsePolicyEvents(s.eventLog).map((v) => attributeSetViolation(v, changes.setEntries));
    const advice =
      s.enrollmentChoice && preview ? adviceLines(preview, s.enrollmentChoice, s.stack) : undefined;
    const certificates = preview
      ? introducedCertificates(
          preview,
          s.stack,
          s.certificateExpiryWarningDays ?? DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS,
          now,
        )
      : undefined;
    return {
      stack: s.stack,
      changes,
      ...(failure ? { failure } : {}),
      ...(violations ? { violations } : {}),
      ...(advice ? { advice } : {}),
      ...(certificates ? { certificates } : {}),
    };
  });
}

/**
 * The preview, or undefined when it printed none (no file: it never ran, or stopped before the
 * engine did). Text that is not a preview is an error of the caller unless the preview is known
 * to have failed (a failed CLI may print only an error).
 */
function previewOf(s: StackInput): PreviewDigest | undefined {
  const failed = s.exitCode !== undefined && s.exitCode !== 0;
  if (s.previewJson === undefined || (failed && s.previewJson.trim() === "")) return undefined;
  try {
    return parsePreview(s.previewJson, `preview of stack '${s.stack}'`);
  } catch (error) {
    if (failed) return undefined;
    throw error;
  }
}
