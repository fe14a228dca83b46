// `npm run pr-report` as the pr-preview workflow runs it (scripts/pr-report.ts through
// scripts/with-env.sh): a preview too large for one comment in (2,000 enrollments; scale.test.ts
// takes 10,000 through the same code in process), the comment, the job summary and the full
// report out, each within its limit; and a clear usage error for a wrong argument.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, COMMENT_BUDGET, STEP_SUMMARY_BUDGET } from "../../scripts/pr-report/index";
import { scalePreview } from "../../testkit/preview-json/scale";
import { runProjectTool } from "../../testkit/project-tool";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-report-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) => runProjectTool("pr-report", args);

describe("npm run pr-report", () => {
  it("writes a bounded comment, a bounded summary and the full report from a 2,000-enrollment preview", () => {
    const preview = scalePreview({ replace: 20, delete: 60, update: 400, create: 1_400, same: 120 });
    fs.writeFileSync(path.join(dir, "preview-dev.json"), preview.json);
    const out = (name: string) => path.join(dir, name);
    const result = run([
      "--stack",
      `dev=${out("preview-dev.json")},${out("events-dev.jsonl")}`,
      "--out",
      out("report.md"),
      "--summary",
      out("summary.md"),
      "--full",
      out("report-full.md"),
      "--details-url",
      "https://github.com/o/r/actions/runs/7",
    ]);
    expect(result.status, result.stderr).toBe(0);
    // The event log is missing (the preview failed early): said on stderr and in the report.
    expect(result.stderr).toContain("no event log at");
    const [comment, summary, full] = ["report.md", "summary.md", "report-full.md"].map((f) =>
      fs.readFileSync(out(f), "utf8"),
    ) as [string, string, string];
    expect(bytes(comment)).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(bytes(summary)).toBeLessThanOrEqual(STEP_SUMMARY_BUDGET);
    expect(comment).toContain("_Policy violations were not collected for this stack._");
    expect(comment).toMatch(
      /^_Left out of this comment: [\d,]+ of 1,880 enrollment changes .*\[this workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/7\)/m,
    );
    const created = new Set([...full.matchAll(/^#### ➕ create enrollment `([^`]+)`$/gm)].map((m) => m[1]));
    expect(preview.ids.create.filter((id) => !created.has(id))).toEqual([]);
    const all = comment + summary + full;
    expect(preview.secrets.filter((secret) => all.includes(secret))).toEqual([]);
  }, 300_000);

  it("refuses an unknown argument with the usage", () => {
    const result = run(["--comment", "a.md", "--stack", "dev=x.json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("pr-report: unknown argument '--comment'");
    expect(result.stderr).toContain("usage: pr-report --stack <name>=<preview.json>");
  });
});
