// Every error the enrollment provider raises, through the real engine, as the user reads it in
// `pulumi up`: the provider's own message (operation, enrollment, DPS, status, DPS's error code
// and message, what to do), never a TypeError or an error that lost its message on its way from
// the provider process to the engine. DPS's answers come from the emulator: real ones
// where the emulator can produce them (412, TLS), scripted faults for the rest.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator, ScriptedFault } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { diagnosticsOf, exactText } from "../../testkit/engine-output";
import { symmetricKeyDevicesManifest } from "../../testkit/manifests";

/** Budgets small enough for a test: 3 s without a successful DPS call, 1 s per request. */
const FAST = { DPS_RETRY_BUDGET_SECONDS: "3", DPS_REQUEST_TIMEOUT_SECONDS: "1" };
const error = (status: number, errorCode: number, message: string, retryAfterSeconds?: number) => ({
  status,
  errorCode,
  message,
  ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
});
const FAULTS: ScriptedFault[] = [
  {
    path: "/enrollments/err-throttled$",
    reply: error(429, 429001, "Operations are being throttled by the service", 1),
  },
  {
    path: "/enrollments/err-unauthorized$",
    reply: error(401, 401002, "Unauthorized: the key of this policy was revoked"),
  },
  {
    path: "/enrollments/err-forbidden$",
    reply: error(403, 403002, "The enrollments quota of this DPS is used up"),
  },
  {
    method: "PUT",
    path: "/enrollments/err-conflict$",
    reply: error(409, 409201, "An enrollment with this id was created meanwhile"),
  },
  {
    method: "PUT",
    path: "/enrollments/err-bad-request$",
    reply: error(400, 400004, "The enrollment's initialTwin is not valid"),
  },
  { path: "/enrollments/err-timeout$", reply: "hang" },
  {
    method: "PUT",
    path: "/enrollments/err-gone$",
    reply: error(404, 404201, "Enrollment err-gone was not found"),
  },
];
const NEW_IDS = [
  "err-throttled",
  "err-unauthorized",
  "err-forbidden",
  "err-conflict",
  "err-bad-request",
  "err-timeout",
];

