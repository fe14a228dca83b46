// The PR report on fleet-sized changes: `pulumi preview --json` of 100, 1,000 and 10,000
// individual enrollments (made from the engine's real step shapes, testkit/preview-json/
// scale.ts: 1 % replaced, 3 % deleted, 20 % updated, 70 % created, 6 % unchanged), per-enrollment
// resources and the same change as 16 enrollment sets. Prints, per size and mode: wall and CPU time
// of the whole report (parse included, generation of the preview excluded), and the bytes of the
// comment, the job summary and the full report. Bounded: about a minute on a shared 2-core machine.
// `--all-creates` makes every enrollment a create (a new fleet's first pull request), `--sets N`
// the number of enrollment sets (default 16; the stack's default shard count is 32).
//   bash scripts/with-env.sh ts-node --transpile-only benchmarks/pr-report-scale.ts [--sizes 100,1000,10000] [--all-creates] [--sets 16]
import { parseArgs } from "node:util";
import { buildPrReports, bytes, COMMENT_BUDGET } from "../scripts/pr-report/index";
import { asEnrollmentSets } from "../testkit/preview-json/as-enrollment-sets";
import { scalePreview } from "../testkit/preview-json/scale";
import { positiveInteger, positiveIntegers, printTable, runBenchmark } from "./support/run";

function mixOf(total: number, allCreates: boolean) {
  if (allCreates) return { replace: 0, delete: 0, update: 0, same: 0, create: total };
  const replace = Math.round(total * 0.01);
  const del = Math.round(total * 0.03);
  const update = Math.round(total * 0.2);
  const same = Math.round(total * 0.06);
  return { replace, delete: del, update, same, create: total - replace - del - update - same };
}

function measure(previewJson: string) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const reports = buildPrReports([{ stack: "dev", previewJson }], {
    detailsUrl: "https://github.com/o/r/actions/runs/1",
  });
  const used = process.cpuUsage(cpu);
  return {
    wallMs: Math.round(performance.now() - wall),
    cpuMs: Math.round((used.user + used.system) / 1000),
    commentBytes: bytes(reports.comment),
    summaryBytes: bytes(reports.summary),
    fullBytes: bytes(reports.full),
  };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: "100,1000,10000" },
      "all-creates": { type: "boolean", default: false },
      sets: { type: "string", default: "16" },
    },
  });
  const sizes = positiveIntegers("--sizes", values.sizes);
  const allCreates = values["all-creates"];
  const sets = positiveInteger("--sets", values.sets);
  const rows: string[][] = [];
  for (const size of sizes) {
    const { json } = scalePreview(mixOf(size, allCreates));
    for (const [mode, previewJson] of [
      ["per-enrollment", json],
      [`${sets} sets`, asEnrollmentSets(json, sets)],
    ] as const) {
      const figures = { enrollments: size, mode, previewBytes: bytes(previewJson), ...measure(previewJson) };
      process.stdout.write(JSON.stringify(figures) + "\n");
      if (figures.commentBytes > COMMENT_BUDGET)
        throw new Error(`comment of ${figures.commentBytes} bytes is over the budget`);
      rows.push([
        size.toLocaleString("en-US"),
        mode,
        `${(figures.previewBytes / 1e6).toFixed(1)} MB`,
        `${figures.wallMs} ms`,
        `${figures.cpuMs} ms`,
        figures.commentBytes.toLocaleString("en-US"),
        figures.summaryBytes.toLocaleString("en-US"),
        figures.fullBytes.toLocaleString("en-US"),
      ]);
    }
  }
  printTable(
    [
      "Enrollments",
      "Mode",
      "Preview JSON",
      "Wall",
      "CPU",
      "Comment (bytes)",
      "Job summary (bytes)",
      "Full report (bytes)",
    ],
    rows,
  );
}

runBenchmark(() => main(process.argv.slice(2)));
