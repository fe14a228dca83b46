// One request to a DPS-style service API through the DPS client part (the local platform's admin
// client uses it): against a real HTTPS server whose certificate only the given CA trusts, it
// signs with the policy's SAS token, retries transient answers, accepts the statuses it is told
// to, and fails with DPS's error code and message, never the key.
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DpsCallError,
  isDpsCallError,
  serviceRequest,
  type ServiceTarget,
} from "../../components/dps-client";
import { makeCertificate } from "../../testkit/certificates";

const KEY = "c2VydmljZS1yZXF1ZXN0LXRlc3Qta2V5LTEyMzQ1Njc4";
const certificate = makeCertificate({ commonName: "localhost", isCa: true });
/** Answers queued per path; each request takes the next one (the last one repeats). */
const answers = new Map<string, { status: number; body: string }[]>();
const seen: { path: string; authorization: string | undefined; body: string }[] = [];
let server: https.Server;
let target: ServiceTarget;
const instantRetries = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 60_000 },
};

beforeAll(async () => {
  server = https.createServer(
    { cert: certificate.certificatePem, key: certificate.privateKeyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          path: req.url ?? "",
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString(),
        });
        const queue = answers.get(req.url ?? "") ?? [{ status: 404, body: "" }];
        const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end(answer.body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  target = {
    serviceHost: `localhost:${(server.address() as AddressInfo).port}`,
    credentials: { hostName: "localhost", keyName: "provisioningserviceowner", key: KEY },
    trustedCaCertificate: certificate.certificatePem,
  };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("serviceRequest", () => {
  it("signs with the policy's SAS token, trusts the given CA, and retries a transient answer", async () => {
    answers.set("/admin/config", [
      { status: 503, body: '{"errorCode":503000,"message":"busy"}' },
      { status: 200, body: '{"idScope":"0ne00TEST"}' },
    ]);
    seen.length = 0;
    const response = await serviceRequest(
      target,
      { method: "PUT", path: "/admin/config", body: { allocationPolicy: "hashed" } },
      instantRetries,
    );
    expect(response).toEqual({ status: 200, body: { idScope: "0ne00TEST" } });
    expect(seen.map((r) => r.path)).toEqual(["/admin/config", "/admin/config"]);
    expect(seen[0]!.authorization).toMatch(
      /^SharedAccessSignature sr=localhost&sig=[^&]+&skn=provisioningserviceowner&se=\d+$/,
    );
    expect(JSON.parse(seen[1]!.body)).toEqual({ allocationPolicy: "hashed" });
  });

  it("answers with an accepted status instead of failing", async () => {
    answers.set("/admin/certificates/gone", [{ status: 404, body: "" }]);
    expect(
      await serviceRequest(target, { method: "DELETE", path: "/admin/certificates/gone", accept: [404] }),
    ).toEqual({ status: 404, body: undefined });
  });

  it("fails at once on a refusal, with the status, DPS's error code and message, and never the key", async () => {
    answers.set("/admin/bad", [
      { status: 400, body: JSON.stringify({ errorCode: 400004, message: `bad request signed with ${KEY}` }) },
    ]);
    seen.length = 0;
    const error = (await serviceRequest(target, { method: "GET", path: "/admin/bad" }, instantRetries).catch(
      (e: unknown) => e,
    )) as DpsCallError<string>;
    expect(isDpsCallError(error)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(error.failure).toMatchObject({ status: 400, errorCode: 400004 });
    expect(error.message).toBe(
      `GET /admin/bad on ${target.serviceHost} failed: HTTP 400 (errorCode 400004; bad request signed with [secret])`,
    );
  });

  it("does not trust a server whose certificate the given CA did not sign", async () => {
    const other = makeCertificate({ commonName: "other", isCa: true });
    const error = (await serviceRequest(
      { ...target, trustedCaCertificate: other.certificatePem },
      { method: "GET", path: "/admin/config" },
      instantRetries,
    ).catch((e: unknown) => e)) as DpsCallError<string>;
    expect(isDpsCallError(error)).toBe(true);
    expect(error.failure.status).toBeUndefined();
    expect(error.failure.networkCode).toMatch(/CERT|SELF_SIGNED|UNABLE/);
  });
});
