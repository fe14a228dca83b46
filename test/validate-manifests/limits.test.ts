// DPS's limits as DPS has them (contract/dps/limits.ts; learn.microsoft.com/azure/iot-dps/about-iot-dps
// #quotas-and-limits, the "Adjustable?" column): past an adjustable one (X.509 groups, CA
// certificates) validate-manifests warns and exits 0, and a stack whose DPS was raised says so
// in `dps-as-code:dpsLimits`; past a fixed one (symmetric-key groups) it refuses. Run as a user
// runs it, against a stack file in a temporary folder.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runValidateManifests } from "../../scripts/validate-manifests/command";

const caPem = fs.readFileSync(path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"), "utf8");

/** A stack `limits` with one declared CA plus `existingCas` more, and its manifest of groups. */
function stackWith(options: { x509Groups: number; existingCas?: number; dpsLimits?: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-limits-"));
  fs.writeFileSync(path.join(dir, "root-ca.pem"), caPem);
  const existing = Array.from(
    { length: options.existingCas ?? 0 },
    (_, i) => `      old-${i}: { existing: true }`,
  );
  fs.writeFileSync(
    path.join(dir, "Pulumi.limits.yaml"),
    [
      "config:",
      "  dps-as-code:environment: limits",
      "  dps-as-code:location: westeurope",
      "  dps-as-code:enrollmentManifests: manifests",
      "  dps-as-code:hubs:",
      "    weu: {}",
      "  dps-as-code:dps:",
      "    caCertificates:",
      "      root: { certificatePath: root-ca.pem }",
      ...existing,
      ...(options.dpsLimits ? [`  dps-as-code:dpsLimits: ${options.dpsLimits}`] : []),
      "",
    ].join("\n"),
  );
  fs.mkdirSync(path.join(dir, "manifests"));
  const groups = Array.from(
    { length: options.x509Groups },
    (_, i) =>
      `  - { enrollmentGroupId: line-${String(i + 1).padStart(3, "0")}, attestation: { type: x509, x509: { caReferences: { primary: root } } } }`,
  );
  fs.writeFileSync(
    path.join(dir, "manifests", "lines.yaml"),
    ["enrollmentGroups:", ...groups, ""].join("\n"),
  );
  return dir;
}

function validate(dir: string) {
  let stdout = "";
  let stderr = "";
  const code = runValidateManifests(["--stack", "limits"], {
    cwd: dir,
    env: {},
    write: (stream, text) => (stream === "stdout" ? (stdout += text) : (stderr += text)),
  });
  return { code, stdout, stderr };
}

/** The warning lines, with the temporary folder cut from paths. */
const warnings = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("warning: "))
    .map((l) => l.replace(/\/\S*\/dps-limits-[^/]+\//, ""));

describe("validate-manifests against DPS's limits", () => {
  it("warns at the 101st X.509 group, naming file, line, group, field and the key that raises the limit, and exits 0", () => {
    const run = validate(stackWith({ x509Groups: 101 }));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(warnings(run.stdout)).toEqual([
      "warning: manifests/lines.yaml:102:1: enrollment group 'line-101': field 'attestation.type': 101 X.509 enrollment groups exceed DPS's default limit of 100, so DPS will refuse the ones past it unless Microsoft has raised this DPS's limit; allowed: at most 100 per DPS, or more once Microsoft raised the limit (an adjustable DPS limit: open an Azure support request), then set dps-as-code:dpsLimits.x509EnrollmentGroups in the stack's Pulumi.<stack>.yaml to the raised value",
    ]);
  });

  it("says nothing once the stack declares its DPS's raised limit", () => {
    const run = validate(stackWith({ x509Groups: 101, dpsLimits: "{ x509EnrollmentGroups: 200 }" }));
    expect(run.code).toBe(0);
    expect(warnings(run.stdout)).toEqual([]);
  });

  it("warns about a 26th CA certificate in the stack config, and not once raised", () => {
    expect(warnings(validate(stackWith({ x509Groups: 1, existingCas: 25 })).stdout)).toEqual([
      "warning: dps-as-code:dps.caCertificates: 26 CA certificates exceed DPS's default limit of 25, so DPS will refuse the ones past it unless Microsoft has raised this DPS's limit; allowed: at most 25 per DPS, or more once Microsoft raised the limit (an adjustable DPS limit: open an Azure support request), then set dps-as-code:dpsLimits.caCertificates in the stack's Pulumi.<stack>.yaml to the raised value",
    ]);
    const raised = validate(
      stackWith({ x509Groups: 1, existingCas: 25, dpsLimits: "{ caCertificates: 30 }" }),
    );
    expect(warnings(raised.stdout)).toEqual([]);
  });

  it("refuses a raise of a fixed limit in the stack file, naming the key", () => {
    const run = validate(stackWith({ x509Groups: 1, dpsLimits: "{ symmetricKeyEnrollmentGroups: 200 }" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "dps-as-code:dpsLimits.symmetricKeyEnrollmentGroups: DPS's limit of 100 symmetric-key enrollment groups is fixed",
    );
  });
});
