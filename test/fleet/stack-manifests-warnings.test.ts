// The program's side of DPS's adjustable limits: loading a stack's manifests logs, as warnings of
// the run, the X.509 groups past the stack's limit and the CA certificates past its DPS's, and
// nothing once `dps-as-code:dpsLimits` says the DPS was raised (contract/dps/limits.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_STACK_COUNT_LIMITS, type StackCountLimits } from "@dps-as-code/contract";
import type { StackFacts } from "../../components/config/platform-config";
import { loadStackManifests } from "../../components/fleet/stack-manifests";

const caPem = fs.readFileSync(path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"), "utf8");

function stack(
  x509Groups: number,
  dpsLimits: StackCountLimits,
  existingCas = 0,
): { facts: StackFacts; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-program-limits-"));
  fs.mkdirSync(path.join(dir, "manifests"));
  const groups = Array.from(
    { length: x509Groups },
    (_, i) =>
      `  - { enrollmentGroupId: line-${i + 1}, attestation: { type: x509, x509: { caReferences: { primary: root } } } }`,
  );
  fs.writeFileSync(
    path.join(dir, "manifests", "lines.yaml"),
    ["enrollmentGroups:", ...groups, ""].join("\n"),
  );
  const facts: StackFacts = {
    environment: "dev",
    namePrefix: "dpsac",
    target: { kind: "azure" },
    hubs: [],
    dps: {
      caCertificates: [{ name: "root", certificate: caPem, verified: true }],
      existingCaCertificateNames: Array.from({ length: existingCas }, (_, i) => `old-${i}`),
    },
    enrollmentManifests: "manifests",
    certificateExpiryWarningDays: 30,
    enrollmentSets: { threshold: 500, shards: 32, operationsPerMinute: 1000 },
    dpsLimits,
  };
  return { facts, dir };
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
    "dps-as-code",
    "dev",
    false,
  );
});
afterEach(() => vi.restoreAllMocks());

function warningsOf(facts: StackFacts, dir: string): string[] {
  const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue(undefined);
  // As the program passes them: its directory, and the process's working directory.
  loadStackManifests(facts, { programDir: dir, workingDir: process.cwd() });
  return warn.mock.calls.map((c) => String(c[0]));
}

describe("loadStackManifests and DPS's adjustable limits", () => {
  it("logs a warning at the 101st X.509 group and at the 26th CA certificate, and loads every group", () => {
    const { facts, dir } = stack(101, DEFAULT_STACK_COUNT_LIMITS, 25);
    const warnings = warningsOf(facts, dir);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^dps-as-code:dps\.caCertificates: 26 CA certificates exceed DPS's default limit of 25/,
      ),
      expect.stringMatching(
        /manifests\/lines\.yaml:102:1: enrollment group 'line-101': field 'attestation\.type': 101 X\.509 enrollment groups exceed DPS's default limit of 100/,
      ),
    ]);
  });

  it("logs nothing once the stack states its DPS's raised limits", () => {
    const { facts, dir } = stack(101, { x509EnrollmentGroups: 200, caCertificates: 30 }, 25);
    expect(warningsOf(facts, dir)).toEqual([]);
  });
});
