import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, isDevicePath } from "../auth/authenticators";
import type { EmulatorContext } from "../context";
import { badRequest, DpsError, ErrorCodes, errorResponse, unauthorized } from "../errors";
import { RateWindow, type ScriptedFaults } from "../faults";
import { adminHandlers } from "../handlers/admin";
import { bulkHandlers, MAX_BULK_ITEMS } from "../handlers/bulk";
import { deviceRuntimeHandlers } from "../handlers/device-runtime";
import { enrollmentHandlers } from "../handlers/enrollments";
import { registrationStateHandlers } from "../handlers/registration-states";
import type { Handler } from "../handlers/types";
import { parseRequest, type ParsedRequest, type Reply } from "./request";
import { API_VERSIONS, matchRoute, type Api, type Route } from "./routes";
import { ipAllowed } from "../ip-filter";
import type { UndocumentedBehaviour } from "../variants";

const HANDLERS: Record<string, Handler> = {
  ...enrollmentHandlers,
  ...bulkHandlers,
  ...registrationStateHandlers,
  ...deviceRuntimeHandlers,
  ...adminHandlers,
};

export interface PipelineStats {
  requests: number;
  byStatus: Record<number, number>;
  /** Requests by the spec's operationId (e.g. IndividualEnrollment_RunBulkOperation), whatever their status. */
  byOperation: Record<string, number>;
  /** Service operations charged against the quota (a bulk item counts one, or the call one: bulkQuotaCost); a throttled request is not charged. */
  serviceOperations: number;
}

const BULK_OPERATIONS = new Set([
  "IndividualEnrollment_RunBulkOperation",
  "EnrollmentGroup_RunBulkOperation",
]);

