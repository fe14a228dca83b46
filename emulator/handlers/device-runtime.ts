import { badRequest, DpsError, ErrorCodes, notFound, unauthorized } from "../errors";
import type { ParsedRequest, Reply } from "../http/request";
import { deviceRegistrationResult, provisionDevice, type DevicePrincipal } from "../provisioning";
import { json } from "./common";
import type { Handler, RoutedRequest } from "./types";
import type { EmulatorContext } from "../context";

/** The device must be the one in the path, and the path must name this DPS's id scope. */
function devicePrincipal(ctx: EmulatorContext, req: RoutedRequest): DevicePrincipal {
  const { idScope } = ctx.store.settings();
  const p = req.principal;
  if (p.kind !== "device")
    throw unauthorized(
      "Unauthorized: the device API needs a registration SAS token or an X.509 client certificate",
    );
  if ((req.params.idScope as string).toLowerCase() !== idScope.toLowerCase()) {
    throw unauthorized(`Unauthorized: id scope ${req.params.idScope} is not this DPS (${idScope})`);
  }
  if ((req.params.registrationId as string).toLowerCase() !== p.registrationId.toLowerCase()) {
    throw unauthorized(
      `Unauthorized: the credentials are for ${p.registrationId}, not ${req.params.registrationId}`,
    );
  }
  return p;
}

function retryHeaders(ctx: EmulatorContext, req: ParsedRequest, location: string): Record<string, string> {
  const host = String(req.headers.host ?? "localhost");
  return { "Retry-After": String(ctx.options.retryAfterSeconds), Location: `https://${host}${location}` };
}

export const deviceRuntimeHandlers: Record<string, Handler> = {
  RuntimeRegistration_RegisterDevice(ctx, req): Reply {
    const principal = devicePrincipal(ctx, req);
    const body = req.body as { registrationId?: unknown; payload?: unknown } | undefined;
    if (
      body &&
      body.registrationId !== undefined &&
      String(body.registrationId).toLowerCase() !== principal.registrationId.toLowerCase()
    ) {
      throw badRequest(
        `registrationId ${JSON.stringify(body.registrationId)} in the body does not match ${principal.registrationId} in the path`,
        ErrorCodes.invalidId,
      );
    }
    const work = provisionDevice(ctx, principal, body?.payload);
    const operationId = ctx.operations.start(principal, work, (e) =>
      ctx.logger.error(
        `assignment of ${principal.registrationId} failed unexpectedly: ${e.stack ?? e.message}`,
      ),
    );
    const path = `/${req.params.idScope}/registrations/${req.params.registrationId}/register`;
    return json({ operationId, status: "assigning" }, 202, retryHeaders(ctx, req, path));
  },

  RuntimeRegistration_OperationStatusLookup(ctx, req): Reply {
    const principal = devicePrincipal(ctx, req);
    const operationId = req.params.operationId as string;
    const op = ctx.operations.get(operationId);
    if (!op || op.registrationId.toLowerCase() !== principal.registrationId.toLowerCase()) {
      throw notFound(`Operation ${operationId} of ${principal.registrationId} not found`);
    }
    if (op.failure)
      throw new DpsError(500, ErrorCodes.internal, "The assignment failed inside the emulator; see its log");
    if (!op.result) {
      const path = `/${req.params.idScope}/registrations/${req.params.registrationId}/operations/${operationId}`;
      return json({ operationId, status: "assigning" }, 202, retryHeaders(ctx, req, path));
    }
    // disabled and failed also arrive with HTTP 200 (docs/dps-contracts.md §3).
    return json({
      operationId,
      status: op.result.status,
      registrationState: deviceRegistrationResult(op.result, op.principal),
    });
  },

  RuntimeRegistration_DeviceRegistrationStatusLookup(ctx, req): Reply {
    const principal = devicePrincipal(ctx, req);
    const record = ctx.store.registrations.get(principal.registrationId);
    if (!record) throw notFound(`Registration ${principal.registrationId} not found`);
    return json(deviceRegistrationResult(record, principal));
  },
};
