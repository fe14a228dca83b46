// A report that fits where it is posted. GitHub refuses a comment body over 65,536 characters
// (the REST API answers 422 "Body is too long (maximum is 65536 characters)": danger/danger#424,
// peter-evans/create-or-update-comment#182) and a step summary over 1 MiB ("Job summaries are
// isolated between steps and each step is restricted to a maximum size of 1MiB",
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#step-isolation-and-limits;
// the runner says "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k").
// A fleet change of thousands of enrollments is far larger, so when the full report does not
// fit, this keeps, in order: every stack's totals, its policy violations (a count per policy,
// then one line each while they take at most a quarter of what is left), then the most significant changes one row each (CHANGE_ORDER: replaces and deletes
// before updates before creates), and a line per stack saying what was left out and where the
// full report is. Sizes are counted in UTF-8 bytes, never fewer than GitHub's characters.
import type { ChangeKind, EnrollmentChange, FieldChange } from "./changes";
import { CHANGE_ORDER } from "./changes";
import type { StackReport } from "./render";
import {
  ICON,
  REPORT_MARKER,
  VERB,
  kindName,
  renderReport,
  stackFooter,
  stackHeading,
  violationLines,
  violationsTitle,
} from "./render";
import { renderCompactAdvice } from "./advice";
import { renderCompactCertificates } from "./certificates";
import { renderValue } from "./values";

export const GITHUB_COMMENT_LIMIT = 65_536;
export const GITHUB_STEP_SUMMARY_LIMIT = 1_048_576;
/**
 * Room left for text the workflow adds around the report. pr-preview.yml posts report.md as the
 * whole body today and writes the summary file alone; the margin keeps a future header or
 * footer (a link, a timestamp) from pushing a report at the limit over it.
 */
export const WRAPPER_MARGIN = 2_048;
export const COMMENT_BUDGET = GITHUB_COMMENT_LIMIT - WRAPPER_MARGIN;
export const STEP_SUMMARY_BUDGET = GITHUB_STEP_SUMMARY_LIMIT - WRAPPER_MARGIN;
/** The workflow artifact that holds the full report (.github/workflows/pr-preview.yml uploads it). */
export const FULL_REPORT_ARTIFACT = "pr-report";
/** Fields shown in one compact row; the rest are counted. */
const FIELDS_PER_ROW = 3;
/** The largest a "left out" line can get (counts up to 7 digits), reserved before rows are added. */
const LEFT_OUT_RESERVE = 700;

export interface FitOptions {
  /** Bytes the report may take. */
  readonly budget: number;
  /** Where the report goes: the left-out line points from there to the fuller forms. */
  readonly target: "comment" | "summary";
  /** Link to the workflow run that holds the full report (job summary, artifact). */
  readonly detailsUrl?: string;
}

export const bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** The full report when it fits the budget; otherwise the most significant part of it, and what was left out. */
export function fitReport(
  stacks: readonly StackReport[],
  options: FitOptions,
  full = renderReport(stacks),
): string {
  if (bytes(full) <= options.budget) return full;
  const fitted = renderFitted(
    [...stacks].sort((a, b) => a.stack.localeCompare(b.stack)),
    options,
  );
  if (bytes(fitted) > options.budget) {
    throw new Error(
      `pr-report: the shortest report is ${bytes(fitted)} bytes, over the budget of ${options.budget}; too many stacks for one comment`,
    );
  }
  return fitted;
}

interface Plan {
  readonly report: StackReport;
  readonly head: string[];
  readonly violations: string[];
  readonly footer: string[];
  violationsShown: number;
  rowsShown: number;
}

