// `npm run plan-enrollment-move -- --stack <stack> ...` as a process: it reads the stack through
// the one offline reader (components/config/stack-file.ts), so manifests resolve as in the
// program (on the local target, hub keys to the stack's host names) and the plan writes hubs
// back as the manifests name them; a stack the program would refuse is refused with its words.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProjectTool } from "../../testkit/project-tool";

const repo = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-move-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pilots = Array.from(
  { length: 3 },
  (_, i) => `  - registrationId: pilot-0${i + 1}\n    attestation: { type: symmetricKey }`,
).join("\n");
fs.mkdirSync(path.join(dir, "manifests"));
fs.writeFileSync(
  path.join(dir, "manifests", "pilots.yaml"),
  `defaults:\n  iotHubs: [weu]\n  allocationPolicy: static\nindividualEnrollments:\n${pilots}\n`,
);
// The committed local stack, with this test's manifests folder (its target resolves hub keys offline).
fs.writeFileSync(
  path.join(dir, "Pulumi.lab.yaml"),
  fs.readFileSync(path.join(repo, "Pulumi.local.yaml"), "utf8").replace("enrollments/local", "manifests"),
);
fs.writeFileSync(
  path.join(dir, "Pulumi.broken.yaml"),
  "config:\n  dps-as-code:environment: lab\n  dps-as-code:location: westeurope\n  dps-as-code:enrollmentManifests: manifests\n  dps-as-code:hubs: { weu: { sku: X9 } }\n",
);

/** `npm run plan-enrollment-move -- ...`, from the test's project root. */
function run(args: string[]) {
  const result = runProjectTool("plan-enrollment-move", args, { cwd: dir, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("plan-enrollment-move --stack", () => {
  it("plans from the stack's manifests and writes the group's hubs by key", () => {
    const { code, stdout } = run([
      "--stack",
      "lab",
      "--to-group",
      "pilot-group",
      "pilot-01",
      "pilot-02",
      "--out",
      "plan",
    ]);
    expect(stdout).toContain("1. Let 2 device(s) switch to their key derived from pilot-group");
    expect(stdout).toContain("2. Create enrollment group pilot-group");
    expect(code).toBe(0);
    expect(
      fs.readFileSync(
        path.join(dir, "plan", "2-create-group", "files", "manifests", "pilot-group.yaml"),
        "utf8",
      ),
    ).toContain("    iotHubs:\n      - weu\n");
  });

  it("refuses a stack the program would refuse, naming the config key, with exit 1", () => {
    const { code, stderr } = run(["--stack", "broken", "--to-group", "pilot-group", "pilot-01"]);
    expect(stderr).toBe(
      `plan-enrollment-move: ${path.join(fs.realpathSync(dir), "Pulumi.broken.yaml")}: dps-as-code:hubs.weu.sku: "X9" is not allowed; allowed "F1", "B1", "B2", "B3", "S1", "S2", "S3"; allowed: a stack config the program accepts (\`pulumi preview\` stops on the same problem)\n`,
    );
    expect(code).toBe(1);
  });

  it("names an ids file it cannot read, with the usage and exit 2", () => {
    const { code, stderr } = run([
      "--stack",
      "dev",
      "--to-group",
      "pilot-group",
      "--ids-file",
      "no-such-ids.txt",
    ]);
    expect(stderr.split("\n")[0]).toBe("plan-enrollment-move: cannot read no-such-ids.txt: no such file");
    expect(stderr).toContain("usage: plan-enrollment-move");
    expect(code).toBe(2);
  });
});
