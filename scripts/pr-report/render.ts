// Markdown for one PR comment. Everything is sorted, so the same previews give the same text
// and the pipeline can update its comment in place without noise.
import type { EnrollmentKind } from "@dps-as-code/contract";
import type { ChangeKind, EnrollmentChange, EnrollmentState, StackChanges } from "./changes";
import { CHANGE_ORDER } from "./changes";
import type { OpaqueSet } from "./enrollment-sets";
import { renderAdvice } from "./advice";
import { type IntroducedCertificates, renderCertificates } from "./certificates";
import type { PreviewFailure } from "./failure";
import { renderFailure } from "./failure";
import type { PolicyViolation } from "./policy";
import { renderValue } from "./values";

/** The pipeline finds its earlier comment by this marker and edits it. */
export const REPORT_MARKER = "<!-- dps-as-code:pr-report -->";

export interface StackReport {
  readonly stack: string;
  readonly changes: StackChanges;
  /** Set when the preview (or its policy run) failed: its changes are not the merge's. */
  readonly failure?: PreviewFailure;
  /** undefined: policy events were not collected for this stack. */
  readonly violations?: readonly PolicyViolation[];
  /** Individual-or-group advice lines; undefined: not computed for this stack. */
  readonly advice?: readonly string[];
  /** Certificates the change introduces; undefined: none. */
  readonly certificates?: IntroducedCertificates;
}

export const VERB: Record<ChangeKind, string> = {
  replace: "replace",
  delete: "delete",
  update: "update",
  create: "create",
  adopt: "adopt",
};
export const ICON: Record<ChangeKind, string> = {
  replace: "🔁",
  delete: "❌",
  update: "✏️",
  create: "➕",
  adopt: "📥",
};
const ALL_HUBS = "(all linked hubs)";

export function renderReport(stacks: readonly StackReport[]): string {
  const lines = [REPORT_MARKER, "## DPS enrollment changes", ""];
  // Not push(...lines): 100,000 rows as arguments overflow the call stack (benchmarks/pr-report-scale.ts).
  for (const stack of [...stacks].sort((a, b) => a.stack.localeCompare(b.stack))) {
    for (const line of renderStack(stack)) lines.push(line);
    lines.push("");
  }
  return (
    lines
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

function renderStack(report: StackReport): string[] {
  const { stack, changes, violations, advice } = report;
  const lines = [...stackHeading(report), "", ...renderViolations(violations)];
  if (advice !== undefined) lines.push("", ...renderAdvice(advice));
  if (report.certificates !== undefined) lines.push("", ...renderCertificates(report.certificates));
  if (changes.changes.length === 0) return lines;
  lines.push("", "| | Change | Kind | Id | Fields |", "|---|---|---|---|---|");
  for (const c of changes.changes) {
    lines.push(
      `| ${ICON[c.change]} | ${VERB[c.change]} | ${kindName(c.kind)} | \`${c.id}\` | ${c.fields.length} |`,
    );
  }
  for (const c of changes.changes) lines.push("", ...renderChange(c));
  lines.push("", ...stackFooter(stack, changes));
  return lines;
}

/** The stack's title, totals, other resources and sets that cannot be listed: always shown. */
export function stackHeading({ stack, changes, failure }: StackReport): string[] {
  const lines = [`### Stack \`${stack}\``, ""];
  if (failure) {
    lines.push(...renderFailure(failure, stack));
    if (changes.changes.length > 0)
      lines.push(
        "",
        `Changes the preview listed before it stopped: ${summaryLine(changes).replace(/\*\*/g, "")}`,
      );
  } else lines.push(summaryLine(changes));
  const other = Object.entries(changes.otherChanges).sort(([a], [b]) => a.localeCompare(b));
  if (other.length > 0)
    lines.push("", `Other resources: ${other.map(([op, n]) => `${n} to ${op}`).join(", ")}.`);
  for (const set of [...changes.opaqueSets].sort((a, b) => a.name.localeCompare(b.name)))
    lines.push("", opaqueSetLine(set));
  const { intoSets, outOfSets } = changes.moved;
  if (intoSets + outOfSets > 0) {
    const parts = [
      intoSets > 0 ? `${intoSets} into enrollment sets` : "",
      outOfSets > 0 ? `${outOfSets} out of enrollment sets into their own resources` : "",
    ].filter(Boolean);
    lines.push(
      "",
      `Enrollments changing mode: ${parts.join(", ")}. The move itself changes nothing in DPS; the rows show only what else changes.`,
    );
  }
  return lines;
}

function opaqueSetLine(set: OpaqueSet): string {
  if (set.reason === "hubs-at-update") {
    const which =
      set.hubs && set.hubs.length > 0 ? ` of ${set.hubs.map((hub) => `\`${hub}\``).join(", ")}` : "";
    return `Enrollment set \`${set.name}\` (${set.op}): the hub host names${which} are known only when the update runs (a hub is created, replaced or updated in this change); its rows show hub keys.`;
  }
  if (set.reason === "secret-change") {
    return `Enrollment set \`${set.name}\` (update): no entry's visible settings change, so a secret input does (a declared key, a webhook URL or the DPS credentials); the preview cannot say whose.`;
  }
  const why =
    set.reason === "secret" ? "are secret as a whole in the preview" : "are not known until the update runs";
  return `Enrollment set \`${set.name}\` (${set.op}): its enrollments ${why}, so they cannot be listed here.`;
}

