/**
 * One JSON request to a DPS-style service API outside the SDK's enrollment calls: the emulator's
 * admin API (components/platform/local/admin-client.ts). It goes the way every DPS call of the
 * project goes: signed with a SAS token of the connection's policy (connection-string.ts), over
 * the agent of https-agent.ts (`host:port`, the emulator's CA, the request timeout), retried on
 * throttling and transient faults (retry.ts), and failing with a DpsCallError whose `failure` holds
 * the status, the service's error code and message, redacted (errors.ts).
 */
import * as https from "node:https";
import {
  describeCallFailure,
  dpsCallError,
  isTransient,
  redact,
  type CallFailure,
  type DpsCallError,
} from "./errors";
import { createDpsAgent, requestTimeoutFromEnvironment, splitHostPort } from "./https-agent";
import { sasToken, type ServiceCredentials } from "./connection-string";
import {
  isRetriesExhaustedError,
  realRetryEnvironment,
  retryPolicyFromEnvironment,
  withRetry,
  type RetryEnvironment,
  type RetryPolicy,
} from "./retry";

export interface ServiceTarget {
  /** `host:port` or a host name. */
  readonly serviceHost: string;
  readonly credentials: ServiceCredentials;
  /** PEM of a CA to trust for this connection only (the emulator's). */
  readonly trustedCaCertificate?: string;
}

export interface ServiceRequest {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Statuses besides 2xx that are an answer, not a failure (e.g. 404 on a DELETE). */
  readonly accept?: readonly number[];
}

export interface ServiceResponse {
  readonly status: number;
  /** The parsed JSON body, the text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
}

export interface ServiceRequestOptions {
  retryPolicy?: RetryPolicy;
  retryEnvironment?: RetryEnvironment;
  requestTimeoutMs?: number;
  /** Which failures are worth another attempt. @default isTransient (errors.ts) */
  isRetryable?: (failure: CallFailure) => boolean;
}

/** The operation a service request's DpsCallError names: `"PUT /admin/config"`. */
export type ServiceOperation = `${ServiceRequest["method"]} ${string}`;

/** One attempt: resolves on 2xx or an accepted status; otherwise throws what describeCallFailure reads. */
function attempt(
  target: ServiceTarget,
  request: ServiceRequest,
  agent: https.Agent,
): Promise<ServiceResponse> {
  const { host, port } = splitHostPort(target.serviceHost);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise<ServiceResponse>((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        servername: host,
        method: request.method,
        path: request.path,
        agent,
        headers: {
          Authorization: sasToken(target.credentials),
          Accept: "application/json",
          ...(payload === undefined
            ? {}
            : {
                "Content-Type": "application/json; charset=utf-8",
                "Content-Length": Buffer.byteLength(payload),
              }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || request.accept?.includes(status)) {
            resolve({ status, body: parseBody(text) });
            return;
          }
          // The shape the SDK's RestApiClient throws, so one reader (describeCallFailure) serves both.
          reject(
            Object.assign(new Error(`HTTP ${status}`), {
              response: { statusCode: status, headers: res.headers },
              responseBody: text,
            }),
          );
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Sends `request`, retrying as `options` say; fails with a DpsCallError naming the request and the
 * service, whose message and `failure` never hold the policy key.
 */
export async function serviceRequest(
  target: ServiceTarget,
  request: ServiceRequest,
  options: ServiceRequestOptions = {},
): Promise<ServiceResponse> {
  const env = options.retryEnvironment ?? realRetryEnvironment();
  const secrets = [target.credentials.key];
  // No keep-alive: these are a handful of requests per deployment, and a pooled socket would keep
  // the emulator's server (and a test's) from closing until the timeout.
  const agent = createDpsAgent(
    target.trustedCaCertificate,
    options.requestTimeoutMs ?? requestTimeoutFromEnvironment(process.env),
    false,
  );
  const operation: ServiceOperation = `${request.method} ${request.path}`;
  let attempts = 0;
  try {
    const outcome = await withRetry(
      () => {
        attempts++;
        return attempt(target, request, agent);
      },
      options.retryPolicy ?? retryPolicyFromEnvironment(process.env),
      env,
      secrets,
      options.isRetryable ?? isTransient,
    );
    return outcome.value;
  } catch (error) {
    const failure = isRetriesExhaustedError(error)
      ? error.failure
      : describeCallFailure(error, secrets, env.now());
    const summary = isRetriesExhaustedError(error) ? redact(error.message, secrets) : failure.description;
    throw dpsCallError(
      `${operation} on ${target.serviceHost} failed: ${summary}`,
      operation,
      failure,
      attempts,
    );
  } finally {
    agent.destroy();
  }
}

export type ServiceCallError = DpsCallError<ServiceOperation>;
