// npm run pr-report -- --stack dev=preview-dev.json[,events-dev.jsonl] [--stack prod=...]
//   [--exit-code dev=<status>] [--out comment.md] [--summary summary.md] [--full full.md]
//   [--details-url <run url>]
// Turns `pulumi preview --json` output (and optionally the engine event log, for policy
// violations) into the markdown of the PR review comment. The comment always fits GitHub's
// limit; --summary writes the job summary (within its 1 MiB) and --full every change, field by
// field (for an artifact). Without --out the comment goes to stdout. --exit-code passes on the
// preview's exit status: a non-zero one makes that stack's report say it failed. A missing
// preview file is a preview that never ran, reported as failed too.
// The event log comes from `pulumi preview --event-log <events.jsonl>`, a hidden flag that the CLI
// defines only when PULUMI_DEBUG_COMMANDS=true (pulumi/pulumi pkg/cmd/pulumi/operations/preview.go
// registers it under `if env.DebugCommands.Value()`; without it: "unknown flag: --event-log"). The
// workflows set it and install the CLI version scripts/versions.sh pins, which is the version this
// report is tested with (test/e2e/gitops-pr-report.test.ts); do the same when you run it locally.
//
// npm run pr-report -- --clean-event-log events-dev.jsonl
// Rewrites an engine event log to the policy events the report reads, and nothing else: the
// engine's log holds every input and output in clear, and must not leave the runner as it is.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnrollmentChoiceConfig } from "../components/advice";
import { readStackFile, stackFileName } from "../components/config/stack-file";
import { buildPrReports, policyEventLog } from "./pr-report/index";
import type { StackInput } from "./pr-report/index";

const USAGE =
  "usage: pr-report --stack <name>=<preview.json>[,<events.jsonl>] [--stack ...] [--exit-code <name>=<status>] [--out <comment.md>] [--summary <summary.md>] [--full <full.md>] [--details-url <url>]\n" +
  "       pr-report --clean-event-log <events.jsonl>\n" +
  "The event log: PULUMI_DEBUG_COMMANDS=true pulumi preview ... --event-log <events.jsonl> (a hidden CLI flag; the CLI version in scripts/versions.sh).";

function usage(message: string): never {
  process.stderr.write(`pr-report: ${message}\n${USAGE}\n`);
  process.exit(2);
}

interface Outputs {
  out?: string;
  summary?: string;
  full?: string;
  detailsUrl?: string;
}
const FILE_OPTIONS: Record<string, keyof Outputs> = {
  "--out": "out",
  "--summary": "summary",
  "--full": "full",
  "--details-url": "detailsUrl",
};

function main(argv: string[]): void {
  if (argv[0] === "--clean-event-log") {
    if (argv.length !== 2) usage("--clean-event-log takes one file");
    const file = argv[1]!;
    // No log (the preview stopped before the engine wrote one): nothing to clean.
    if (fs.existsSync(file)) fs.writeFileSync(file, policyEventLog(read(file)));
    return;
  }
  const stacks: { stack: string; previewFile: string; eventsFile?: string }[] = [];
  const exitCodes = new Map<string, number>();
  const outputs: Outputs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === "--stack" && value) {
      const m = /^([^=]+)=([^,]+)(?:,(.+))?$/.exec(value);
      if (!m) usage(`--stack expects <name>=<preview.json>[,<events.jsonl>], got '${value}'`);
      const [, stack, previewFile, eventsFile] = m;
      stacks.push({ stack: stack!, previewFile: previewFile!, ...(eventsFile ? { eventsFile } : {}) });
      i++;
    } else if (arg === "--exit-code" && value) {
      const m = /^([^=]+)=(\d+)$/.exec(value);
      if (!m) usage(`--exit-code expects <name>=<status>, got '${value}'`);
      exitCodes.set(m[1]!, Number(m[2]));
      i++;
    } else if (FILE_OPTIONS[arg] && value) {
      outputs[FILE_OPTIONS[arg]] = value;
      i++;
    } else {
      usage(`unknown argument '${arg}'`);
    }
  }
  if (stacks.length === 0) usage("give at least one --stack");
  for (const stack of exitCodes.keys())
    if (!stacks.some((s) => s.stack === stack)) usage(`--exit-code names '${stack}', which no --stack gives`);
  const inputs: StackInput[] = stacks.map(({ stack, previewFile, eventsFile }) => {
    const exitCode = exitCodes.get(stack);
    return {
      stack,
      // A preview that never ran, or stopped before printing, leaves no file: the report says
      // that stack failed instead of leaving it out.
      previewJson: fs.existsSync(previewFile) ? read(previewFile) : undefined,
      ...(exitCode !== undefined ? { exitCode } : {}),
      // Stacks are named after their environment; the advice's settings are that environment's policy config.
      enrollmentChoice: loadEnrollmentChoiceConfig(process.cwd(), stack),
      ...certificateWindowOf(stack),
      ...(eventsFile ? eventLogOf(eventsFile) : {}),
    };
  });
  const reports = buildPrReports(inputs, outputs.detailsUrl ? { detailsUrl: outputs.detailsUrl } : {});
  if (outputs.summary) fs.writeFileSync(outputs.summary, reports.summary);
  if (outputs.full) fs.writeFileSync(outputs.full, reports.full);
  if (outputs.out) fs.writeFileSync(outputs.out, reports.comment);
  else process.stdout.write(reports.comment);
}

/**
 * The stack's certificate expiry window, from Pulumi.<stack>.yaml in the working directory (the
 * repository root, as the workflow runs it). Without a readable file the report judges with the
 * default window and says why on stderr (the preview itself stops on a stack file it cannot read).
 */
function certificateWindowOf(stack: string): { certificateExpiryWarningDays?: number } {
  const file = stackFileName(stack);
  if (!file || !fs.existsSync(file)) return {};
  const read = readStackFile(path.resolve(file));
  if (read.ok) return { certificateExpiryWarningDays: read.stack.certificateExpiryWarningDays };
  process.stderr.write(
    `pr-report: ${file}: ${read.problems[0]!.problem}; certificates are judged with the default window\n`,
  );
  return {};
}

/** A missing event log means "not collected" (the preview failed early), not "no violations". */
function eventLogOf(file: string): { eventLog?: string } {
  if (fs.existsSync(file)) return { eventLog: read(file) };
  process.stderr.write(
    `pr-report: no event log at '${file}'; policy violations are reported as not collected. ` +
      "If pulumi refused --event-log (unknown flag), it needs PULUMI_DEBUG_COMMANDS=true, which defines that hidden flag, " +
      "and the CLI version scripts/versions.sh pins\n",
  );
  return {};
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    usage(`cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

main(process.argv.slice(2));
