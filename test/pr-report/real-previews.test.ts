// Golden tests on what the engine really prints: the fixtures in test/fixtures/preview-json are
// `pulumi preview --json --show-sames` of the local stack (regenerate them with
// test/fixtures/preview-json/generate.ts). Real output differs from the hand-made fixtures:
// secrets are the string "[secret]", a dynamic provider's steps carry no diffReasons or
// detailedDiff, and `attestation` is secret as a whole (it is derived from the secret DPS
// connection). Set UPDATE_GOLDEN=1 to rewrite the golden files, then read the diff.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildPrReport } from "../../scripts/pr-report/index";
import { SCENARIOS, type ScenarioName } from "../fixtures/preview-json/scenarios";

const fixtures = path.resolve(__dirname, "../fixtures/preview-json");
const golden = path.resolve(__dirname, "golden");
const previewOf = (name: ScenarioName) => fs.readFileSync(path.join(fixtures, `${name}.json`), "utf8");
const reportOf = (name: ScenarioName) => buildPrReport([{ stack: "local", previewJson: previewOf(name) }]);

describe("pr-report from the engine's real preview JSON", () => {
  it.each(SCENARIOS)("renders the %s preview as in its golden file", (name) => {
    const report = reportOf(name);
    const file = path.join(golden, `real-${name}.md`);
    if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(file, report);
    expect(report).toBe(fs.readFileSync(file, "utf8"));
  });

  it("counts the platform as other resources when creating from empty", () => {
    const report = reportOf("create");
    expect(report).toContain("**3 to create.**");
    expect(report).toContain("Other resources: 3 to create.");
    expect(report).toContain("| ➕ | create | enrollment group | `meters` | 7 |");
  });

  it("says nothing changes when the manifests match the stack", () => {
    const report = reportOf("no-change");
    expect(report).toContain("**No enrollment changes.**");
    expect(report).not.toContain("Other resources");
  });

  it("shows an edited twin field as old -> new on exactly that enrollment", () => {
    const report = reportOf("update");
    expect(report).toContain("**1 to update, 2 unchanged.**");
    expect(report).toContain("| ✏️ | update | enrollment | `gw-device-001` | 1 |");
    expect(report).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
  });

  it("notes that unchanged resources were left out when the preview ran without --show-sames", () => {
    const report = reportOf("update-without-sames");
    expect(report).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
    expect(report).toMatch(
      /_\d+ unchanged resources were left out of the preview \(run it with `--show-sames`\)/,
    );
  });

  it("names the attestation change that forces a replace (no keys declared, so the attestation is not secret)", () => {
    const report = reportOf("replace");
    expect(report).toContain("| 🔁 | replace | enrollment | `gw-device-001` | 2 |");
    expect(report).toContain("Replaced because `attestation` cannot change in place");
    expect(report).toContain("| `attestation.type` | `symmetricKey` | `tpm` |");
    expect(report).not.toContain("`attestation` is secret in the preview");
  });

  it("lists what a deleted group held", () => {
    const report = reportOf("delete");
    expect(report).toContain("**1 to delete, 2 unchanged.**");
    expect(report).toContain("#### ❌ delete enrollment group `meters`");
    expect(report).toContain("| `reprovisionPolicy.migrateDeviceData` | `true` |");
  });

  it("reports an enrollment declared with adoptExisting as adopt, not create", () => {
    const report = reportOf("adopt");
    expect(report).toContain("**1 to adopt, 3 unchanged.**");
    expect(report).toContain("| 📥 | adopt | enrollment | `legacy-sensor-17` |");
    expect(report).not.toMatch(/\| create \|/);
  });

  it("reports a rename through previousIds as a replace of the old enrollment", () => {
    const report = reportOf("rename");
    expect(report).toContain("| 🔁 | replace | enrollment | `gw-device-101` | 1 |");
    expect(report).toContain("Renamed from `gw-device-001` (`previousIds`)");
    expect(report).toContain("| `registrationId` | `gw-device-001` | `gw-device-101` |");
    expect(report).not.toMatch(/delete enrollment `gw-device-001`/);
  });

  it("masks every secret the real JSON carries and prints no connection string", () => {
    for (const name of SCENARIOS) {
      const report = reportOf(name);
      expect(report).not.toMatch(/SharedAccessKey|HostName=/);
      // The stack's declared keys (scenarios.ts) are never in the fixtures, masked or not.
      expect(report).not.toContain(Buffer.alloc(32, 11).toString("base64"));
    }
    expect(reportOf("create")).toContain("| `attestation` | `[secret]` |");
  });
});
