// npm run drift-report -- --stack <name> [--out <report.md>] <events.jsonl>
// Reads the event log of `pulumi refresh --preview-only --event-log <events.jsonl>`, writes the drift report (markdown; stdout when
// no --out) and, with --out, prints `drifted=true|false` for the workflow's next step.
import * as fs from "node:fs";
import { findDrift, renderDrift } from "./drift/report";

function usage(message: string): never {
  process.stderr.write(
    `drift-report: ${message}\nusage: drift-report --stack <name> [--out <report.md>] <events.jsonl>\n`,
  );
  process.exit(2);
}

function main(argv: string[]): void {
  let stack: string | undefined;
  let out: string | undefined;
  let input: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack" && argv[i + 1]) stack = argv[++i];
    else if (arg === "--out" && argv[i + 1]) out = argv[++i];
    else if (!arg.startsWith("--") && !input) input = arg;
    else usage(`unknown argument '${arg}'`);
  }
  if (!stack || !input) usage("give --stack and the refresh preview's event log");
  const report = findDrift(stack, fs.readFileSync(input, "utf8"));
  const markdown = renderDrift(report);
  if (!out) {
    process.stdout.write(markdown);
    return;
  }
  fs.writeFileSync(out, markdown);
  process.stdout.write(`drifted=${report.drifted.length > 0}\n`);
}

main(process.argv.slice(2));