describeWithEngine("the provider's errors as `pulumi up` prints them", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  let failedUp = "";

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "errors",
      manifests: { "existing.yaml": symmetricKeyDevicesManifest(["err-gone", "err-edited"], 30) },
    });
    await program.up({ onOutput: program.onOutput });

    emulator.scriptFaults(FAULTS);
    // Changed outside Pulumi: its ETag moves, so the next update gets a real 412.
    const sdk = serviceClientFor(emulator);
    const edited = (await sdk.getIndividualEnrollment("err-edited")).responseBody;
    edited.provisioningStatus = "disabled";
    await sdk.createOrUpdateIndividualEnrollment(edited);
    program.writeManifest("existing.yaml", symmetricKeyDevicesManifest(["err-gone", "err-edited"], 60));
    program.writeManifest("new.yaml", symmetricKeyDevicesManifest(NEW_IDS, 30));
    // --continue-on-error: without it the engine starts no new operation after the first error,
    // and each enrollment must meet its fault.
    failedUp = await program.pulumi(["up", "--yes", "--skip-preview", "--continue-on-error"], FAST).then(
      () => "",
      (e: { stdout?: string; message: string }) => `${e.stdout ?? ""}\n${e.message}`,
    );
    if (process.env.DPS_E2E_VERBOSE) process.stdout.write(failedUp);
  }, 600_000);

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  const endpoint = () => emulator.serviceHost;
  const expectError = (id: string, text: string) =>
    expect(diagnosticsOf(failedUp, id)).toMatch(exactText(text));

  it("never shows a TypeError instead of the provider's message", () => {
    expect(failedUp).toContain("error:");
    expect(failedUp).not.toMatch(/Cannot read properties|TypeError/);
  });

  it("throttled beyond the time budget", () => {
    expectError(
      "err-throttled",
      `get individual enrollment "err-throttled" on DPS ${endpoint()} failed: DPS kept throttling (429): gave up after {attempts} over {seconds}s, ` +
        "the next wait would pass the budget of 3s without a successful DPS call (set DPS_RETRY_BUDGET_SECONDS to wait longer); " +
        "last failure: HTTP 429 (errorCode 429001; Operations are being throttled by the service; trackingId {id})",
    );
  });

  it("401", () => {
    expectError(
      "err-unauthorized",
      `get individual enrollment "err-unauthorized" on DPS ${endpoint()} failed: HTTP 401 (errorCode 401002; Unauthorized: the key of this policy was revoked; trackingId {id}). ` +
        "Not retried: either dps.connectionString is wrong (its policy name and key must be those of a shared access policy of this DPS with EnrollmentWrite), " +
        "or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which; run from an address its service-API rule admits).",
    );
  });

  it("403", () => {
    expectError(
      "err-forbidden",
      `get individual enrollment "err-forbidden" on DPS ${endpoint()} failed: HTTP 403 (errorCode 403002; The enrollments quota of this DPS is used up; trackingId {id}). ` +
        "The DPS refused the operation (quota reached?): see the DPS limits.",
    );
  });

  it("404 on update", () => {
    expectError(
      "err-gone",
      `update individual enrollment "err-gone" on DPS ${endpoint()} failed: HTTP 404 (errorCode 404201; Enrollment err-gone was not found; trackingId {id}). ` +
        "It was deleted outside Pulumi: run `pulumi refresh` (it then leaves the state), and `pulumi up` creates it again.",
    );
  });

  it("409", () => {
    expectError(
      "err-conflict",
      `create individual enrollment "err-conflict" on DPS ${endpoint()} failed: HTTP 409 (errorCode 409201; An enrollment with this id was created meanwhile; trackingId {id}). ` +
        "It already exists: set adoptExisting: true to manage it, or pick another id.",
    );
  });

  it("412", () => {
    expectError(
      "err-edited",
      `update individual enrollment "err-edited" on DPS ${endpoint()} failed: HTTP 412 (errorCode 412002; {text}; trackingId {id}). ` +
        "It was changed outside Pulumi: run `pulumi refresh` to take in the drift, review it, then `pulumi up` again.",
    );
  });

  it("400 with DPS's error code", () => {
    expectError(
      "err-bad-request",
      `create individual enrollment "err-bad-request" on DPS ${endpoint()} failed: HTTP 400 (errorCode 400004; The enrollment's initialTwin is not valid; trackingId {id})`,
    );
  });

  it("timeout", () => {
    expectError(
      "err-timeout",
      `get individual enrollment "err-timeout" on DPS ${endpoint()} failed: DPS kept failing with transient errors: gave up after {attempts} over {seconds}s{text}; ` +
        "last failure: DPS_REQUEST_TIMEOUT (no response from DPS within 1000 ms)",
    );
  });

  it("TLS failure (a CA that did not sign the DPS's certificate)", async () => {
    // The same DPS address now answers with a certificate of another CA than the one the stack
    // trusts (as behind a TLS-inspecting proxy). The platform's resources make no call on up.
    const port = emulator.port;
    const trusted = path.join(program.dir, "trusted-ca.pem"); // the stack keeps trusting the old CA
    fs.writeFileSync(trusted, emulator.caCertPem);
    await program.stack.setConfig("dps-as-code:emulator.caCertPath", { value: trusted }, true);
    await emulator.stop();
    emulator = await startTestEmulator({ port });
    program.writeManifest("existing.yaml", symmetricKeyDevicesManifest(["err-gone", "err-edited"], 30));
    program.writeManifest("new.yaml", symmetricKeyDevicesManifest(["err-tls"], 30));
    const output = await program.pulumi(["up", "--yes", "--skip-preview", "--continue-on-error"], FAST).then(
      () => "",
      (e: { stdout?: string; message: string }) => `${e.stdout ?? ""}\n${e.message}`,
    );
    if (process.env.DPS_E2E_VERBOSE) process.stdout.write(output);
    expect(diagnosticsOf(output, "err-tls")).toMatch(
      exactText(
        `get individual enrollment "err-tls" on DPS ${endpoint()} failed: {code} ({text}). ` +
          "DPS's TLS certificate is not trusted: for the emulator, dps.trustedCaCertificate must be its CA; against Azure, check the machine's CA store and any TLS-inspecting proxy.",
      ),
    );
  }, 120_000);
});