/** What a request costs against the operations quota: one, or one per item of a bulk operation (variants.ts, bulkQuotaCost). */
function quotaCost(route: Route, body: unknown, bulk: UndocumentedBehaviour["bulkQuotaCost"]): number {
  if (!BULK_OPERATIONS.has(route.operationId) || bulk === "per-call") return 1;
  const record = (body ?? {}) as Record<string, unknown>;
  const items = record.enrollments ?? record.enrollmentGroups;
  return Array.isArray(items) ? Math.max(1, Math.min(items.length, MAX_BULK_ITEMS)) : 1;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The request pipeline, in order: parse → IP filter → (faults) → authenticate → route → authorise and
 * throttle → handle → serialise. Any error becomes DPS's error body; anything unexpected is
 * logged and answered 500, never a crash.
 */
export function createRequestListener(ctx: EmulatorContext, stats: PipelineStats, scripted?: ScriptedFaults) {
  const throttle = ctx.options.throttle;
  const operationsWindow = throttle ? new RateWindow(throttle.operationsPerMinute) : undefined;
  const registrationsWindow = throttle ? new RateWindow(throttle.registrationsPerMinute) : undefined;

  const checkThrottle = (route: Route, body: unknown) => {
    const cost = quotaCost(route, body, ctx.behaviour.bulkQuotaCost);
    const window = !throttle
      ? undefined
      : route.operationId === "RuntimeRegistration_RegisterDevice"
        ? registrationsWindow
        : route.api === "service"
          ? operationsWindow
          : undefined;
    if (throttle && window && !window.tryTake(Date.now(), cost)) {
      throw new DpsError(
        429,
        ErrorCodes.throttled,
        "Operations are being throttled by the service: the per-minute quota of this DPS is used up",
        undefined,
        {
          "Retry-After": String(throttle.retryAfterSeconds),
        },
      );
    }
    if (route.api === "service") stats.serviceOperations += cost;
  };

  return (message: IncomingMessage, response: ServerResponse): void => {
    const started = performance.now();
    let req: ParsedRequest | undefined;
    let operation = "unrouted";
    const run = async (): Promise<Reply | "reset" | "hang"> => {
      req = await parseRequest(message, ctx.options.maxBodyBytes);
      const aimed = scripted?.match(req.method, "/" + req.segments.join("/"));
      if (aimed === "hang") return "hang";
      if (aimed) {
        const headers =
          aimed.retryAfterSeconds !== undefined
            ? { "Retry-After": String(aimed.retryAfterSeconds) }
            : undefined;
        throw new DpsError(aimed.status, aimed.errorCode, aimed.message, undefined, headers);
      }
      const api: Api =
        req.segments[0]?.toLowerCase() === "admin"
          ? "admin"
          : isDevicePath(req.segments)
            ? "device"
            : "service";
      // Before authentication, with the body of a bad signature (ip-filter.ts).
      if (!ipAllowed(ctx.ipFilterRules, api, message.socket.remoteAddress)) throw unauthorized();
      const faults = ctx.faults;
      const fault = faults?.decide(api);
      if (fault === "reset") return "reset";
      if (fault === "slow") await sleep(faults?.slowMs ?? 0);
      if (fault === "500")
        throw new DpsError(500, ErrorCodes.internal, "Injected fault: internal server error");
      if (fault === "503")
        throw new DpsError(503, ErrorCodes.injectedFault, "Injected fault: service unavailable", undefined, {
          "Retry-After": "1",
        });

      const principal = authenticate(ctx.authenticators, req);
      const { route, params } = matchRoute(req.method, req.segments);
      operation = route.operationId;
      stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
      authorise(route, principal);
      if (route.api !== "admin") checkApiVersion(req);
      checkThrottle(route, req.body);
      const handler = HANDLERS[route.operationId];
      if (!handler) throw new Error(`no handler for ${route.operationId}`);
      return handler(ctx, { ...req, params, principal });
    };
    run()
      .catch((e: unknown): Reply => {
        if (e instanceof DpsError) return toReply(e);
        ctx.logger.error(
          `${operation} failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return toReply(new DpsError(500, ErrorCodes.internal, "Internal error in the emulator; see its log"));
      })
      .then((reply) => {
        stats.requests++;
        if (reply === "reset") {
          message.socket.destroy();
          return;
        }
        if (reply === "hang") {
          // No answer; the socket goes when the client gives up (or after two minutes).
          setTimeout(() => message.socket.destroy(), 120_000).unref();
          return;
        }
        stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
        serialise(response, reply, req?.requestId);
        if (ctx.options.logRequests) {
          ctx.logger.info(
            `${message.method} ${operation} ${reply.status} ${(performance.now() - started).toFixed(1)} ms`,
          );
        }
      })
      .catch((e: unknown) => ctx.logger.error(`could not answer a request: ${String(e)}`));
  };
}

function authorise(route: Route, principal: ReturnType<typeof authenticate>): void {
  if (route.api === "device") return; // the device handlers check the device principal
  if (principal.kind !== "service") {
    throw unauthorized(
      "Unauthorized: this operation needs a SharedAccessSignature of a shared access policy",
    );
  }
  const rights = route.rights ?? [];
  if (!rights.some((r) => principal.rights.has(r))) {
    throw unauthorized(
      `Unauthorized: policy ${principal.policyName} lacks the ${rights.join(" or ")} right needed by ${route.operationId}`,
      ErrorCodes.insufficientRights,
    );
  }
}

function checkApiVersion(req: ParsedRequest): void {
  const version = req.query.get("api-version");
  if (!version || !(API_VERSIONS as readonly string[]).includes(version)) {
    throw badRequest(
      `api-version ${JSON.stringify(version)} is not supported by the emulator; supported: ${API_VERSIONS.join(", ")}`,
    );
  }
}

function toReply(e: DpsError): Reply {
  const { status, headers, body } = errorResponse(e);
  return { status, headers, body };
}

/** Every reply is JSON with a charset: the Node SDKs parse bodies only when the content-type says json. */
function serialise(response: ServerResponse, reply: Reply, requestId: string | undefined): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (requestId) headers["x-ms-request-id"] = requestId;
  if (reply.status === 204 || reply.body === undefined) {
    response.writeHead(reply.status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers["Content-Type"] = "application/json; charset=utf-8";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  response.writeHead(reply.status, headers);
  response.end(text);
}
