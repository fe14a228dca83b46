/**
 * The DPS client against a scripted HTTPS server, for what the emulator cannot show: what goes on
 * the wire (Entra ID bearer token and its scope, If-Match with DPS's quoted ETags), a request that
 * hangs on a reused keep-alive socket, and a 400 that echoes the request body back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDpsClient, DPS_TOKEN_SCOPE, type DpsClientOptions } from "../../components/dps-client/client";
import { ROLE_PROPAGATION_WINDOW_MS } from "../../components/dps-client/unauthorized";
import { ensureServerTls } from "../../emulator/tls";

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
type Handler = (req: SeenRequest, res: ServerResponse) => void;

// "++++////...": the characters that JSON and URL encoding rewrite.
const KEY_1 = Buffer.from(
  Array.from({ length: 48 }, (_, i) => [0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff][i % 6] as number),
).toString("base64");
const KEY_2 = Buffer.alloc(48, 202).toString("base64");
const POLICY_KEY = Buffer.alloc(32, 203).toString("base64");
const FUNCTION_CODE = "Zm9vYmFyLWZ1bmN0aW9uLWtleS0xMjM0NQ==";
const WEBHOOK = `https://alloc.azurewebsites.net/api/allocate?code=${FUNCTION_CODE}`;

let server: Server;
let tlsDir: string;
let caCertPem: string;
let endpoint: string;
let handlers: Handler[] = [];
let seen: SeenRequest[] = [];

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  tlsDir = mkdtempSync(join(tmpdir(), "dps-client-test-"));
  const tls = ensureServerTls(tlsDir, []);
  caCertPem = tls.caCertPem;
  server = createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(request);
      const handler = handlers.shift();
      if (handler) handler(request, res);
      else json(res, 500, { errorCode: 500000, message: "no handler scripted" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  endpoint = `localhost:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(tlsDir, { recursive: true, force: true });
});

beforeEach(() => {
  handlers = [];
  seen = [];
});

const fast: DpsClientOptions = {
  retryPolicy: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, totalBudgetMs: 5_000 },
};

function sharedKeyConnection() {
  return {
    serviceEndpoint: endpoint,
    connectionString: `HostName=${endpoint};SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${POLICY_KEY}`,
    trustedCaCertificate: caCertPem,
  };
}

describe("DPS client on the wire", () => {
  it("sends an Entra ID bearer token requested for DPS's scope", async () => {
    const scopes: (string | string[])[] = [];
    const tokenCredential = {
      async getToken(scope: string | string[]) {
        scopes.push(scope);
        return { token: "entra-token-1", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    handlers = [
      (_req, res) => json(res, 200, { registrationId: "dev-1", attestation: { type: "x509" }, etag: '"e1"' }),
    ];
    const client = createDpsClient(
      { serviceEndpoint: endpoint, useEntraId: true, trustedCaCertificate: caCertPem },
      { ...fast, tokenCredential },
    );
    await expect(client.get("individual", "dev-1")).resolves.toMatchObject({ registrationId: "dev-1" });
    expect(scopes).toEqual([DPS_TOKEN_SCOPE]);
    expect(DPS_TOKEN_SCOPE).toBe("https://azure-devices-provisioning.net/.default");
    expect(seen[0]?.headers.authorization).toBe("Bearer entra-token-1");
    expect(seen[0]?.url).toBe("/enrollments/dev-1?api-version=2021-10-01");
  });

  it("says what to do when no Entra ID credential is usable, without retrying", async () => {
    const tokenCredential = {
      async getToken(): Promise<null> {
        throw Object.assign(
          new Error("DefaultAzureCredential failed to retrieve a token from the included credentials."),
          { name: "AggregateAuthenticationError" },
        );
      },
    };
    const client = createDpsClient(
      { serviceEndpoint: endpoint, useEntraId: true, trustedCaCertificate: caCertPem },
      { ...fast, tokenCredential },
    );
    await expect(client.get("group", "line-a")).rejects.toThrow(
      /get enrollment group "line-a" on DPS localhost:\d+ failed: AggregateAuthenticationError \(DefaultAzureCredential failed .*\)\. dps\.useEntraId found no usable Microsoft Entra ID credential: sign in \(`az login`\)/,
    );
    expect(seen).toHaveLength(0);
  });

  it("retries a 401 with Entra ID while the role assigned minutes ago propagates, until DPS accepts the token", async () => {
    const tokenCredential = {
      getToken: async () => ({ token: "entra-token-2", expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const unauthorized: Handler = (_req, res) =>
      json(res, 401, { errorCode: 401002, message: "Unauthorized" });
    handlers = [
      unauthorized,
      unauthorized,
      (_req, res) => json(res, 200, { registrationId: "dev-2", attestation: { type: "x509" }, etag: '"e1"' }),
    ];
    const patient: DpsClientOptions = {
      retryPolicy: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20, totalBudgetMs: 5_000 },
      tokenCredential,
    };
    const client = createDpsClient(
      {
        serviceEndpoint: endpoint,
        useEntraId: true,
        trustedCaCertificate: caCertPem,
        roleAssignedAt: new Date().toISOString(),
      },
      patient,
    );
    await expect(client.get("individual", "dev-2")).resolves.toMatchObject({ registrationId: "dev-2" });
    expect(seen).toHaveLength(3);
  });

  it("waits for a 401 with Entra ID until the propagation window after the role assignment closes, not the retry budget, then names both causes", async () => {
    const tokenCredential = {
      getToken: async () => ({ token: "entra-token-3", expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    handlers = Array.from(
      { length: 500 },
      (): Handler => (_req, res) => json(res, 401, { errorCode: 401002, message: "Unauthorized" }),
    );
    // 400 ms of the window left; the retry policy would give up after 2 attempts.
    const assignedAt = new Date(Date.now() - ROLE_PROPAGATION_WINDOW_MS + 400).toISOString();
    const client = createDpsClient(
      {
        serviceEndpoint: endpoint,
        useEntraId: true,
        trustedCaCertificate: caCertPem,
        roleAssignedAt: assignedAt,
      },
      { ...fast, tokenCredential },
    );
    const error = await client.get("individual", "dev-3").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /DPS kept refusing the credential \(401\) until 10 minutes after the role assignment \(.*\), the longest Azure takes to apply one: gave up after \d+ attempts/,
    );
    expect(seen.length).toBeGreaterThan(2);
    expect(error?.message).toContain(
      `DPS answers 401 for two causes and does not say which: (1) the identity's role on this DPS, assigned at ${assignedAt}, has not reached DPS (Azure takes up to 10 minutes, and the call was retried until then)`,
    );
  });

  it.each([
    ["no time of assignment is known", undefined],
    ["the role was assigned more than ten minutes ago", new Date(Date.now() - 11 * 60_000).toISOString()],
  ])(
    "does not retry a 401 with Entra ID when %s: a missing role or the IP filter, said so",
    async (_case, roleAssignedAt) => {
      const tokenCredential = {
        getToken: async () => ({ token: "entra-token-6", expiresOnTimestamp: Date.now() + 3_600_000 }),
      };
      handlers = [(_req, res) => json(res, 401, { errorCode: 401002, message: "Unauthorized" })];
      const client = createDpsClient(
        {
          serviceEndpoint: endpoint,
          useEntraId: true,
          trustedCaCertificate: caCertPem,
          ...(roleAssignedAt ? { roleAssignedAt } : {}),
        },
        { ...fast, tokenCredential },
      );
      await expect(client.get("individual", "dev-6")).rejects.toThrow(
        /failed: HTTP 401 \(errorCode 401002; Unauthorized\)\. DPS answers 401 for two causes and does not say which: \(1\) .*Device Provisioning Service Data Contributor on this DPS.*; \(2\) the DPS's IP filter refuses this machine's address/,
      );
      expect(seen).toHaveLength(1);
    },
  );

  it("does not retry a 401 that names DPS's IP filter, even right after a role assignment, and says to run from the admitted address", async () => {
    const tokenCredential = {
      getToken: async () => ({ token: "entra-token-7", expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    handlers = [
      (_req, res) =>
        json(res, 401, {
          errorCode: 401000,
          message: "Unauthorized: IP filter rule rejected the client IP address",
        }),
    ];
    const client = createDpsClient(
      {
        serviceEndpoint: endpoint,
        useEntraId: true,
        trustedCaCertificate: caCertPem,
        roleAssignedAt: new Date().toISOString(),
      },
      { ...fast, tokenCredential },
    );
    await expect(client.get("individual", "dev-7")).rejects.toThrow(
      /DPS's IP filter refused this machine's address \(not retried: waiting does not help\)\. Run from the address/,
    );
    expect(seen).toHaveLength(1);
  });

  it("waits the Retry-After of a 429 through the real SDK, then succeeds", async () => {
    const arrivals: number[] = [];
    handlers = [
      (_req, res) => {
        arrivals.push(Date.now());
        res.writeHead(429, { "content-type": "application/json; charset=utf-8", "retry-after": "1" });
        res.end(JSON.stringify({ errorCode: 429001, message: "Operations are being throttled" }));
      },
      (_req, res) => {
        arrivals.push(Date.now());
        json(res, 200, { registrationId: "dev-5", attestation: { type: "x509" }, etag: '"e1"' });
      },
    ];
    const client = createDpsClient(sharedKeyConnection(), {
      retryPolicy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20, totalBudgetMs: 10_000 },
    });
    await expect(client.get("individual", "dev-5")).resolves.toMatchObject({ registrationId: "dev-5" });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
  });

  it("does not retry a 401 with a shared access key, and names both causes DPS answers alike: a wrong key or the IP filter", async () => {
    handlers = [(_req, res) => json(res, 401, { errorCode: 401002, message: "Unauthorized" })];
    const client = createDpsClient(sharedKeyConnection(), fast);
    await expect(client.get("individual", "dev-4")).rejects.toThrow(
      /Not retried: either dps\.connectionString is wrong \(its policy name and key .*\), or the DPS's IP filter refuses this machine's address/,
    );
    expect(seen).toHaveLength(1);
  });

  it("sends DPS's quoted ETag back verbatim as If-Match", async () => {
    handlers = [
      (_req, res) => json(res, 200, { registrationId: "dev-1", attestation: { type: "tpm" }, etag: '"e2"' }),
    ];
    const client = createDpsClient(sharedKeyConnection(), fast);
    await client.put(
      "individual",
      "dev-1",
      { registrationId: "dev-1", attestation: { type: "tpm", tpm: { endorsementKey: "AAAA" } } },
      '"13003fea-0000-0300-0000-62d1d5e50000"',
    );
    expect(seen[0]?.method).toBe("PUT");
    expect(seen[0]?.headers["if-match"]).toBe('"13003fea-0000-0300-0000-62d1d5e50000"');
    expect(seen[0]?.headers.authorization).toMatch(/^SharedAccessSignature sr=localhost/);
  });

  it("times out a request that hangs on a reused keep-alive socket, and says so", async () => {
    handlers = [
      (_req, res) => json(res, 200, { enrollmentGroupId: "g", attestation: { type: "x509" }, etag: '"e"' }),
      () => {},
      () => {},
    ];
    const client = createDpsClient(sharedKeyConnection(), { ...fast, requestTimeoutMs: 300 });
    await client.get("group", "g");
    const started = Date.now();
    await expect(client.get("group", "g")).rejects.toThrow(
      /get enrollment group "g" on DPS localhost:\d+ failed: DPS kept failing with transient errors: gave up after 2 attempts over .*last failure: DPS_REQUEST_TIMEOUT \(no response from DPS within 300 ms\)/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(seen).toHaveLength(3);
  });

  it("keeps the keys and webhook URL it sent out of a 400 that echoes the request, JSON or not", async () => {
    handlers = [
      (req, res) => json(res, 400, { errorCode: 400004, message: `Invalid enrollment: ${req.body}` }),
      (req, res) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`Bad request ${JSON.stringify(req.body).replace(/\//g, "\\/").replace(/\+/g, "\\u002B")}`);
      },
    ];
    const client = createDpsClient(sharedKeyConnection(), fast);
    const body = {
      enrollmentGroupId: "line-a",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
      allocationPolicy: "custom",
      customAllocationDefinition: { webhookUrl: WEBHOOK, apiVersion: "2021-10-01" },
    };
    for (let i = 0; i < 2; i++) {
      const error = await client.put("group", "line-a", body, undefined).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(
        /create enrollment group "line-a" on DPS localhost:\d+ failed: HTTP 400/,
      );
      expect(error?.message).toContain("[secret]");
      for (const secret of [KEY_1, KEY_2, WEBHOOK, FUNCTION_CODE, POLICY_KEY])
        expect(error?.message).not.toContain(secret);
      expect(error?.message).not.toContain(KEY_1.slice(0, 20));
    }
  });
});

describe("DPS client paged queries", () => {
  const page =
    (ids: string[], continuation?: string): Handler =>
    (_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        ...(continuation ? { "x-ms-continuation": continuation } : {}),
      });
      res.end(
        JSON.stringify(ids.map((registrationId) => ({ registrationId, attestation: { type: "x509" } }))),
      );
    };
  const drain = async (pages: AsyncIterable<{ registrationId?: string }[]>) => {
    const ids: string[] = [];
    for await (const records of pages) ids.push(...records.map((r) => r.registrationId ?? ""));
    return ids;
  };

  it("follows x-ms-continuation page by page, and retries a failed page with the same token", async () => {
    handlers = [
      page(["a", "b"], "t1"),
      (_req, res) => json(res, 503, { errorCode: 503000, message: "Service unavailable" }),
      page(["c", "d"], "t2"),
      page(["e"]),
    ];
    const client = createDpsClient(sharedKeyConnection(), fast);
    expect(await drain(client.queryEnrollments("individual", 2))).toEqual(["a", "b", "c", "d", "e"]);
    expect(
      seen.map((r) => [
        r.method,
        r.url.split("?")[0],
        r.headers["x-ms-max-item-count"],
        r.headers["x-ms-continuation"],
      ]),
    ).toEqual([
      ["POST", "/enrollments/query", "2", undefined],
      ["POST", "/enrollments/query", "2", "t1"],
      ["POST", "/enrollments/query", "2", "t1"],
      ["POST", "/enrollments/query", "2", "t2"],
    ]);
  });

  it("stops with a clear error when DPS hands back a continuation token it already gave", async () => {
    handlers = [page(["g1"], "same"), page(["g2"], "same")];
    const client = createDpsClient(sharedKeyConnection(), fast);
    await expect(drain(client.queryEnrollments("group"))).rejects.toThrow(
      "DPS returned the same continuation token twice; stopping instead of looping",
    );
    expect(seen.map((r) => r.url.split("?")[0])).toEqual([
      "/enrollmentGroups/query",
      "/enrollmentGroups/query",
    ]);
  });
});
