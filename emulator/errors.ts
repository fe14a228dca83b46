import { randomUUID } from "node:crypto";
import { dpsTimestamp } from "./model/values";

/**
 * DPS's error body (ProvisioningServiceErrorDetails in the 2021-10-01 spec). Every error the
 * emulator returns has this shape plus an `x-ms-error-code` header carrying `errorCode`.
 */
export interface DpsErrorBody {
  errorCode: number;
  trackingId: string;
  message: string;
  info?: Record<string, string>;
  timestampUtc: string;
}

/**
 * The numeric codes follow DPS's `<http status><3 digits>` pattern. Codes seen on the real service
 * are marked; the others are the emulator's choice where DPS publishes no catalogue (docs/dps-contracts.md §1, "Errors").
 */
export const ErrorCodes = {
  badRequest: 400004,
  invalidId: 400011,
  invalidAttestation: 400012,
  invalidQuery: 400013,
  bulkInvalid: 400014,
  unsupportedAttestation: 400015,
  /** Real: CustomAllocationFailed. */
  customAllocationFailed: 400207,
  /** Real: CustomAllocationIotHubNotSpecified. */
  customAllocationIotHubNotSpecified: 400208,
  /** Real: CustomAllocationUnauthorizedAccess. */
  customAllocationUnauthorizedAccess: 400209,
  /** Real: "Unauthorized" on a bad SAS. */
  unauthorized: 401000,
  /** Real: "Invalid certificate". */
  invalidCertificate: 401002,
  insufficientRights: 401003,
  tokenExpired: 401004,
  quotaExceeded: 403002,
  /** Real: returned for a missing registration / enrollment. */
  notFound: 404201,
  /** Real: the second not-found code of the service API. */
  enrollmentNotFound: 404202,
  methodNotAllowed: 405000,
  conflict: 409201,
  preconditionFailed: 412002,
  payloadTooLarge: 413001,
  unsupportedMediaType: 415001,
  throttled: 429001,
  internal: 500000,
  injectedFault: 503001,
  noHubAvailable: 400301,
} as const;

/** An error that is answered to the client with DPS's error body. Never put secrets in `message`. */
export class DpsError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    readonly info?: Record<string, string>,
    /** Extra response headers (e.g. Retry-After on 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "DpsError";
  }
}

/** The one error factory: builds the body and headers DPS sends for an error. */
export function errorResponse(err: DpsError): {
  status: number;
  headers: Record<string, string>;
  body: DpsErrorBody;
} {
  const body: DpsErrorBody = {
    errorCode: err.errorCode,
    trackingId: randomUUID(),
    message: err.message,
    ...(err.info ? { info: err.info } : {}),
    timestampUtc: dpsTimestamp(),
  };
  return {
    status: err.status,
    headers: { "x-ms-error-code": String(err.errorCode), ...(err.headers ?? {}) },
    body,
  };
}

export const badRequest = (message: string, code: number = ErrorCodes.badRequest): DpsError =>
  new DpsError(400, code, message);
export const notFound = (message: string, code: number = ErrorCodes.notFound): DpsError =>
  new DpsError(404, code, message);
export const unauthorized = (message = "Unauthorized", code: number = ErrorCodes.unauthorized): DpsError =>
  new DpsError(401, code, message);
export const conflict = (message: string): DpsError => new DpsError(409, ErrorCodes.conflict, message);
export const preconditionFailed = (message: string): DpsError =>
  new DpsError(412, ErrorCodes.preconditionFailed, message);
export const quotaExceeded = (message: string): DpsError =>
  new DpsError(403, ErrorCodes.quotaExceeded, message);
