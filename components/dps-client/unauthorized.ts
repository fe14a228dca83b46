/**
 * What a 401 from DPS's service API means, so that only the case that heals by waiting is
 * retried, and the message says which case it is.
 *
 * - DPS's IP filter refuses a caller's address with 401 ("Any attempt from an IP address that is
 *   rejected receives an unauthorized 401 status code and description. The response message
 *   does not mention the IP rule": learn.microsoft.com/azure/iot-dps/iot-dps-ip-filtering). So
 *   every 401 may be the IP filter, and the advice says so; should a body ever name the filter,
 *   we say that alone. Waiting never helps.
 * - With Microsoft Entra ID, an identity without a data-plane role gets 401 too, and so does one
 *   whose role assignment has not reached DPS yet: "role assignment changes can take up to 10
 *   minutes to take effect" (learn.microsoft.com/azure/role-based-access-control/troubleshooting).
 *   The two look the same on the wire, so the time the assignment was made (`roleAssignedAt`,
 *   handed over by the platform) decides: within the window it is propagation and is retried;
 *   after it, or when no time is known, it is final.
 * - With a shared key, a 401 is a wrong key or policy, or the IP filter: final.
 */
import type { CallFailure } from "./errors";
import type { DpsConnection } from "@dps-as-code/contract";

export type UnauthorizedKind = "ip-filter" | "role-propagation" | "no-role-or-ip-filter" | "shared-key";

/** How long after a role assignment a 401 is still taken for propagation. */
export const ROLE_PROPAGATION_WINDOW_MS = 10 * 60_000;

const IP_FILTER_TEXT = /ip ?filter|ip address|ipfilter|not allowed from|client ip/i;

export function classifyUnauthorized(
  failure: CallFailure,
  connection: DpsConnection,
  now: number,
): UnauthorizedKind {
  if (IP_FILTER_TEXT.test(`${failure.errorCode ?? ""} ${failure.serviceMessage ?? ""}`)) return "ip-filter";
  if (connection.useEntraId !== true) return "shared-key";
  const assignedAt = connection.roleAssignedAt ? Date.parse(connection.roleAssignedAt) : NaN;
  return Number.isFinite(assignedAt) && now - assignedAt < ROLE_PROPAGATION_WINDOW_MS
    ? "role-propagation"
    : "no-role-or-ip-filter";
}

/** What to do, per kind: the text appended to the failure. */
export function unauthorizedAdvice(kind: UnauthorizedKind, connection: DpsConnection): string {
  switch (kind) {
    case "ip-filter":
      return ". DPS's IP filter refused this machine's address (not retried: waiting does not help). Run from the address the DPS's service-API rule admits (prod: the dps-prod runner, see components/platform/README.md).";
    case "role-propagation":
      return `. The identity's role on this DPS was assigned at ${connection.roleAssignedAt} and has not reached DPS yet (Azure takes up to 10 minutes): retried, then given up; run \`pulumi up\` again in a few minutes.`;
    case "no-role-or-ip-filter":
      return ". Not retried: either the identity has no data-plane role on this DPS (assign Device Provisioning Service Data Contributor), or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which).";
    case "shared-key":
      return ". Not retried: either dps.connectionString is wrong (its policy name and key must be those of a shared access policy of this DPS with EnrollmentWrite), or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which; run from an address its service-API rule admits).";
  }
}
