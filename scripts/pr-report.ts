// npm run pr-report -- --stack dev=preview-dev.json[,events-dev.jsonl] [--stack prod=...] [--out report.md]
// Turns `pulumi preview --json` output (and optionally the engine event log, for policy
// violations) into the markdown of the PR review comment. Without --out it prints to stdout.
import * as fs from "node:fs";
import { buildPrReport } from "./pr-report/index";
import type { StackInput } from "./pr-report/index";

function usage(message: string): never {
  process.stderr.write(`pr-report: ${message}\nusage: pr-report --stack <name>=<preview.json>[,<events.jsonl>] [--stack ...] [--out <file.md>]\n`);
  process.exit(2);
}

function main(argv: string[]): void {
  const stacks: StackInput[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--stack" && value) {
      const m = /^([^=]+)=([^,]+)(?:,(.+))?$/.exec(value);
      if (!m) usage(`--stack expects <name>=<preview.json>[,<events.jsonl>], got '${value}'`);
      const [, stack, previewFile, eventsFile] = m;
      stacks.push({
        stack: stack!,
        previewJson: read(previewFile!),
        ...(eventsFile ? eventLogOf(eventsFile) : {}),
      });
      i++;
    } else if (arg === "--out" && value) {
      out = value;
      i++;
    } else {
      usage(`unknown argument '${arg}'`);
    }
  }
  if (stacks.length === 0) usage("give at least one --stack");
  const report = buildPrReport(stacks);
  if (out) fs.writeFileSync(out, report);
  else process.stdout.write(report);
}

/** A missing event log means "not collected" (the preview failed early), not "no violations". */
function eventLogOf(file: string): { eventLog?: string } {
  if (fs.existsSync(file)) return { eventLog: read(file) };
  process.stderr.write(`pr-report: no event log at '${file}'; policy violations are reported as not collected\n`);
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
