// `npm run plan-rotation -- --stack <stack> --enrollment <id> ...` as a process: each plan's steps,
// their patches applied in order with `git apply` as a person would, one credential per step,
// and the refusals with their reasons. (test/e2e/rotation.test.ts deploys the plans and registers
// devices after every step.)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { makeCertificate } from "../../testkit/certificates";
import { runProjectTool } from "../../testkit/project-tool";

const repo = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-rotation-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const oldCa = makeCertificate({ commonName: "Contoso Charger CA 2024", isCa: true });
const newCa = makeCertificate({ commonName: "Contoso Charger CA 2026", isCa: true });
const monitorOld = makeCertificate({ commonName: "monitor-01", issuer: oldCa });
const monitorNew = makeCertificate({ commonName: "monitor-01", issuer: newCa });
const stranger = makeCertificate({ commonName: "monitor-02", issuer: newCa });

const MANIFESTS = {
  "meters.yaml": `# Meters: keys are stack secrets.
enrollmentGroups:
  - enrollmentGroupId: meters
    attestation:
      type: symmetricKey
      symmetricKey: { primaryKeySecret: meterKeyA, secondaryKeySecret: meterKeyB } # the factory's keys
    iotHubs: [weu]
    allocationPolicy: static
individualEnrollments:
  - registrationId: bench-01
    attestation: { type: symmetricKey }
`,
  "chargers.yaml": `enrollmentGroups:
  - enrollmentGroupId: chargers
    attestation:
      type: x509
      x509:
        caReferences: { primary: charger-ca }
  - enrollmentGroupId: chargers-eu
    attestation: { type: x509, x509: { caReferences: { primary: charger-ca-eu } } }
individualEnrollments:
  - registrationId: monitor-01
    attestation:
      type: x509
      x509:
        clientCertificates:
          primary: { certificateFile: ../certs/monitor-01.pem }
`,
};

function stackFile(extraCas = ""): string {
  return `${fs.readFileSync(path.join(repo, "Pulumi.local.yaml"), "utf8").replace("enrollments/local", "manifests").replace("  dps-as-code:dps:\n", `  dps-as-code:dps:\n    caCertificates:\n      charger-ca: { certificatePath: certs/charger-ca.pem }\n      charger-ca-eu: { certificatePath: certs/charger-ca.pem }${extraCas}\n`)}  dps-as-code:meterKeyA: { secure: v1:AAAA }\n  dps-as-code:meterKeyB: { secure: v1:BBBB }\n`;
}

beforeEach(() => {
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "manifests"));
  fs.mkdirSync(path.join(dir, "certs"));
  for (const [name, text] of Object.entries(MANIFESTS))
    fs.writeFileSync(path.join(dir, "manifests", name), text);
  fs.writeFileSync(path.join(dir, "certs", "charger-ca.pem"), oldCa.certificatePem);
  fs.writeFileSync(path.join(dir, "certs", "charger-ca-2026.pem"), newCa.certificatePem);
  fs.writeFileSync(path.join(dir, "certs", "monitor-01.pem"), monitorOld.certificatePem);
  fs.writeFileSync(path.join(dir, "certs", "monitor-01-2026.pem"), monitorNew.certificatePem);
  fs.writeFileSync(path.join(dir, "certs", "monitor-02.pem"), stranger.certificatePem);
  fs.writeFileSync(path.join(dir, "Pulumi.lab.yaml"), stackFile());
  // The repository's root, which certificate files must stay inside.
  fs.copyFileSync(path.join(repo, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
});

