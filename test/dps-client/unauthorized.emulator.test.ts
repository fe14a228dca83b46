// A 401 from DPS as the enrollment providers meet it: the DPS client (Microsoft's service SDK)
// against the emulator, signing in with Microsoft Entra ID (bearer tokens) or a shared key,
// behind DPS's IP filter. DPS answers a role that has not reached it yet, a missing role and its
// IP filter with the same 401, so the message names both causes, with what to do for each; a
// 401 within the propagation window after the role assignment is waited for until the window
// closes (ROLE_PROPAGATION_WINDOW_MS, the figure the READMEs state), and no longer.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDpsClient, type DpsClientOptions } from "../../components/dps-client/client";
import { ROLE_PROPAGATION_WINDOW_MS } from "../../components/dps-client/unauthorized";
import type { EmulatorConfig, RunningEmulator } from "../../emulator";
import type { EntraIdentity } from "../../emulator/auth/entra";
import { startTestEmulator } from "../../testkit/emulator";
import { projectRoot } from "../../testkit/find-engine";

const TOKEN = "entra-token-of-the-pipeline";
const CONTRIBUTOR = "Device Provisioning Service Data Contributor" as const;
/** The emulator's own address: an IP filter that rejects it stands for a machine outside the filter. */
const REJECT_THIS_MACHINE = [
  { filterName: "pipeline-only", action: "Reject" as const, ipMask: "127.0.0.0/8" },
];

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(identities: EntraIdentity[], config: EmulatorConfig = {}) {
  emulator = await startTestEmulator({ config: { ...config, entraIdentities: identities } });
  return emulator;
}

/** The client as the providers make it, with a token credential that hands out TOKEN. */
function entraClient(dps: RunningEmulator, roleAssignedAt: string | undefined) {
  const options: DpsClientOptions = {
    retryPolicy: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 400, totalBudgetMs: 1_000 },
    tokenCredential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
  };
  return createDpsClient(
    {
      serviceEndpoint: dps.serviceHost,
      useEntraId: true,
      trustedCaCertificate: fs.readFileSync(dps.caCertPath, "utf8"),
      ...(roleAssignedAt ? { roleAssignedAt } : {}),
    },
    options,
  );
}

/** A role assignment made so long ago that `remainingMs` of the propagation window are left. */
const assignedWithRemaining = (remainingMs: number) =>
  new Date(Date.now() - ROLE_PROPAGATION_WINDOW_MS + remainingMs).toISOString();

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: Error & { attempts?: number }) => error,
  );

const BOTH_CAUSES = (assignedAt: string) =>
  `. DPS answers 401 for two causes and does not say which: (1) the identity's role on this DPS, assigned at ${assignedAt}, has not reached DPS (Azure takes up to 10 minutes, and the call was retried until then): check that the identity holds Device Provisioning Service Data Contributor on this DPS, then run \`pulumi up\` again; ` +
  "(2) the DPS's IP filter refuses this machine's address (DPS's 401 never names the rule): run from an address its service-API rule admits (prod: the dps-prod runner, see components/platform/README.md).";

