import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

/** Runs test/enrollments/resource-mocks.ts in plain node (vitest's module transform breaks closure serialisation). */
function constructUnderMocks(groupCount: number): Record<string, unknown> {
  let stdout: string;
  try {
    stdout = execFileSync(
      process.execPath,
      ["-r", "./scripts/register-typescript.js", "test/enrollments/resource-mocks.ts", String(groupCount)],
      { cwd: root, encoding: "utf8" },
    );
  } catch (error) {
    stdout = String((error as { stdout?: string }).stdout ?? "");
  }
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
}

describe("IndividualEnrollment and EnrollmentGroup resources", () => {
  it("register with the contract's type tokens, a serialised provider, and the connection kept secret", () => {
    const result = constructUnderMocks(1);
    expect(result).toMatchObject({ resources: 2, dpsIsSecret: true, serviceEndpoint: "localhost:1" });
    const seen = result.seen as { type: string; name: string; hasProvider: boolean; inputKeys: string[] }[];
    expect(seen.map((s) => [s.type, s.name, s.hasProvider])).toEqual([
      ["pulumi-nodejs:dynamic/dps:IndividualEnrollment", "dev-1", true],
      ["pulumi-nodejs:dynamic/dps:EnrollmentGroup", "g-0", true],
    ]);
    // Output placeholders are undefined, so the monitor sees only the declared inputs and the provider.
    expect(seen[0]?.inputKeys).toEqual(["__provider", "attestation", "dps", "owner", "registrationId"]);
  });

  it("fails the program when more than 100 symmetric-key groups target one DPS", () => {
    expect(constructUnderMocks(101)).toEqual({
      unhandled:
        'error serializing property "attestation": enrollment group resource "g-100": DPS localhost:1: too many symmetric-key enrollment groups: 101 in this program; allowed: at most 100 per DPS (a fixed DPS limit, not raised on request; use more devices per group, individual enrollments, or another DPS)',
    });
  }, 120_000);
});