/** Enrollments per hub and the note on a preview without sames. */
export function stackFooter(stack: string, changes: StackChanges): string[] {
  const lines = renderHubs(changes.before, changes.after, stack);
  if (changes.unchangedOmitted > 0) {
    lines.push(
      "",
      `_${changes.unchangedOmitted} unchanged resources were left out of the preview (run it with \`--show-sames\`), so the hub counts miss them._`,
    );
  }
  return lines;
}

function summaryLine(changes: StackChanges): string {
  if (changes.changes.length === 0) return "**No enrollment changes.**";
  const counts = CHANGE_ORDER.map(
    (k) => [k, changes.changes.filter((c) => c.change === k).length] as const,
  ).filter(([, n]) => n > 0);
  const unchanged = changes.after.length - changes.changes.filter((c) => c.change !== "delete").length;
  const parts = counts.map(([k, n]) => `${n} to ${VERB[k]}`);
  if (unchanged > 0) parts.push(`${unchanged} unchanged`);
  return `**${parts.join(", ")}.**`;
}

function renderViolations(violations: readonly PolicyViolation[] | undefined): string[] {
  const title = violationsTitle(violations);
  return violations === undefined || violations.length === 0
    ? [title]
    : [title, "", ...violationLines(violations)];
}

export function violationsTitle(violations: readonly PolicyViolation[] | undefined): string {
  if (violations === undefined) return "_Policy violations were not collected for this stack._";
  if (violations.length === 0) return "No policy violations.";
  return `**Policy violations (${violations.length}):**`;
}

/** One bullet per violation; `mandatory` sorts before `advisory`, the ones that block first. */
export function violationLines(violations: readonly PolicyViolation[]): string[] {
  const rank = (level: string) => (level === "mandatory" ? 0 : 1);
  const sorted = [...violations].sort(
    (a, b) =>
      rank(a.enforcementLevel) - rank(b.enforcementLevel) ||
      a.enforcementLevel.localeCompare(b.enforcementLevel) ||
      a.policyName.localeCompare(b.policyName) ||
      a.urn.localeCompare(b.urn),
  );
  return sorted.map(
    (v) =>
      `- **${v.enforcementLevel}** \`${v.policyName}\` on \`${v.urn.split("::").pop()}\`: ${v.message.replace(/\s*\n\s*/g, " ")}`,
  );
}

