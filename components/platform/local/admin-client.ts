/**
 * An HTTPS client for the DPS emulator's admin API (`GET|PUT /admin/config`,
 * `PUT|DELETE /admin/certificates/{name}`; see emulator/README.md). It authenticates with a
 * service SAS token from the shared connection-string parser and signer (the ones the DPS
 * client uses) and trusts only the emulator's CA.
 *
 * Serialised into the LocalProvisioningService provider: node modules are required inside the
 * function, and the connection string arrives per call, never captured.
 */
import { sasToken, serviceCredentials } from "../../dps-client/connection-string";
import { splitHostPort } from "../../dps-client/client";
import type { LocalProvisioningServiceInputs } from "./types";

export interface AdminResponse {
  status: number;
  body: unknown;
}

export type AdminTarget = Pick<
  LocalProvisioningServiceInputs,
  "serviceHost" | "connectionString" | "trustedCaCertificate"
>;

const ADMIN_REQUEST_TIMEOUT_MS = 30_000;

/** One admin API call; `operation` (create, read, ...) prefixes every error message. */
export async function adminRequest(
  target: AdminTarget,
  operation: string,
  method: "GET" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<AdminResponse> {
  const https: typeof import("node:https") = require("node:https");
  const credentials = serviceCredentials(target.connectionString);
  if (!credentials) {
    // Never echo the connection string: it holds the key.
    throw new Error(
      `LocalProvisioningService ${operation}: the emulator connection string must have HostName, SharedAccessKeyName and SharedAccessKey (check dps-as-code:emulatorConnectionString)`,
    );
  }
  const { host, port } = splitHostPort(target.serviceHost);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const where = `${method} ${path} on ${target.serviceHost}`;

  return new Promise<AdminResponse>((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        servername: host,
        method,
        path,
        ca: target.trustedCaCertificate,
        headers: {
          Authorization: sasToken(credentials),
          Accept: "application/json",
          ...(payload === undefined
            ? {}
            : {
                "Content-Type": "application/json; charset=utf-8",
                "Content-Length": Buffer.byteLength(payload),
              }),
        },
        timeout: ADMIN_REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${ADMIN_REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const e = new Error(
        `LocalProvisioningService ${operation}: cannot reach the DPS emulator (${where}): ${err.code ?? err.message}. Start it (npm run emulator) and set dps-as-code:emulator to its serviceHost and caCertPath.`,
      ) as NodeJS.ErrnoException;
      e.code = err.code;
      reject(e);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Throws a message with the operation, request, status and the emulator's DPS-shaped error. */
export function expectSuccess(
  operation: string,
  method: string,
  path: string,
  serviceHost: string,
  res: AdminResponse,
  allowed: number[] = [],
): void {
  if ((res.status >= 200 && res.status < 300) || allowed.includes(res.status)) return;
  const b = (typeof res.body === "object" && res.body !== null ? res.body : {}) as {
    errorCode?: unknown;
    message?: unknown;
  };
  const detail =
    b.message !== undefined
      ? `${String(b.errorCode ?? "")} ${String(b.message)}`.trim()
      : String(res.body ?? "").slice(0, 500);
  throw new Error(
    `LocalProvisioningService ${operation}: ${method} ${path} on ${serviceHost} failed with HTTP ${res.status}: ${detail}`,
  );
}