function renderFitted(stacks: readonly StackReport[], options: FitOptions): string {
  const plans: Plan[] = stacks.map((report) => ({
    report,
    head: [
      ...stackHeading(report),
      "",
      violationsTitle(report.violations),
      ...violationCounts(report.violations),
      ...(report.advice !== undefined ? ["", ...renderCompactAdvice(report.advice)] : []),
      ...(report.certificates !== undefined ? ["", ...renderCompactCertificates(report.certificates)] : []),
    ],
    violations: report.violations && report.violations.length > 0 ? violationLines(report.violations) : [],
    footer: stackFooter(report.stack, report.changes),
    violationsShown: 0,
    rowsShown: 0,
  }));
  const preamble = [REPORT_MARKER, "## DPS enrollment changes", ""];
  const cost = (lines: readonly string[]) => lines.reduce((sum, line) => sum + bytes(line) + 1, 0);
  let left = options.budget - cost(preamble);
  for (const plan of plans)
    left -=
      cost(plan.head) +
      cost(plan.footer) +
      LEFT_OUT_RESERVE +
      bytes(options.detailsUrl ?? "") +
      cost(TABLE_HEADER) +
      8;

  // Violations: in stack order, the blocking ones first. A fleet-wide rule can fire on every
  // enrollment; its count per policy is in the head, so the lines get a quarter and rows the rest.
  let violationBudget = Math.max(0, Math.floor(left / 4));
  for (const plan of plans) {
    for (const line of plan.violations) {
      if (bytes(line) + 1 > violationBudget) break;
      violationBudget -= bytes(line) + 1;
      left -= bytes(line) + 1;
      plan.violationsShown++;
    }
  }
  // Rows: each stack gets an equal share of the rest; what one does not use passes to the next.
  const withChanges = plans.filter((p) => p.report.changes.changes.length > 0);
  withChanges.forEach((plan, index) => {
    let share = Math.floor(left / (withChanges.length - index));
    for (const change of plan.report.changes.changes) {
      const row = compactRow(change);
      if (bytes(row) + 1 > share) break;
      share -= bytes(row) + 1;
      left -= bytes(row) + 1;
      plan.rowsShown++;
    }
  });

  const lines = [...preamble];
  // Not push(...lines): a plan of 100,000 rows would overflow the call stack as arguments.
  for (const plan of plans) {
    for (const line of renderPlan(plan, options)) lines.push(line);
    lines.push("");
  }
  return (
    lines
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

/** "- **advisory** `policy`: 7,000 violations", one per policy and level, blocking first; only when there are many. */
function violationCounts(violations: StackReport["violations"]): string[] {
  if (!violations || violations.length <= 10) return [];
  const counts = new Map<string, number>();
  for (const v of violations)
    counts.set(
      `${v.enforcementLevel}\u0000${v.policyName}`,
      (counts.get(`${v.enforcementLevel}\u0000${v.policyName}`) ?? 0) + 1,
    );
  const rank = (key: string) => (key.startsWith("mandatory\u0000") ? 0 : 1);
  return [
    "",
    ...[...counts]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([key, n]) => {
        const [level, policy] = key.split("\u0000");
        return `- **${level}** \`${policy}\`: ${count(n)} violation${n === 1 ? "" : "s"}`;
      }),
  ];
}

const TABLE_HEADER = ["| | Change | Kind | Id | Fields |", "|---|---|---|---|---|"];

function renderPlan(plan: Plan, options: FitOptions): string[] {
  const { changes } = plan.report.changes;
  const lines = [...plan.head];
  if (plan.violations.length > 0) lines.push("", ...plan.violations.slice(0, plan.violationsShown));
  if (plan.rowsShown > 0)
    lines.push("", ...TABLE_HEADER, ...changes.slice(0, plan.rowsShown).map(compactRow));
  const omittedViolations = plan.violations.length - plan.violationsShown;
  if (changes.length > 0 || omittedViolations > 0)
    lines.push("", leftOutLine(changes.slice(plan.rowsShown), omittedViolations, changes.length, options));
  lines.push("", ...plan.footer);
  return lines;
}

/**
 * "Left out of this comment: ..." naming what is missing by kind, and where to read it. A
 * fitted report always has one: even when every row fits, rows carry less than the full report.
 */
export function leftOutLine(
  omitted: readonly EnrollmentChange[],
  omittedViolations: number,
  total: number,
  { target, detailsUrl }: Pick<FitOptions, "target" | "detailsUrl">,
): string {
  const byKind = CHANGE_ORDER.map((k) => [k, omitted.filter((c) => c.change === k).length] as const).filter(
    ([, n]) => n > 0,
  );
  const parts: string[] = [];
  if (omitted.length > 0)
    parts.push(
      `${count(omitted.length)} of ${count(total)} enrollment changes (${byKind.map(([k, n]) => `${count(n)} ${plural(k, n)}`).join(", ")})`,
    );
  if (omittedViolations > 0)
    parts.push(`${count(omittedViolations)} policy violation${omittedViolations === 1 ? "" : "s"}`);
  const compact = `rows show at most ${FIELDS_PER_ROW} fields of an update or replace, and a field count for the others`;
  const what =
    parts.length > 0
      ? `Left out of this ${target}: ${parts.join(" and ")}; ${compact}.`
      : `This ${target} is the short form: ${compact}.`;
  const run = detailsUrl ? `[this workflow run](${detailsUrl})` : "this workflow run";
  const where =
    target === "comment"
      ? `The job summary of ${run} shows more, and its \`${FULL_REPORT_ARTIFACT}\` artifact every change, field by field.`
      : `Every change, field by field, is in the \`${FULL_REPORT_ARTIFACT}\` artifact of ${run}.`;
  return `_${what} ${where}_`;
}

/**
 * One table row for a change. An update or replace shows its first fields as old → new (secrets
 * are masked before this); a create, adoption or delete shows how many fields it sets or held,
 * since its values are news to nobody reviewing a fleet change (the full report lists them).
 */
export function compactRow(c: EnrollmentChange): string {
  const notes: string[] = [];
  if (c.renamedFrom !== undefined) notes.push(`renamed from \`${c.renamedFrom}\``);
  if (c.change === "replace" && c.replaceReasons.length > 0)
    notes.push(`replaced for ${c.replaceReasons.map((r) => `\`${r}\``).join(", ")}`);
  if (c.hiddenReasons.length > 0)
    notes.push(`${c.hiddenReasons.map((r) => `\`${r}\``).join(", ")} secret in the preview`);
  const twoSided = c.change === "update" || c.change === "replace";
  const shown = twoSided
    ? c.fields.slice(0, FIELDS_PER_ROW).map(inlineField)
    : [`${c.fields.length} field${c.fields.length === 1 ? "" : "s"}`];
  if (twoSided && c.fields.length > FIELDS_PER_ROW) shown.push(`+${c.fields.length - FIELDS_PER_ROW} more`);
  const cell = [...notes, ...shown].join("; ").replace(/\|/g, "\\|") || "–";
  return `| ${ICON[c.change]} | ${VERB[c.change]} | ${kindName(c.kind)} | \`${c.id}\` | ${cell} |`;
}

function inlineField(f: FieldChange): string {
  if (f.summary !== undefined) return `\`${f.path}\`: ${f.summary}`;
  return `\`${f.path}\` ${renderValue(f.old)} → ${renderValue(f.new)}`;
}

const count = (n: number) => n.toLocaleString("en-US");
const plural = (k: ChangeKind, n: number) => (n === 1 ? k : `${k}s`);