function renderChange(c: EnrollmentChange): string[] {
  const lines = [`#### ${ICON[c.change]} ${VERB[c.change]} ${kindName(c.kind)} \`${c.id}\``];
  if (c.renamedFrom !== undefined) {
    lines.push(
      "",
      `Renamed from \`${c.renamedFrom}\` (\`previousIds\`). DPS has no rename: devices must register with the new id, and symmetric keys change unless the manifest declares them.`,
    );
  }
  if (c.change === "replace" && c.replaceReasons.length > 0) {
    lines.push(
      "",
      `Replaced because ${c.replaceReasons.map((r) => `\`${r}\``).join(", ")} cannot change in place: the enrollment is deleted and created again.`,
    );
  }
  if (c.hiddenReasons.length > 0) {
    lines.push(
      "",
      `${c.hiddenReasons.map((r) => `\`${r}\``).join(", ")} ${c.hiddenReasons.length === 1 ? "is" : "are"} secret in the preview (Pulumi hides the whole value), so old and new cannot be shown here: read the manifest diff.`,
    );
  }
  if (c.change === "adopt")
    lines.push("", "Already in DPS: taken under management as it is, no keys change.");
  if (c.change === "delete")
    lines.push(
      "",
      "Devices already registered keep their hub identity; new registrations through this enrollment are refused.",
    );
  if (c.fields.length === 0) return lines;
  const oneSided = c.change === "create" || c.change === "adopt" || c.change === "delete";
  lines.push(
    "",
    oneSided ? "| Field | Value |" : "| Field | Old | New |",
    oneSided ? "|---|---|" : "|---|---|---|",
  );
  for (const f of c.fields) {
    if (f.summary !== undefined)
      lines.push(oneSided ? `| \`${f.path}\` | ${f.summary} |` : `| \`${f.path}\` | ${f.summary} | |`);
    else if (oneSided)
      lines.push(`| \`${f.path}\` | ${renderValue(c.change === "delete" ? f.old : f.new)} |`);
    else lines.push(`| \`${f.path}\` | ${renderValue(f.old)} | ${renderValue(f.new)} |`);
  }
  return lines;
}

export function renderHubs(
  before: readonly EnrollmentState[],
  after: readonly EnrollmentState[],
  stack: string,
): string[] {
  const count = (states: readonly EnrollmentState[]) => {
    const m = new Map<string, number>();
    for (const s of states)
      for (const hub of s.hubs === "all" ? [ALL_HUBS] : s.hubs) m.set(hub, (m.get(hub) ?? 0) + 1);
    return m;
  };
  const b = count(before);
  const a = count(after);
  const hubs = [...new Set([...b.keys(), ...a.keys()])].sort((x, y) =>
    x === ALL_HUBS ? 1 : y === ALL_HUBS ? -1 : x.localeCompare(y),
  );
  if (hubs.length === 0) return [];
  const label = (h: string) => (h === ALL_HUBS ? "all linked" : h.split(".")[0]!);
  return [
    "<details><summary>Enrollments per hub, before and after</summary>",
    "",
    "| Hub | Before | After |",
    "|---|---|---|",
    ...hubs.map(
      (h) => `| ${h === ALL_HUBS ? "_" + h + "_" : `\`${h}\``} | ${b.get(h) ?? 0} | ${a.get(h) ?? 0} |`,
    ),
    "",
    "```mermaid",
    "xychart-beta",
    `    title "Enrollments per hub in ${stack}: before (first bar), after (second bar)"`,
    `    x-axis [${hubs.map((h) => `"${label(h)}"`).join(", ")}]`,
    '    y-axis "enrollments and groups"',
    `    bar [${hubs.map((h) => b.get(h) ?? 0).join(", ")}]`,
    `    bar [${hubs.map((h) => a.get(h) ?? 0).join(", ")}]`,
    "```",
    "",
    "</details>",
  ];
}

export function kindName(kind: EnrollmentKind): string {
  return kind === "group" ? "enrollment group" : "enrollment";
}