describe("a 401 from DPS with Microsoft Entra ID", () => {
  it("is waited for while the role assignment propagates, and the call succeeds once the role reaches DPS", async () => {
    // The role takes effect 8 s from now: after the emulator has started, even on a busy machine.
    const dps = await start([
      { token: TOKEN, role: CONTRIBUTOR, roleEffectiveAt: new Date(Date.now() + 8_000).toISOString() },
    ]);
    const client = entraClient(dps, assignedWithRemaining(60_000));
    // Longer than the retry budget and the transient-fault attempts allow: propagation is waited for.
    await expect(client.get("individual", "not-there")).resolves.toBeUndefined();
    expect(dps.inspect.stats().byStatus["401"]).toBeGreaterThan(3);
  });

  it("is waited for until the propagation window closes, and no longer; then names both causes and what to do for each", async () => {
    // The role never reaches DPS (the identity has none).
    const dps = await start([{ token: TOKEN }]);
    const remainingMs = 2_500;
    const assignedAt = assignedWithRemaining(remainingMs);
    const started = Date.now();
    const error = await failureOf(entraClient(dps, assignedAt).get("individual", "dev-1"));
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(remainingMs - 200);
    // The last attempt starts when the window closes; its answer may take a moment on a busy machine.
    expect(waited).toBeLessThan(remainingMs + 5_000);
    expect(error.message).toMatch(
      new RegExp(
        `^get individual enrollment "dev-1" on DPS \\S+ failed: DPS kept refusing the credential \\(401\\) until 10 minutes after the role assignment \\(${assignedAt.replace(/[.]/g, "\\.")}\\), the longest Azure takes to apply one: gave up after \\d+ attempts over \\d+\\.\\ds; last failure: HTTP 401 \\(errorCode 401000; Unauthorized; trackingId [^)]+\\)\\. `,
      ),
    );
    expect(error.message.endsWith(BOTH_CAUSES(assignedAt))).toBe(true);
    expect(error.attempts).toBeGreaterThan(1);
  });

  it("behind the IP filter, within the window: the same wait and the same two causes (the body never names the filter)", async () => {
    const dps = await start([{ token: TOKEN, role: CONTRIBUTOR }], { ipFilterRules: REJECT_THIS_MACHINE });
    const assignedAt = assignedWithRemaining(1_000);
    const error = await failureOf(entraClient(dps, assignedAt).get("individual", "dev-2"));
    expect(error.message).toContain("HTTP 401 (errorCode 401000; Unauthorized;");
    expect(error.message.endsWith(BOTH_CAUSES(assignedAt))).toBe(true);
  });

  it.each([
    ["the role was assigned before the window", () => assignedWithRemaining(-60_000)],
    ["no time of assignment is known", () => undefined],
  ])("is final at once when %s, naming both causes", async (_case, assignedAt) => {
    const dps = await start([{ token: TOKEN }]);
    const at = assignedAt();
    const error = await failureOf(entraClient(dps, at).get("individual", "dev-3"));
    expect(error.attempts).toBe(1);
    expect(dps.inspect.stats().byStatus["401"]).toBe(1);
    expect(error.message).toMatch(
      /^get individual enrollment "dev-3" on DPS \S+ failed: HTTP 401 \(errorCode 401000; Unauthorized; trackingId [^)]+\)\. DPS answers 401 for two causes and does not say which: \(1\) /,
    );
    expect(error.message).toContain(
      at
        ? `(1) the identity's role on this DPS, assigned at ${at}, has not reached DPS (Azure takes up to 10 minutes, and the call was retried until then)`
        : "(1) the identity has no data-plane role on this DPS yet: assign it Device Provisioning Service Data Contributor on this DPS (a new assignment takes up to 10 minutes to reach DPS), then run `pulumi up` again",
    );
    expect(error.message).toContain(
      "(2) the DPS's IP filter refuses this machine's address (DPS's 401 never names the rule): run from an address its service-API rule admits",
    );
  });

  it("works once the role has taken effect, through the same client", async () => {
    const dps = await start([{ token: TOKEN, role: CONTRIBUTOR }]);
    await expect(
      entraClient(dps, assignedWithRemaining(60_000)).get("individual", "dev-4"),
    ).resolves.toBeUndefined();
    expect(dps.inspect.stats().byStatus["401"] ?? 0).toBe(0);
  });
});

describe("the wait the READMEs state", () => {
  it("is the window the client waits for", () => {
    const minutes = ROLE_PROPAGATION_WINDOW_MS / 60_000;
    const words: Record<number, string> = { 5: "five", 10: "ten", 15: "fifteen" };
    for (const file of ["components/platform/README.md", "components/enrollments/README.md"]) {
      const text = fs.readFileSync(path.join(projectRoot, file), "utf8").replace(/\s+/g, " ");
      expect(text, file).toContain(`within ${words[minutes]} minutes of`);
      expect(text, file).toContain(`retried until those ${words[minutes]} minutes are over`);
    }
  });
});

describe("a 401 from DPS with a shared key", () => {
  it("behind the IP filter: not retried, names the key and the IP filter with what to do for each", async () => {
    const dps = await start([], { ipFilterRules: REJECT_THIS_MACHINE });
    const client = createDpsClient(
      {
        serviceEndpoint: dps.serviceHost,
        connectionString: dps.connectionString,
        trustedCaCertificate: fs.readFileSync(dps.caCertPath, "utf8"),
      },
      { retryPolicy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20, totalBudgetMs: 1_000 } },
    );
    const error = await failureOf(client.get("individual", "dev-5"));
    expect(error.attempts).toBe(1);
    expect(error.message).toContain(
      ". Not retried: either dps.connectionString is wrong (its policy name and key must be those of a shared access policy of this DPS with EnrollmentWrite), or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which; run from an address its service-API rule admits).",
    );
  });
});
