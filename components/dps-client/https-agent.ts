/**
 * The HTTPS agent every request to a DPS service API goes through (the SDK's RestApiClient for
 * enrollments, service-request.ts for the emulator's admin API): it splits `host:port`, trusts an
 * extra CA for this connection only when one is given (the emulator's), and destroys sockets that
 * stay silent too long. Against Azure it changes nothing but the timeout.
 *
 * The SDK passes `HostName` straight to `https.request({ host })`, so `localhost:8443` fails with
 * ENOTFOUND without the split.
 */
import * as https from "node:https";

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** DEFAULT_REQUEST_TIMEOUT_MS, or `DPS_REQUEST_TIMEOUT_SECONDS` when set (the provider process has the CLI's environment). */
export function requestTimeoutFromEnvironment(env: Record<string, string | undefined>): number {
  const seconds = Number(env.DPS_REQUEST_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_REQUEST_TIMEOUT_MS;
}

/** Splits `host:port`; the port is undefined for a bare host name. */
export function splitHostPort(endpoint: string): { host: string; port: number | undefined } {
  const match = /^(.*):(\d+)$/.exec(endpoint);
  return match && match[1] !== undefined && match[2] !== undefined
    ? { host: match[1], port: Number(match[2]) }
    : { host: endpoint, port: undefined };
}

/**
 * Destroys a socket that stays silent for `timeoutMs` with a `DPS_REQUEST_TIMEOUT` error (transient:
 * retried, errors.ts). An idle pooled socket times out too; destroying it is harmless (the agent
 * drops it).
 */
function failOnTimeout(socket: unknown, timeoutMs: number): void {
  const s = socket as { on?: (event: string, listener: () => void) => void; destroy(error: Error): void };
  if (typeof s?.on !== "function") return;
  s.on("timeout", () =>
    s.destroy(
      Object.assign(new Error(`no response from DPS within ${timeoutMs} ms`), {
        code: "DPS_REQUEST_TIMEOUT",
      }),
    ),
  );
}

/**
 * The agent for one DPS connection; `keepAlive` reuses its sockets across requests (the SDK's
 * calls of one client).
 *
 * The timeout must cover every request, not only the first on a socket: a keep-alive agent resets
 * a reused socket's timeout to the agent's own `timeout` option when the socket goes back to the
 * pool, so a timeout set once in createConnection silently disappears from the second request on.
 * Hence the agent option (kept across reuse) plus a listener that stays for the socket's life.
 */
export function createDpsAgent(
  trustedCaCertificate: string | undefined,
  timeoutMs: number,
  keepAlive = true,
): https.Agent {
  class DpsAgent extends https.Agent {
    override createConnection(
      options: Record<string, unknown>,
      callback: unknown,
    ): ReturnType<typeof https.Agent.prototype.createConnection> {
      const target = splitHostPort(String(options.host ?? ""));
      const adjusted =
        target.port !== undefined
          ? { ...options, host: target.host, port: target.port, servername: target.host }
          : options;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const socket = (https.Agent.prototype.createConnection as any).call(this, adjusted, callback);
      failOnTimeout(socket, timeoutMs);
      return socket;
    }
  }
  return new DpsAgent({
    keepAlive,
    timeout: timeoutMs,
    ...(trustedCaCertificate ? { ca: trustedCaCertificate } : {}),
  });
}