/** `npm run plan-rotation -- --stack lab ...`, from the test's project root. */
function run(args: string[]) {
  const result = runProjectTool("plan-rotation", ["--stack", "lab", ...args], { cwd: dir, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Applies each step's patch in order (as merged pull requests) and returns the files after each. */
function applyAll(out: string): { step: string; files: Record<string, unknown> }[] {
  return fs
    .readdirSync(path.join(dir, out))
    .sort()
    .map((step) => {
      if (fs.existsSync(path.join(dir, out, step, "changes.patch")))
        execFileSync("git", ["apply", path.join(out, step, "changes.patch")], { cwd: dir });
      return {
        step,
        files: {
          meters: parse(fs.readFileSync(path.join(dir, "manifests", "meters.yaml"), "utf8")),
          chargers: parse(fs.readFileSync(path.join(dir, "manifests", "chargers.yaml"), "utf8")),
        },
      };
    });
}
const group = (files: Record<string, unknown>, file: "meters" | "chargers", id: string) =>
  (
    files[file] as { enrollmentGroups: { enrollmentGroupId: string; attestation: Record<string, unknown> }[] }
  ).enrollmentGroups.find((g) => g.enrollmentGroupId === id)!.attestation;
const individual = (files: Record<string, unknown>, file: "meters" | "chargers", id: string) =>
  (
    files[file] as {
      individualEnrollments: { registrationId: string; attestation: Record<string, unknown> }[];
    }
  ).individualEnrollments.find((g) => g.registrationId === id)!.attestation;

describe("plan-rotation, symmetric keys", () => {
  it("replaces a group's secondary key, then its primary key: one key per pull request", () => {
    const { code, stdout } = run(["--enrollment", "meters", "--generation", "20261207", "--out", "plan"]);
    expect(stdout).toBe(
      "2 pull request(s), in this order:\n" +
        "  1. Replace the secondary key of meters  (plan/1-replace-secondary-key)\n" +
        "  2. Replace the primary key of meters  (plan/2-replace-primary-key)\n",
    );
    expect(code).toBe(0);
    const after = applyAll("plan");
    expect(after.map(({ files }) => group(files, "meters", "meters")["symmetricKey"])).toEqual([
      { primaryKeySecret: "meterKeyA", secondaryKeySecret: "meterKeyB-20261207" },
      { primaryKeySecret: "meterKeyA-20261207", secondaryKeySecret: "meterKeyB-20261207" },
    ]);
    // Only the one line changes: the comment and the flow style stay as written.
    expect(
      fs.readFileSync(path.join(dir, "plan", "1-replace-secondary-key", "changes.patch"), "utf8"),
    ).toContain(
      "-      symmetricKey: { primaryKeySecret: meterKeyA, secondaryKeySecret: meterKeyB } # the factory's keys\n" +
        "+      symmetricKey: { primaryKeySecret: meterKeyA, secondaryKeySecret: meterKeyB-20261207 } # the factory's keys\n",
    );
    const first = fs.readFileSync(
      path.join(dir, "plan", "1-replace-secondary-key", "PULL_REQUEST.md"),
      "utf8",
    );
    expect(first).toContain(
      "openssl rand -base64 64 | tr -d '\\n' | npm run --silent pulumi -- config set --secret meterKeyB-20261207 -s lab\n",
    );
    expect(first).toContain(
      "npm run --silent pulumi -- config get meterKeyB-20261207 -s lab | npm run --silent derive-device-key -- --ids-file plan/1-replace-secondary-key/device-ids.txt > plan/1-replace-secondary-key/new-device-keys.txt\n",
    );
    expect(first).toContain(
      'Step "replace-primary-key" must not merge before every device uses its new key.',
    );
  });

  it("first names the keys DPS generated, so that one can change at a time", () => {
    const { code, stdout } = run(["--enrollment", "bench-01", "--generation", "r2", "--out", "plan"]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "1. Name the current keys of bench-01 as stack secrets  (plan/1-declare-current-keys)",
    );
    const after = applyAll("plan");
    expect(after.map(({ files }) => individual(files, "meters", "bench-01")["symmetricKey"])).toEqual([
      { primaryKeySecret: "deviceKey-bench-01-primary", secondaryKeySecret: "deviceKey-bench-01-secondary" },
      {
        primaryKeySecret: "deviceKey-bench-01-primary",
        secondaryKeySecret: "deviceKey-bench-01-secondary-r2",
      },
      {
        primaryKeySecret: "deviceKey-bench-01-primary-r2",
        secondaryKeySecret: "deviceKey-bench-01-secondary-r2",
      },
    ]);
    expect(
      fs.readFileSync(path.join(dir, "plan", "1-declare-current-keys", "PULL_REQUEST.md"), "utf8"),
    ).toContain(
      "npm run --silent enrollment-key -- --stack lab bench-01 primary | npm run --silent pulumi -- config set --secret deviceKey-bench-01-primary -s lab\n",
    );
  });
});

describe("plan-rotation, an X.509 group's CA", () => {
  it("uploads the new CA as secondary, switches, then retires the old CA", () => {
    const { code, stdout } = run([
      "--enrollment",
      "chargers",
      "--new-ca",
      "charger-ca-2026",
      "--certificate",
      "certs/charger-ca-2026.pem",
      "--out",
      "plan",
    ]);
    expect(stdout).toBe(
      "3 pull request(s), in this order:\n" +
        "  1. Add CA charger-ca-2026 as the secondary CA of chargers  (plan/1-add-new-ca)\n" +
        "  2. Switch chargers to CA charger-ca-2026  (plan/2-switch-to-new-ca)\n" +
        "  3. Retire CA charger-ca  (plan/3-retire-old-ca)\n",
    );
    expect(code).toBe(0);
    // The other group references its own CA, which this plan never touches.
    const after = applyAll("plan");
    expect(after.map(({ files }) => group(files, "chargers", "chargers")["x509"])).toEqual([
      { caReferences: { primary: "charger-ca", secondary: "charger-ca-2026" } },
      { caReferences: { primary: "charger-ca-2026" } },
      { caReferences: { primary: "charger-ca-2026" } },
    ]);
    expect(group(after[2]!.files, "chargers", "chargers-eu")["x509"]).toEqual({
      caReferences: { primary: "charger-ca-eu" },
    });
    // The stack's CA certificates change through `pulumi config` (which rewrites the file), not a patch.
    expect(fs.readFileSync(path.join(dir, "Pulumi.lab.yaml"), "utf8")).toBe(stackFile());
    expect(fs.readFileSync(path.join(dir, "plan", "1-add-new-ca", "PULL_REQUEST.md"), "utf8")).toContain(
      `npm run --silent pulumi -- config set --path 'dps-as-code:dps.caCertificates["charger-ca-2026"].certificatePath' certs/charger-ca-2026.pem -s lab\n`,
    );
    expect(fs.readFileSync(path.join(dir, "plan", "3-retire-old-ca", "PULL_REQUEST.md"), "utf8")).toContain(
      `npm run --silent pulumi -- config rm --path 'dps-as-code:dps.caCertificates["charger-ca"]' -s lab\n`,
    );
  });

  it("leaves the old CA in place while another group references it", () => {
    fs.writeFileSync(
      path.join(dir, "manifests", "chargers.yaml"),
      MANIFESTS["chargers.yaml"].replace("primary: charger-ca-eu", "primary: charger-ca"),
    );
    const { code, stdout } = run([
      "--enrollment",
      "chargers",
      "--new-ca",
      "charger-ca-2026",
      "--certificate",
      "certs/charger-ca-2026.pem",
      "--out",
      "plan",
    ]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("Retire");
    expect(
      fs.readFileSync(path.join(dir, "plan", "2-switch-to-new-ca", "PULL_REQUEST.md"), "utf8"),
    ).toContain(
      "The CA `charger-ca` is not retired by this plan: enrollment group `chargers-eu` still references it.",
    );
  });

  it("refuses a group whose secondary slot is taken, and a CA name already in use", () => {
    fs.writeFileSync(
      path.join(dir, "manifests", "chargers.yaml"),
      MANIFESTS["chargers.yaml"].replace(
        "{ primary: charger-ca }",
        "{ primary: charger-ca, secondary: charger-ca-eu }",
      ),
    );
    expect(
      run([
        "--enrollment",
        "chargers",
        "--new-ca",
        "charger-ca-2026",
        "--certificate",
        "certs/charger-ca-2026.pem",
      ]).stderr,
    ).toBe(
      'plan-rotation: enrollment group "chargers" references two CAs already ("charger-ca" and "charger-ca-eu"): a rotation needs the secondary slot free. Finish the earlier rotation first (reference only the CA its devices use)\n',
    );
    fs.writeFileSync(path.join(dir, "manifests", "chargers.yaml"), MANIFESTS["chargers.yaml"]);
    const same = run(["--enrollment", "chargers", "--new-ca", "charger-ca"]);
    expect(same.stderr).toBe('plan-rotation: --new-ca "charger-ca" is the CA the group references already\n');
    expect(same.code).toBe(1);
  });
});

describe("plan-rotation, an individual enrollment's certificate", () => {
  it("adds the new certificate as secondary, then makes it the only one", () => {
    const { code, stdout } = run([
      "--enrollment",
      "monitor-01",
      "--certificate",
      "certs/monitor-01-2026.pem",
      "--out",
      "plan",
    ]);
    expect(stdout).toBe(
      "2 pull request(s), in this order:\n" +
        "  1. Add the new certificate of monitor-01 as secondary  (plan/1-add-secondary-certificate)\n" +
        "  2. Make the new certificate of monitor-01 its only one  (plan/2-promote-new-certificate)\n",
    );
    expect(code).toBe(0);
    const after = applyAll("plan");
    expect(after.map(({ files }) => individual(files, "chargers", "monitor-01")["x509"])).toEqual([
      {
        clientCertificates: {
          primary: { certificateFile: "../certs/monitor-01.pem" },
          secondary: { certificateFile: "../certs/monitor-01-2026.pem" },
        },
      },
      { clientCertificates: { primary: { certificateFile: "../certs/monitor-01-2026.pem" } } },
    ]);
  });

  it("refuses a certificate of another device (DPS reads the registration id from the CN)", () => {
    const { code, stderr } = run(["--enrollment", "monitor-01", "--certificate", "certs/monitor-02.pem"]);
    expect(stderr).toBe(
      'plan-rotation: certs/monitor-02.pem: its subject CN is "monitor-02", not "monitor-01": DPS takes the registration id from the CN, so the device would register as another device\n',
    );
    expect(code).toBe(1);
  });
});

describe("plan-rotation, bad input", () => {
  it.each([
    [
      ["--enrollment", "nobody"],
      'plan-rotation: no individual enrollment or enrollment group "nobody" in the manifests\n',
      1,
    ],
    [
      ["--enrollment", "meters", "--kind", "ca"],
      'plan-rotation: --kind ca rotates the DPS CA certificate an X.509 enrollment group names in caReferences; enrollment group "meters" has none\n',
      1,
    ],
    [
      ["--enrollment", "chargers", "--kind", "symmetric-key"],
      'plan-rotation: enrollment group "chargers" uses x509 attestation, not symmetric keys: use --kind ca\n',
      1,
    ],
    [
      ["--enrollment", "meters", "--kind", "keys"],
      'plan-rotation: --kind "keys" is not allowed; allowed: symmetric-key, ca, certificate\n',
      2,
    ],
    [
      ["--enrollment", "monitor-01", "--certificate", "certs/no-such.pem"],
      "plan-rotation: cannot read certs/no-such.pem: no such file\n",
      1,
    ],
  ])("%j", (args, message, exit) => {
    const { code, stderr } = run(args);
    expect(stderr.split("\nusage:")[0]!.replace(/\n?$/, "\n")).toBe(message);
    expect(code).toBe(exit);
  });
});
