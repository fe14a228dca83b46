// The report for a fleet-sized change: 10,000 enrollments in one preview, generated from the
// engine's real step shapes (testkit/preview-json/scale.ts). The comment must fit GitHub's
// limit with the risky changes first and say what it left out; the job summary must fit its
// 1 MiB; the full report must hold every change; no secret may appear anywhere. The time it
// takes is printed, not asserted (speed is measured, not tested).
import { describe, expect, it } from "vitest";
import {
  buildPrReports,
  bytes,
  COMMENT_BUDGET,
  GITHUB_COMMENT_LIMIT,
  GITHUB_STEP_SUMMARY_LIMIT,
  STEP_SUMMARY_BUDGET,
} from "../../scripts/pr-report/index";
import { asEnrollmentSets, setName, shardOf } from "../../testkit/preview-json/as-enrollment-sets";
import { scalePreview } from "../../testkit/preview-json/scale";

const MIX = { replace: 100, delete: 300, update: 2_000, create: 7_000, same: 600 } as const;
const preview = scalePreview(MIX);
const DETAILS = "https://github.com/example/dps-as-code/actions/runs/123";
const ORDER = ["replace", "delete", "update", "create", "adopt"];

/** Policy events as the engine logs them: a mandatory one per replaced enrollment, an advisory per create. */
function eventLog(urnOf: (id: string) => string): string {
  const event = (id: string, level: string, policyName: string, message: string) =>
    JSON.stringify({ policyEvent: { resourceUrn: urnOf(id), policyName, enforcementLevel: level, message } });
  return [
    ...preview.ids.create.map((id) =>
      event(
        id,
        "advisory",
        "dps-individual-enrollment-symmetric-key-allowed",
        `individual enrollment "${id}" uses symmetric-key attestation without an exception; use X.509 or TPM.`,
      ),
    ),
    ...preview.ids.replace.map((id) =>
      event(
        id,
        "mandatory",
        "dps-enrollment-static-allocation-single-hub",
        `individual enrollment "${id}" uses allocationPolicy "static" with 2 hub(s); name exactly one hub.`,
      ),
    ),
  ].join("\n");
}
const perEnrollmentUrn = (id: string) =>
  `urn:pulumi:gitops::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::${id}`;

// CPU time as well as wall time: the machine running the tests may be shared.
const started = performance.now();
const cpu = process.cpuUsage();
const reports = buildPrReports(
  [{ stack: "dev", previewJson: preview.json, eventLog: eventLog(perEnrollmentUrn) }],
  { detailsUrl: DETAILS },
);
const elapsed = performance.now() - started;
const cpuUsed = process.cpuUsage(cpu);
console.log(
  `pr-report on 10,000 enrollments (${(bytes(preview.json) / 1e6).toFixed(1)} MB of preview JSON, parse included): ${elapsed.toFixed(0)} ms wall, ` +
    `${((cpuUsed.user + cpuUsed.system) / 1000).toFixed(0)} ms CPU; ` +
    `comment ${bytes(reports.comment)} bytes, summary ${bytes(reports.summary)} bytes, full ${bytes(reports.full)} bytes`,
);

