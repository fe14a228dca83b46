/**
 * `npm run --silent registrations -- --stack <stack> [--format table|markdown|csv|json] [--out FILE]
 *   [--operations-per-minute N]`
 *
 * Which device registered where: for every enrollment of the stack (individual enrollments, set
 * entries and groups), the devices DPS registered through it, their hub, status and time, with
 * counts per hub against the linked hubs' allocation weights (scripts/registrations/). Reads the
 * stack's state for the enrollments and their DPS connection (held in memory, never printed),
 * then DPS's registration states within its quota. The report goes to stdout (or --out); a last
 * line on stderr says how many DPS calls it made and how long it took.
 */
import * as fs from "node:fs";
import { SERVICE_OPERATIONS_PER_MINUTE } from "@dps-as-code/contract";
import { createDpsClient } from "../components/dps-client/client";
import { pulumiFor } from "./recover/resolve-pending";
import type { StackExport } from "./recover/pending-plan";
import { collectRegistrations, type DpsRegistrations } from "./registrations/collect";
import { REPORT_FORMATS, renderRegistrations, type ReportFormat } from "./registrations/render";
import { stackEnrollments } from "./registrations/stack-enrollments";

const USAGE =
  "usage: npm run --silent registrations -- --stack <stack> [--format table|markdown|csv|json] [--out FILE] [--operations-per-minute N]";

export interface RegistrationsArguments {
  stack: string;
  format: ReportFormat;
  out?: string;
  operationsPerMinute: number;
}

/** The arguments, or the message naming what is wrong (usage follows it). */
export function parseArguments(argv: readonly string[]): RegistrationsArguments | string {
  let stack: string | undefined;
  let format: ReportFormat = "table";
  let out: string | undefined;
  let operationsPerMinute = SERVICE_OPERATIONS_PER_MINUTE;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    const needsValue = ["--stack", "-s", "--format", "--out", "--operations-per-minute"].includes(arg);
    if (needsValue && (value === undefined || value.startsWith("--"))) return `${arg} needs a value`;
    if (arg === "--stack" || arg === "-s") stack = value;
    else if (arg === "--format") {
      if (!(REPORT_FORMATS as readonly string[]).includes(value!))
        return `--format is "${value}"; allowed: ${REPORT_FORMATS.join(", ")}`;
      format = value as ReportFormat;
    } else if (arg === "--out") out = value;
    else if (arg === "--operations-per-minute") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        return `--operations-per-minute is "${value}"; allowed: a whole number of at least 1 (DPS's quota: ${SERVICE_OPERATIONS_PER_MINUTE} unless raised)`;
      operationsPerMinute = n;
    } else return `unknown argument "${arg}"`;
    i++;
  }
  if (!stack) return "--stack is required";
  return { stack, format, operationsPerMinute, ...(out ? { out } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (typeof args === "string") {
    process.stderr.write(`registrations: ${args}\n${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  let state: StackExport;
  try {
    state = JSON.parse(await pulumiFor(args.stack)(["stack", "export", "--show-secrets"])) as StackExport;
  } catch (error) {
    process.stderr.write(`registrations: could not read stack ${args.stack}: ${(error as Error).message}\n`);
    return 1;
  }
  const all: DpsRegistrations[] = [];
  for (const dps of stackEnrollments(state.deployment)) {
    try {
      all.push(
        await collectRegistrations(createDpsClient(dps.connection), dps, {
          operationsPerMinute: args.operationsPerMinute,
        }),
      );
    } catch (error) {
      // The DPS client's messages name the call and DPS and never carry a key (errors.ts redacts).
      process.stderr.write(`registrations: ${(error as Error).message}\n`);
      return 1;
    }
  }
  const report =
    all.length === 0 && args.format !== "json" && args.format !== "csv"
      ? `Stack ${args.stack} has no enrollment.\n`
      : renderRegistrations(all, args.format);
  if (args.out) fs.writeFileSync(args.out, report);
  else process.stdout.write(report);
  const calls = all.reduce((n, d) => n + d.calls, 0);
  process.stderr.write(
    `registrations: ${calls} DPS call${calls === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      `${args.out ? `; report written to ${args.out}` : ""}\n`,
  );
  return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
