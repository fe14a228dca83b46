import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

// Pulumi serialises the provider object into state; under vitest the module graph is transformed,
// so the real check runs in a plain node child process (test/support/serialize-provider.ts).
describe("enrollment provider serialisation", () => {
  it("serialises without secrets or top-level SDK requires, and works after loading back", () => {
    const stdout = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "test/support/serialize-provider.ts"], {
      cwd: root,
      encoding: "utf8",
    });
    const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
    for (const [kind, idField] of [["individual", "registrationId"], ["group", "enrollmentGroupId"]] as const) {
      expect(result[kind]).toMatchObject({
        containsSecrets: false,
        methods: ["check", "create", "delete", "diff", "read", "update"],
        checkFailures: [idField],
        replaces: [idField],
        requiresSdkAtTopLevel: false,
      });
      expect(result[kind].bytes).toBeLessThan(200_000);
      const subject = kind === "individual" ? 'individual enrollment "probe"' : 'enrollment group "probe"';
      expect(result[kind].errorMessage).toMatch(
        new RegExp(`^DpsCallError: get ${subject} on DPS 127\\.0\\.0\\.1:1 failed: DPS kept failing with transient errors: gave up after \\d+ attempts? over \\d+\\.\\ds.*; last failure: ECONNREFUSED`),
      );
    }
  });
});
