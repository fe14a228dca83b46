// PR review report: `pulumi preview --json` of one or more stacks -> markdown for a PR comment.
import { enrollmentChanges } from "./changes";
import type { PolicyViolation } from "./policy";
import { parsePolicyEvents } from "./policy";
import { parsePreview } from "./preview";
import { renderReport } from "./render";

export { REPORT_MARKER } from "./render";
export { parsePolicyEvents } from "./policy";

export interface StackInput {
  readonly stack: string;
  /** Text printed by `pulumi preview --json`. */
  readonly previewJson: string;
  /** Text of the engine event log (`--event-log`), for policy violations. */
  readonly eventLog?: string;
}

export function buildPrReport(stacks: readonly StackInput[]): string {
  return renderReport(
    stacks.map((s) => {
      const changes = enrollmentChanges(parsePreview(s.previewJson, `preview of stack '${s.stack}'`));
      const violations: PolicyViolation[] | undefined = s.eventLog === undefined ? undefined : parsePolicyEvents(s.eventLog);
      return { stack: s.stack, changes, ...(violations ? { violations } : {}) };
    }),
  );
}
