// Golden tests: preview JSON in, markdown out, compared byte for byte. Set UPDATE_GOLDEN=1 to
// rewrite the golden files after an intended change, then read the diff before committing.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildPrReport, REPORT_MARKER } from "../../scripts/pr-report/index";

const previews = path.resolve(__dirname, "../fixtures/preview-json-handmade");
const golden = path.resolve(__dirname, "golden");
const read = (name: string) => fs.readFileSync(path.join(previews, name), "utf8");

function matchesGolden(name: string, actual: string): void {
  const file = path.join(golden, name);
  if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(file, actual);
  expect(actual).toBe(fs.readFileSync(file, "utf8"));
}

describe("pr-report from hand-made previews", () => {
  const report = buildPrReport([
    { stack: "dev", previewJson: read("all-changes.json"), eventLog: read("all-changes.events.jsonl") },
  ]);

  it("renders create, update, replace, delete and adopt as in the golden file", () => {
    matchesGolden("handmade-all-changes.md", report);
  });

  it("classifies a create with adoptExisting as adopt, not create", () => {
    expect(report).toContain("| 📥 | adopt | enrollment | `legacy-sensor-17` |");
    expect(report).not.toMatch(/create enrollment `legacy-sensor-17`/);
  });

  it("never prints secret values, in either of Pulumi's secret forms", () => {
    expect(report).not.toContain("c2VjcmV0");
    expect(report).not.toContain("1b47061264138c4ac30d75fd1eb44270");
    // Both sides are masked, so they cannot be compared: the report does not claim a change.
    expect(report).not.toContain("customAllocationDefinition.webhookUrl");
  });

  it("summarises a large twin instead of listing every field", () => {
    expect(report).toContain("| `initialTwin` | 14 fields changed (properties.desired: 1, tags: 13) | |");
  });

  it("lists policy violations from the event log", () => {
    expect(report).toContain(
      "- **mandatory** `dps-enrollment-no-symmetric-key-in-production` on `test-device-004`: Symmetric-key enrollment 'test-device-004' in production. Use X.509 or set allowSymmetricKeyInProduction.",
    );
  });

  it("says so plainly when nothing changes", () => {
    const quiet = buildPrReport([{ stack: "prod", previewJson: read("no-changes.json") }]);
    matchesGolden("handmade-no-changes.md", quiet);
    expect(quiet).toContain("**No enrollment changes.**");
  });

  it("orders stacks by name and is stable across runs", () => {
    const twice = [0, 1].map(() =>
      buildPrReport([
        { stack: "prod", previewJson: read("no-changes.json") },
        { stack: "dev", previewJson: read("all-changes.json") },
      ]),
    );
    expect(twice[0]).toBe(twice[1]);
    expect(twice[0]!.startsWith(REPORT_MARKER)).toBe(true);
    expect(twice[0]!.indexOf("### Stack `dev`")).toBeLessThan(twice[0]!.indexOf("### Stack `prod`"));
  });

  it("rejects text that is not preview JSON, naming the stack", () => {
    expect(() => buildPrReport([{ stack: "dev", previewJson: "error: no stack named 'dev' found" }])).toThrow(
      /^preview of stack 'dev': not the output of `pulumi preview --json`/,
    );
  });
});
