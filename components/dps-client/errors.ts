/**
 * Turning what the Node SDK throws into errors a user can act on: which enrollment, which
 * operation, the HTTP status, DPS's error code and message, and what to do. Secrets never reach
 * the text: every message passes through `redact` with the secrets of the call.
 *
 * The SDK (azure-iot-http-base RestApiClient) throws one class per status (ArgumentError,
 * InvalidEtagError, ThrottlingError, ...) and attaches `response` (the IncomingMessage) and
 * `responseBody` (raw text); its `message` is "Error: " + the raw DPS body, so we parse the body
 * ourselves. Network failures carry a Node `code` (ECONNRESET, ETIMEDOUT, ...) and no response.
 */

export type DpsOperation =
  | "get"
  | "create"
  | "update"
  | "delete"
  | "get attestation mechanism"
  | "get registration state"
  | "delete registration state"
  | "query registration states"
  | "query enrollments"
  | "bulk create"
  | "bulk update"
  | "bulk updateIfMatchETag"
  | "bulk delete";

/** What we could learn about one failed call. */
export interface CallFailure {
  status?: number;
  /** DPS's numeric error code, e.g. 412001. */
  errorCode?: number | string;
  /** DPS's message, redacted. */
  serviceMessage?: string;
  trackingId?: string;
  /** Retry-After in milliseconds, when the service sent one. */
  retryAfterMs?: number;
  /** Node network error code, e.g. ECONNRESET. */
  networkCode?: string;
  /** Short description used when nothing else is known. */
  description: string;
}

/**
 * A failed DPS call: a plain Error with fields, recognised by its name (isDpsCallError), never by
 * instanceof, so that an error from another copy of this module (a test runner's module graph
 * beside a provider's) is recognised too. The dynamic-provider host reports `message` (and, for a
 * partial failure, `id`, `properties` and `reasons`) from whatever a provider throws
 * (@pulumi/pulumi 3.260.0, cmd/dynamic-provider/index.js, grpcResponseFromError).
 */
export interface DpsCallError<Operation extends string = DpsOperation> extends Error {
  name: "DpsCallError";
  failure: CallFailure;
  operation: Operation;
  /** Requests sent, retries included: after more than one, an earlier one may have taken effect. */
  attempts: number;
}

export function dpsCallError<Operation extends string = DpsOperation>(
  message: string,
  operation: Operation,
  failure: CallFailure,
  attempts = 1,
): DpsCallError<Operation> {
  return Object.assign(new Error(message), { name: "DpsCallError" as const, operation, failure, attempts });
}

export function isDpsCallError<Operation extends string = DpsOperation>(
  error: unknown,
): error is DpsCallError<Operation> {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "DpsCallError";
}

/**
 * Replaces every secret in `text` with `[secret]`: as given, URL-encoded, JSON-escaped (a raw
 * error body may write "/" as "\/" and "+" as "\u002B"), and, for a URL, each query value and password on their own (an
 * Azure Functions webhook's `code=` is the secret part; a message may quote only that).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const part of [secret, ...urlSecretParts(secret)]) {
      forms.add(part);
      forms.add(encodeURIComponent(part));
      const json = JSON.stringify(part).slice(1, -1);
      forms.add(json.replace(/\//g, "\\/"));
      // .NET serialisers write + & < > ' = as \u002B ... in JSON text.
      forms.add(
        json.replace(/[+&<>'=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`),
      );
    }
  }
  // Longest first, so a whole URL is replaced before its parts.
  for (const form of [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length))
    result = result.split(form).join("[secret]");
  return result;
}

function urlSecretParts(secret: string): string[] {
  if (!/^https?:\/\//i.test(secret)) return [];
  try {
    const url = new URL(secret);
    return [...url.searchParams.values(), decodeURIComponent(url.password)].filter((v) => v.length >= 8);
  } catch {
    return [];
  }
}

/** `\/`, `\"`, `\\` and `\uXXXX` as the characters they stand for. */
function unescapeJsonText(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|["\\/])/g, (_, code: string) =>
    code.length === 5 ? String.fromCharCode(parseInt(code.slice(1), 16)) : code,
  );
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string" || text.trim() === "") return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads status, DPS error body, Retry-After and network code from whatever the SDK threw. */
export function describeCallFailure(
  error: unknown,
  secrets: readonly (string | undefined)[],
  now: number,
): CallFailure {
  const err = (error ?? {}) as {
    response?: { statusCode?: number; headers?: Record<string, unknown> };
    responseBody?: unknown;
    code?: unknown;
    message?: unknown;
    name?: unknown;
  };
  const status = typeof err.response?.statusCode === "number" ? err.response.statusCode : undefined;
  const failure: CallFailure = { description: "" };
  if (status !== undefined) failure.status = status;
  if (typeof err.code === "string") failure.networkCode = err.code;
  const retryAfter = parseRetryAfter(err.response?.headers?.["retry-after"], now);
  if (retryAfter !== undefined) failure.retryAfterMs = retryAfter;
  const body =
    typeof err.responseBody === "string"
      ? err.responseBody
      : Buffer.isBuffer(err.responseBody)
        ? err.responseBody.toString("utf8")
        : "";
  if (body) {
    try {
      const parsed = JSON.parse(body) as {
        errorCode?: number | string;
        message?: string;
        Message?: string;
        trackingId?: string;
      };
      if (parsed.errorCode !== undefined) failure.errorCode = parsed.errorCode;
      const message = parsed.message ?? parsed.Message;
      if (typeof message === "string") failure.serviceMessage = redact(message, secrets);
      if (typeof parsed.trackingId === "string") failure.trackingId = parsed.trackingId;
    } catch {
      // Not JSON: undo JSON-style escapes (a body may quote the request as a JSON string), then
      // redact, and only then shorten, so a cut can never leave the start of a secret behind.
      failure.serviceMessage = redact(unescapeJsonText(body), secrets).slice(0, 300);
    }
  }
  const headerCode = err.response?.headers?.["x-ms-error-code"];
  if (failure.errorCode === undefined && typeof headerCode === "string") failure.errorCode = headerCode;
  const base =
    status !== undefined
      ? `HTTP ${status}`
      : (failure.networkCode ?? (typeof err.name === "string" ? err.name : "error"));
  const details = [
    failure.errorCode !== undefined ? `errorCode ${failure.errorCode}` : undefined,
    failure.serviceMessage ??
      (status === undefined && typeof err.message === "string" ? redact(err.message, secrets) : undefined),
    failure.trackingId ? `trackingId ${failure.trackingId}` : undefined,
  ].filter(Boolean);
  failure.description = details.length ? `${base} (${details.join("; ")})` : base;
  return failure;
}

/** Statuses and network codes worth retrying: throttling and transient faults. */
export function isTransient(failure: CallFailure): boolean {
  if (failure.status !== undefined)
    return failure.status === 408 || failure.status === 429 || failure.status >= 500;
  const transientCodes = [
    "ECONNRESET",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EPIPE",
    "EAI_AGAIN",
    "ENOTFOUND",
    "ECONNABORTED",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "UND_ERR_SOCKET",
    "ERR_SOCKET_CLOSED",
    "DPS_REQUEST_TIMEOUT",
  ];
  return failure.networkCode !== undefined && transientCodes.includes(failure.networkCode);
}
