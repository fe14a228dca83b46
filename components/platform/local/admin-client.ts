/**
 * The DPS emulator's admin API (`GET|PUT /admin/config`, `PUT|DELETE /admin/certificates/{name}`;
 * see emulator/README.md), called through the DPS client part's service request
 * (components/dps-client/service-request.ts): signed with the connection string's policy, trusting
 * only the emulator's CA, retried on transient faults, failures read as every DPS failure is.
 * What this file adds is the words: every message names the LocalProvisioningService operation,
 * the request and what to do.
 */
import {
  type CallFailure,
  isDpsCallError,
  isTransient,
  serviceCredentials,
  serviceRequest,
  type ServiceRequest,
  type ServiceRequestOptions,
} from "../../dps-client";
import type { LocalProvisioningServiceInputs } from "./types";

export interface AdminResponse {
  status: number;
  body: unknown;
}

export type AdminTarget = Pick<
  LocalProvisioningServiceInputs,
  "serviceHost" | "connectionString" | "trustedCaCertificate"
>;

/**
 * Retried: what DPS calls retry (throttling, 5xx, resets, timeouts), except a refused connection:
 * an emulator that is not running does not start by waiting, and `pulumi destroy` of a local
 * stack whose emulator is gone must end at once (delete treats ECONNREFUSED as done).
 */
function worthRetrying(failure: CallFailure): boolean {
  return isTransient(failure) && failure.networkCode !== "ECONNREFUSED";
}

/**
 * One admin API call; `operation` (create, read, ...) prefixes every error message. Statuses in
 * `accept` (e.g. 404 on a DELETE) are answers, not failures.
 */
export async function adminRequest(
  target: AdminTarget,
  operation: string,
  method: ServiceRequest["method"],
  path: string,
  body?: unknown,
  accept: readonly number[] = [],
  options: ServiceRequestOptions = {},
): Promise<AdminResponse> {
  const credentials = serviceCredentials(target.connectionString);
  if (!credentials) {
    // Never echo the connection string: it holds the key.
    throw new Error(
      `LocalProvisioningService ${operation}: the emulator connection string must have HostName, SharedAccessKeyName and SharedAccessKey (check dps-as-code:emulatorConnectionString)`,
    );
  }
  const where = `${method} ${path} on ${target.serviceHost}`;
  try {
    return await serviceRequest(
      { serviceHost: target.serviceHost, credentials, trustedCaCertificate: target.trustedCaCertificate },
      { method, path, body, accept },
      { isRetryable: worthRetrying, ...options },
    );
  } catch (error) {
    if (!isDpsCallError(error)) throw error;
    const { failure } = error;
    if (failure.status === undefined) {
      const reason = failure.networkCode ?? failure.description;
      throw Object.assign(
        new Error(
          `LocalProvisioningService ${operation}: cannot reach the DPS emulator (${where}): ${reason}. Start it (npm run emulator) and set dps-as-code:emulator to its serviceHost and caCertPath.`,
        ),
        { code: failure.networkCode },
      );
    }
    const detail = [failure.errorCode, failure.serviceMessage].filter((x) => x !== undefined).join(" ");
    const retried = error.attempts > 1 ? ` (after ${error.attempts} attempts)` : "";
    throw new Error(
      `LocalProvisioningService ${operation}: ${where} failed with HTTP ${failure.status}${retried}: ${detail}`,
    );
  }
}
