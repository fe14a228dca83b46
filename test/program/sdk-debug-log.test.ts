// components/sdk-debug-log.ts: the program passes the SDK's debug messages on without an RPC
// answer's payload (a resource's outputs, secrets in plaintext) and bounded in length.
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { boundedDebugMessage, boundSdkDebugLog, MAX_DEBUG_MESSAGE } from "../../components/sdk-debug-log";

const sdkRoot = path.dirname(createRequire(__filename).resolve("@pulumi/pulumi/package.json"));

describe("boundedDebugMessage", () => {
  it("keeps an RPC-finished line up to its answer and says how long the answer was", () => {
    const answer = `urn,id,[["keys",{"value":"${"k".repeat(50_000)}"}]]`;
    const message = `RegisterResource RPC finished: resource:enrollment-set-00[dps:EnrollmentSet]; err: null, resp: ${answer}`;
    const bounded = boundedDebugMessage(message);
    expect(bounded).toBe(
      `RegisterResource RPC finished: resource:enrollment-set-00[dps:EnrollmentSet]; err: null, resp: (${answer.length} characters, not logged by dps-as-code: a resource's outputs, secrets included)`,
    );
    expect(bounded).not.toContain("kkkk");
  });

  it("passes other messages whole up to the bound, and cuts longer ones", () => {
    expect(boundedDebugMessage("Registering resource: t=dps:EnrollmentSet")).toBe(
      "Registering resource: t=dps:EnrollmentSet",
    );
    const long = "x".repeat(MAX_DEBUG_MESSAGE + 10);
    expect(boundedDebugMessage(long)).toBe(
      `${"x".repeat(MAX_DEBUG_MESSAGE)}... (${MAX_DEBUG_MESSAGE + 10} characters, cut by dps-as-code)`,
    );
  });
});

describe("boundSdkDebugLog", () => {
  it("replaces the debug export the SDK's own modules call, once", () => {
    const sdkLog = createRequire(__filename)("@pulumi/pulumi/log") as { debug: unknown };
    const before = sdkLog.debug;
    boundSdkDebugLog();
    const after = sdkLog.debug;
    expect(after).not.toBe(before);
    boundSdkDebugLog();
    expect(sdkLog.debug).toBe(after);
  });

  it("relies on the SDK calling log.debug through the log module's exports, answers included", () => {
    // If an SDK upgrade binds debug differently, the replacement above would not reach it.
    const resource = fs.readFileSync(path.join(sdkRoot, "runtime", "resource.js"), "utf8");
    expect(resource).toMatch(/const log = __importStar\(require\("\.\.\/log"\)\);/);
    expect(resource).toContain(
      "log.debug(`RegisterResource RPC finished: ${label}; err: ${rpcErr}, resp: ${innerResponse}`);",
    );
    const log = fs.readFileSync(path.join(sdkRoot, "log", "index.js"), "utf8");
    expect(log).toContain("if (mod && mod.__esModule) return mod;");
  });
});
