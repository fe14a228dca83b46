import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { providerReference } from "@dps-as-code/contract";

const root = path.resolve(__dirname, "../..");

/**
 * Loads `__provider` texts the way the dynamic-provider host does (require-from-string, no file
 * name, in the project directory), in a plain node process with no TypeScript hook registered,
 * and calls the pure methods. Prints one JSON line.
 */
const HOST_SCRIPT = `
const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
(async () => {
  const hookBefore = require.extensions[".ts"] !== undefined;
  const result = { hookBefore };
  for (const [kind, text] of JSON.parse(process.env.STUBS)) {
    const loaded = requireFromString(text).handler();
    if (kind === "set") {
      // One entry with a bad id: check names the entry and the field; diff of a moved DPS replaces the set.
      const check = await loaded.check({}, { shard: "0-of-1", dps: { serviceEndpoint: "localhost:1", useEntraId: true }, enrollments: { "bad id!": { attestation: { type: "symmetricKey" } } } });
      const diff = await loaded.diff("0-of-1", { shard: "0-of-1", dps: { serviceEndpoint: "h" }, enrollments: {} }, { shard: "0-of-1", dps: { serviceEndpoint: "other" }, enrollments: {} });
      result[kind] = { methods: Object.keys(loaded).sort(), checkFailures: check.failures.map((f) => f.property), replaces: diff.replaces };
      continue;
    }
    const idField = kind === "individual" ? "registrationId" : "enrollmentGroupId";
    const check = await loaded.check({}, { [idField]: "bad id!", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "localhost:1", useEntraId: true } });
    const diff = await loaded.diff("x", { [idField]: "a", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "h" } }, { [idField]: "b", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "h" } });
    // A DPS error keeps its name and message through the host. Nothing listens on port 1.
    process.env.DPS_RETRY_BUDGET_SECONDS = "1";
    const probe = { [idField]: "probe", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "127.0.0.1:1", connectionString: "HostName=127.0.0.1:1;SharedAccessKeyName=p;SharedAccessKey=cHJvYmUta2V5LXByb2Jl" } };
    const errorMessage = await loaded.read("probe", probe).then(() => "no error", (error) => error.name + ": " + error.message);
    result[kind] = { methods: Object.keys(loaded).sort(), checkFailures: check.failures.map((f) => f.property), replaces: diff.replaces, errorMessage };
  }
  process.stdout.write(JSON.stringify(result) + "\\n");
})().catch((error) => { process.stdout.write(JSON.stringify({ error: String(error && error.stack || error) }) + "\\n"); process.exit(1); });
`;

describe("enrollment provider reference (the stored __provider)", () => {
  const stubs = [
    ["individual", providerReference("IndividualEnrollment")],
    ["group", providerReference("EnrollmentGroup")],
    ["set", providerReference("EnrollmentSet")],
  ] as const;

  it("is a few hundred bytes naming the project's provider entry and the provider's stable name, with no folder and nothing secret or machine-specific", () => {
    for (const [kind, text] of stubs) {
      expect(text.length).toBeLessThan(600);
      expect(text).toContain('require(require("path").resolve("dynamic-providers.js"))');
      expect(text).toContain(
        `.provider("${kind === "set" ? "EnrollmentSet" : kind === "individual" ? "IndividualEnrollment" : "EnrollmentGroup"}")`,
      );
      expect(text).not.toContain("components/");
      expect(text).not.toContain(root);
      expect(text).not.toMatch(/SharedAccessKey|BEGIN CERTIFICATE|HostName=/);
    }
  });

  it("loads the TypeScript provider in a plain node process started in the project directory, with an empty transpile cache and then a warm one", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dps-transpile-cache-"));
    try {
      for (const cache of ["cold", "warm"]) {
        const stdout = execFileSync(process.execPath, ["-e", HOST_SCRIPT], {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, TMPDIR: tmp, STUBS: JSON.stringify(stubs) },
        });
        const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
        expect(result.hookBefore, cache).toBe(false);
        for (const [kind, idField] of [
          ["individual", "registrationId"],
          ["group", "enrollmentGroupId"],
        ] as const) {
          expect(result[kind], cache).toMatchObject({
            methods: ["check", "create", "delete", "diff", "read", "update"],
            checkFailures: [idField],
            replaces: [idField],
          });
          const subject =
            kind === "individual" ? 'individual enrollment "probe"' : 'enrollment group "probe"';
          expect(result[kind].errorMessage, cache).toMatch(
            new RegExp(`^\\w*Error: get ${subject} on DPS 127\\.0\\.0\\.1:1 failed: .*ECONNREFUSED`),
          );
        }
        expect(result.set, cache).toEqual({
          methods: ["check", "create", "delete", "diff", "read", "update"],
          checkFailures: ['enrollments["bad id!"].registrationId'],
          replaces: ["dps"],
        });
        const cached = fs
          .readdirSync(tmp, { recursive: true })
          .filter((name) => String(name).endsWith(".js"));
        expect(cached.length, cache).toBeGreaterThan(5);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
