/**
 * The certificate expiry report in three forms: `table` (a terminal), `markdown` (the drift
 * report's section and its issue) and `json` (everything). The certificates due (expired, not yet
 * valid, or expiring within the stack's window) come first, loudest first, each with the rotation
 * plan to run; the rest are counted. The PR report's section words each certificate the same way
 * (dueLine, hintLines).
 */
import {
  type CertificateExpiry,
  daysUntil,
  describeHolder,
  dueCertificates,
  type RotationHint,
} from "@dps-as-code/contract";

export type ExpiryFormat = "table" | "markdown" | "json";
export const EXPIRY_FORMATS: readonly ExpiryFormat[] = ["table", "markdown", "json"];

export interface ExpiryRow extends CertificateExpiry {
  /** `Pulumi.<stack>.yaml` or `<manifest>:<line>`. */
  readonly declaredIn: string;
  readonly rotation: RotationHint;
}

export interface ExpiryReport {
  readonly stack: string;
  readonly windowDays: number;
  readonly checkedAt: Date;
  /** Every certificate the stack holds, most urgent first. */
  readonly certificates: readonly ExpiryRow[];
  /** CAs the stack names but does not hold the certificate of (`existing: true`). */
  readonly notChecked: readonly string[];
}

const day = (date: Date | undefined) => date?.toISOString().slice(0, 10) ?? "?";
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "EXPIRED 6 days ago (2026-12-01)", "expires in 5 days (2026-12-12)", ... */
export function whenText(e: CertificateExpiry & { readonly checkedAt: Date }): string {
  if (e.state === "unreadable") return `UNREADABLE: ${e.problem ?? "not a certificate"}`;
  if (e.state === "expired") {
    const ago = e.notAfter ? daysUntil(e.checkedAt, e.notAfter) : 0;
    return `EXPIRED ${ago === 0 ? "today" : `${plural(ago, "day")} ago`} (notAfter ${day(e.notAfter)})`;
  }
  if (e.state === "not-yet-valid")
    return `NOT YET VALID until ${day(e.notBefore)} (notAfter ${day(e.notAfter)})`;
  return `expires in ${plural(e.daysLeft ?? 0, "day")} (notAfter ${day(e.notAfter)})`;
}

/** One due certificate in markdown: what, when, where. */
export function dueLine(
  e: CertificateExpiry & { readonly checkedAt: Date; readonly declaredIn?: string },
): string {
  const loud = e.state === "expiring" ? "" : "**";
  return (
    `${loud}${whenText(e)}${loud}: ${describeHolder(e.holder, (n) => `\`${n}\``)}` +
    (e.subject ? `, ${e.subject}` : "") +
    (e.declaredIn ? `, in \`${e.declaredIn}\`` : "")
  );
}

/** The rotation hint as markdown lines (indented under a list item). */
export function hintLines(hint: RotationHint, indent = "  "): string[] {
  return [
    ...hint.commands.map((c) => `${indent}\`${c}\``),
    // A bare <placeholder> would read as an HTML tag to GitHub and vanish.
    ...(hint.note ? [`${indent}_${hint.note.replace(/(<[\w.-]+>)/g, "`$1`")}_`] : []),
  ];
}

export function renderExpiry(report: ExpiryReport, format: ExpiryFormat): string {
  // Without the certificates' text: the thumbprint names each, and the report stays short.
  if (format === "json")
    return `${JSON.stringify({ ...report, certificates: report.certificates.map(({ text: _text, ...rest }) => rest) }, null, 2)}\n`;
  return format === "markdown" ? renderMarkdown(report) : renderTable(report);
}

function headline(report: ExpiryReport, due: number): string {
  const total = report.certificates.length;
  return due === 0
    ? `No certificate of stack ${report.stack} expires within ${plural(report.windowDays, "day")}`
    : `${due} of ${plural(total, "certificate")} of stack ${report.stack} expired, not yet valid or expiring within ${plural(report.windowDays, "day")}`;
}

function renderMarkdown(report: ExpiryReport): string {
  const due = dueCertificates(report.certificates) as ExpiryRow[];
  const lines = [`### ${headline(report, due.length)}`, ""];
  if (due.length > 0) {
    lines.push(
      "Replace each before its notAfter: from the repository root, fill in the placeholders and run the rotation plan (its pull requests go one credential per deployment).",
      "",
    );
    for (const e of due)
      lines.push(`- ${dueLine({ ...e, checkedAt: report.checkedAt })}`, ...hintLines(e.rotation));
    lines.push("");
  }
  lines.push(...footer(report, due.length));
  return `${lines.join("\n")}\n`;
}

function footer(report: ExpiryReport, due: number): string[] {
  const valid = report.certificates.length - due;
  return [
    `${plural(report.certificates.length, "certificate")} checked on ${day(report.checkedAt)} (DPS CA certificates, group signing certificates, individual enrollments' certificates); ${valid} valid beyond the window (\`dps-as-code:certificateExpiryWarningDays\`: ${report.windowDays}).`,
    ...(report.notChecked.length > 0
      ? [
          `Not checked: ${report.notChecked.join(", ")} (CA certificates already in the DPS, \`existing: true\`: the stack does not hold their certificates).`,
        ]
      : []),
  ];
}

function renderTable(report: ExpiryReport): string {
  const due = dueCertificates(report.certificates) as ExpiryRow[];
  const lines = [`${headline(report, due.length)}.`];
  for (const e of due) {
    lines.push(
      "",
      `${whenText({ ...e, checkedAt: report.checkedAt })}: ${describeHolder(e.holder)}${e.subject ? `, ${e.subject}` : ""}`,
      `  declared in ${e.declaredIn} (${e.field})`,
      ...e.rotation.commands.map((c) => `  run: ${c}`),
      ...(e.rotation.note ? [`  (${e.rotation.note.replace(/`/g, "")})`] : []),
    );
  }
  lines.push("", ...footer(report, due.length).map((l) => l.replace(/`/g, "")));
  return `${lines.join("\n")}\n`;
}