const rowsOf = (markdown: string) =>
  [
    ...markdown.matchAll(/^\| \S+ \| (replace|delete|update|create|adopt) \| enrollment \| `([^`]+)` \|/gm),
  ].map((m) => ({ change: m[1]!, id: m[2]! }));

describe("pr-report on a 10,000-enrollment change", () => {
  it("keeps the comment within GitHub's limit, with room for the workflow's own text", () => {
    expect(COMMENT_BUDGET).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(bytes(reports.comment)).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(reports.comment.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    // Full enough to be worth reading: most of the budget is used.
    expect(bytes(reports.comment)).toBeGreaterThan(COMMENT_BUDGET * 0.8);
  });

  it("starts with the totals and the blocking violations", () => {
    const totals = reports.comment.indexOf(
      "**100 to replace, 300 to delete, 2000 to update, 7000 to create, 600 unchanged.**",
    );
    const violations = reports.comment.indexOf("**Policy violations (7100):**");
    const firstMandatory = reports.comment.indexOf(
      "- **mandatory** `dps-enrollment-static-allocation-single-hub`: 100 violations",
    );
    const firstRow = reports.comment.indexOf("| 🔁 | replace |");
    expect(totals).toBeGreaterThan(0);
    expect(totals).toBeLessThan(violations);
    expect(violations).toBeLessThan(firstMandatory);
    expect(firstMandatory).toBeLessThan(
      reports.comment.indexOf(
        "- **advisory** `dps-individual-enrollment-symmetric-key-allowed`: 7,000 violations",
      ),
    );
    expect(
      reports.comment.indexOf(
        "- **advisory** `dps-individual-enrollment-symmetric-key-allowed`: 7,000 violations",
      ),
    ).toBeLessThan(
      reports.comment.indexOf(
        '- **mandatory** `dps-enrollment-static-allocation-single-hub` on `fleet-00000`: individual enrollment "fleet-00000"',
      ),
    );
    // One line per violation, blocking first, while they take a quarter of the room: here the
    // 100 mandatory ones, and the advisory ones only as a count.
    const lines = reports.comment.split("\n").filter((l) => /^- \*\*\w+\*\* `[^`]+` on `/.test(l));
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.every((l) => l.startsWith("- **mandatory**"))).toBe(true);
    expect(reports.comment.lastIndexOf("- **advisory**")).toBeLessThan(firstRow);
  });

  it("lists replaces, then deletes, then updates, then creates, as many as fit", () => {
    const rows = rowsOf(reports.comment);
    const ranks = rows.map((r) => ORDER.indexOf(r.change));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // The rows are the start of the full report's list, which holds every change in that order.
    const all = rowsOf(reports.full);
    expect(all.map((r) => ORDER.indexOf(r.change))).toEqual(
      all.map((r) => ORDER.indexOf(r.change)).sort((a, b) => a - b),
    );
    expect(rows).toEqual(all.slice(0, rows.length));
    expect(rows.filter((r) => r.change === "replace").map((r) => r.id)).toEqual(preview.ids.replace);
    expect(rows.length).toBeGreaterThan(MIX.replace);
    expect(reports.comment).toContain(
      "| 🔁 | replace | enrollment | `fleet-00001` | replaced for `attestation`; `attestation.tpm.endorsementKey` _(none)_ → `AAEAC",
    );
    expect(reports.comment).toMatch(
      /\| ✏️ \| update \| enrollment \| `fleet-00400` \| `initialTwin\.properties\.desired\.telemetryIntervalSeconds` `10` → `100` \|/,
    );
  });

  it("says what it left out, by kind, and where the full report is", () => {
    const rows = rowsOf(reports.comment);
    const changed = MIX.replace + MIX.delete + MIX.update + MIX.create;
    const omittedUpdates = MIX.update - rows.filter((r) => r.change === "update").length;
    const omittedCreates = MIX.create - rows.filter((r) => r.change === "create").length;
    const kinds = [
      omittedUpdates > 0 ? `${omittedUpdates.toLocaleString("en-US")} updates` : "",
      `${omittedCreates.toLocaleString("en-US")} creates`,
    ].filter(Boolean);
    const line = reports.comment.split("\n").find((l) => l.startsWith("_Left out of this comment:"));
    expect(line).toMatch(
      new RegExp(
        `^_Left out of this comment: ${(changed - rows.length).toLocaleString("en-US")} of ${changed.toLocaleString("en-US")} enrollment changes \\(${kinds.join(", ")}\\)` +
          ` and [\\d,]+ policy violations; rows show at most 3 fields of an update or replace, and a field count for the others\\. The job summary of \\[this workflow run\\]\\(${DETAILS.replace(/[/.]/g, "\\$&")}\\) shows more, and its \`pr-report\` artifact every change, field by field\\._$`,
      ),
    );
  });

  it("keeps the job summary within 1 MiB and the full report complete", () => {
    expect(bytes(reports.summary)).toBeLessThanOrEqual(STEP_SUMMARY_BUDGET);
    expect(STEP_SUMMARY_BUDGET).toBeLessThan(GITHUB_STEP_SUMMARY_LIMIT);
    expect(rowsOf(reports.summary).length).toBeGreaterThan(rowsOf(reports.comment).length);
    const full = new Set(rowsOf(reports.full).map((r) => r.id));
    for (const op of ["replace", "delete", "update", "create"] as const)
      for (const id of preview.ids[op]) expect(full.has(id), id).toBe(true);
    expect(reports.summary).toMatch(
      /^_Left out of this summary: .+; rows show at most 3 fields .+\. Every change, field by field, is in the `pr-report` artifact of \[this workflow run\]/m,
    );
    expect(reports.full).not.toContain("Left out of this");
  });

  it("prints none of the secrets the preview carries", () => {
    expect(preview.secrets.length).toBeGreaterThan(100);
    for (const report of [reports.comment, reports.summary, reports.full]) {
      for (const secret of preview.secrets) expect(report.includes(secret), "a secret leaked").toBe(false);
      expect(report).not.toContain("sas=");
    }
  });

  it.each(["map", "text"] as const)(
    "gives the same report when the enrollments are managed in sets (entries as a %s)",
    (form) => {
      const shards = 16;
      const setUrn = (id: string) =>
        `urn:pulumi:gitops::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentSet::${setName(shardOf(id, shards))}`;
      const inSets = buildPrReports(
        [
          {
            stack: "dev",
            previewJson: asEnrollmentSets(preview.json, shards, { form }),
            eventLog: eventLog(setUrn),
          },
        ],
        { detailsUrl: DETAILS },
      );
      expect(inSets.full).toBe(reports.full);
      expect(inSets.comment).toBe(reports.comment);
    },
  );
});

describe("pr-report on a fleet change beside a quiet stack", () => {
  it("fits both stacks in one comment and says nothing was left out of the quiet one", () => {
    const quiet = scalePreview({ replace: 0, delete: 0, update: 0, create: 0, same: 3 });
    const { comment } = buildPrReports([
      { stack: "prod", previewJson: quiet.json },
      { stack: "dev", previewJson: preview.json },
    ]);
    expect(bytes(comment)).toBeLessThanOrEqual(COMMENT_BUDGET);
    const prod = comment.slice(comment.indexOf("### Stack `prod`"));
    expect(comment.indexOf("### Stack `dev`")).toBeLessThan(comment.indexOf("### Stack `prod`"));
    expect(prod).toContain("**No enrollment changes.**");
    expect(prod).not.toContain("Left out of this");
    expect(comment.match(/^_Left out of this comment:/gm)).toHaveLength(1);
  });
});
