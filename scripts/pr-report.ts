// npm run pr-report -- --stack dev=preview-dev.json[,events-dev.jsonl] [--stack prod=...]
//   [--out comment.md] [--summary summary.md] [--full full.md] [--details-url <run url>]
// Turns `pulumi preview --json` output (and optionally the engine event log, for policy
// violations) into the markdown of the PR review comment. The comment always fits GitHub's
// limit; --summary writes the job summary (within its 1 MiB) and --full every change, field by
// field (for an artifact). Without --out the comment goes to stdout.
import * as fs from "node:fs";
import { loadEnrollmentChoiceConfig } from "../components/advice";
import { buildPrReports } from "./pr-report/index";
import type { StackInput } from "./pr-report/index";

const USAGE =
  "usage: pr-report --stack <name>=<preview.json>[,<events.jsonl>] [--stack ...] [--out <comment.md>] [--summary <summary.md>] [--full <full.md>] [--details-url <url>]";

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
  const stacks: StackInput[] = [];
  const outputs: Outputs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === "--stack" && value) {
      const m = /^([^=]+)=([^,]+)(?:,(.+))?$/.exec(value);
      if (!m) usage(`--stack expects <name>=<preview.json>[,<events.jsonl>], got '${value}'`);
      const [, stack, previewFile, eventsFile] = m;
      stacks.push({
        stack: stack!,
        previewJson: read(previewFile!),
        // Stacks are named after their environment; the advice's settings are that environment's policy config.
        enrollmentChoice: loadEnrollmentChoiceConfig(process.cwd(), stack!),
        ...(eventsFile ? eventLogOf(eventsFile) : {}),
      });
      i++;
    } else if (FILE_OPTIONS[arg] && value) {
      outputs[FILE_OPTIONS[arg]] = value;
      i++;
    } else {
      usage(`unknown argument '${arg}'`);
    }
  }
  if (stacks.length === 0) usage("give at least one --stack");
  const reports = buildPrReports(stacks, outputs.detailsUrl ? { detailsUrl: outputs.detailsUrl } : {});
  if (outputs.summary) fs.writeFileSync(outputs.summary, reports.summary);
  if (outputs.full) fs.writeFileSync(outputs.full, reports.full);
  if (outputs.out) fs.writeFileSync(outputs.out, reports.comment);
  else process.stdout.write(reports.comment);
}

/** A missing event log means "not collected" (the preview failed early), not "no violations". */
function eventLogOf(file: string): { eventLog?: string } {
  if (fs.existsSync(file)) return { eventLog: read(file) };
  process.stderr.write(
    `pr-report: no event log at '${file}'; policy violations are reported as not collected\n`,
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
