// The PR review report on fresh `pulumi preview --json` from the real engine: every reviewed
// change of test/fixtures/preview-json/scenarios.ts (create, no change, update, replace,
// delete, adopt, rename) played on a local stack against the emulator, then the report's key
// lines, and no key or connection string of the stack anywhere in the markdown. It also checks
// that the committed fixtures still describe what the engine prints (same steps, same ops).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { buildPrReport } from "../../scripts/pr-report/index";
import { normalisePreviewJson } from "../fixtures/preview-json/normalise";
import {
  BASELINE,
  SCENARIO_CONFIG,
  SCENARIO_STACK,
  SCENARIOS,
  machineValuesOf,
  playScenarios,
  stackSecrets,
  type ScenarioName,
} from "../fixtures/preview-json/scenarios";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

interface Digest {
  steps: { op: string; urn: string }[];
  changeSummary: Record<string, number>;
}
const digestOf = (json: string) => JSON.parse(json.slice(json.indexOf("{"))) as Digest;

const EXPECTED_SUMMARY: Record<ScenarioName, Record<string, number>> = {
  // The enrollment ledger (one per stack) changes with the set of enrollments and their attestation.
  create: { create: 7 },
  "no-change": { same: 7 },
  update: { same: 6, update: 1 },
  "update-without-sames": { same: 6, update: 1 },
  replace: { replace: 1, same: 5, update: 1 },
  delete: { delete: 1, same: 5, update: 1 },
  adopt: { create: 1, same: 6, update: 1 },
  rename: { replace: 1, same: 5, update: 1 },
};

describeWithEngine("the PR report on the engine's own preview JSON", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const previews = new Map<ScenarioName, string>();
  let secrets: string[] = [];
  const report = (name: ScenarioName) =>
    buildPrReport([{ stack: "local", previewJson: previews.get(name)! }]);

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: SCENARIO_STACK,
      manifests: BASELINE,
      config: SCENARIO_CONFIG,
    });
    await playScenarios(program, emulator, (name, json) => void previews.set(name, json));
    secrets = await stackSecrets(program, emulator.connectionString);
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("previews each reviewed change with the engine's expected change summary", () => {
    for (const name of SCENARIOS)
      expect([name, digestOf(previews.get(name)!).changeSummary]).toEqual([name, EXPECTED_SUMMARY[name]]);
  });

  it("summarises a create from empty, with the platform as other resources", () => {
    const md = report("create");
    expect(md).toContain("**3 to create.**");
    expect(md).toContain("Other resources: 3 to create.");
    expect(md).toContain("| ➕ | create | enrollment | `gw-device-001` | 6 |");
  });

  it("says nothing changes on an unchanged stack", () => {
    expect(report("no-change")).toContain("**No enrollment changes.**");
  });

  it("shows the edited twin field old -> new on the one enrollment that changed", () => {
    for (const name of ["update", "update-without-sames"] as const) {
      const md = report(name);
      expect(md).toContain("| ✏️ | update | enrollment | `gw-device-001` | 1 |");
      expect(md).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
    }
    expect(report("update")).toContain("**1 to update, 2 unchanged.**");
  });

  it("shows a change of attestation type as a replace and says why", () => {
    const md = report("replace");
    expect(md).toContain("**1 to replace, 2 unchanged.**");
    expect(md).toContain("| 🔁 | replace | enrollment | `gw-device-001` |");
    expect(md).toContain("Replaced because `attestation` cannot change in place");
  });

  it("shows a removed group as a delete", () => {
    const md = report("delete");
    expect(md).toContain("**1 to delete, 2 unchanged.**");
    expect(md).toContain("| ❌ | delete | enrollment group | `meters` | 7 |");
  });

  it("shows an existing enrollment declared with adoptExisting as adopt", () => {
    const md = report("adopt");
    expect(md).toContain("**1 to adopt, 3 unchanged.**");
    expect(md).toContain("| 📥 | adopt | enrollment | `legacy-sensor-17` |");
  });

  it("shows a rename through previousIds as a replace from the old id", () => {
    const md = report("rename");
    expect(md).toContain("| 🔁 | replace | enrollment | `gw-device-101` | 1 |");
    expect(md).toContain("Renamed from `gw-device-001` (`previousIds`)");
    expect(md).toContain("| `registrationId` | `gw-device-001` | `gw-device-101` |");
  });

  it("never prints a key or connection string of the stack, in the JSON or the report", () => {
    expect(secrets.length).toBeGreaterThanOrEqual(8); // 2 declared, 4 held by DPS, the access key and its connection string
    for (const name of SCENARIOS) {
      const md = report(name);
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(20);
        expect(previews.get(name)).not.toContain(secret);
        expect(md).not.toContain(secret);
      }
    }
  });

  it("still matches the committed fixtures step for step", () => {
    const fixtures = path.resolve(__dirname, "../fixtures/preview-json");
    const ops = (json: string) => digestOf(json).steps.map((s) => `${s.op} ${s.urn}`);
    for (const name of SCENARIOS) {
      const fresh = normalisePreviewJson(previews.get(name)!, machineValuesOf(program, emulator));
      const committed = fs.readFileSync(path.join(fixtures, `${name}.json`), "utf8");
      expect([name, ops(fresh)]).toEqual([name, ops(committed)]);
      expect([name, report(name)]).toEqual([
        name,
        buildPrReport([{ stack: "local", previewJson: committed }]),
      ]);
    }
  });
});
