/**
 * What a 401 from DPS's service API means, so that only the case that heals by waiting is
 * waited for, and the message names every cause it may be, with what to do for each.
 *
 * - DPS's IP filter refuses a caller's address with 401 ("Any attempt from an IP address that is
 *   rejected receives an unauthorized 401 status code and description. The response message
 *   does not mention the IP rule": learn.microsoft.com/azure/iot-dps/iot-dps-ip-filtering). So
 *   every 401 may be the IP filter, and the message says so; should a body ever name the filter,
 *   we say that alone. Waiting never helps.
 * - With Microsoft Entra ID, an identity without a data-plane role gets 401 too, and so does one
 *   whose role assignment has not reached DPS yet: "role assignment changes can take up to 10
 *   minutes to take effect" (learn.microsoft.com/azure/role-based-access-control/troubleshooting).
 *   The causes look the same on the wire, so the time the assignment was made (`roleAssignedAt`,
 *   handed over by the platform) decides: within the window a 401 may be propagation, and the
 *   call is retried until the window closes (`propagationWait`); after it, or when no time is
 *   known, it is final. Either way the message names both causes: the role, and the IP filter.
 * - With a shared key, a 401 is a wrong key or policy, or the IP filter: final.
 *
 * ROLE_PROPAGATION_WINDOW_MS is the one home of the "10 minutes": the wait, the messages and the
 * READMEs (components/platform/README.md, components/enrollments/README.md) follow it.
 */
import type { CallFailure } from "./errors";
import type { DpsConnection } from "@dps-as-code/contract";

export type UnauthorizedKind = "ip-filter" | "role-propagation" | "no-role-or-ip-filter" | "shared-key";

/** How long after a role assignment a 401 may still be propagation, and is waited for. */
export const ROLE_PROPAGATION_WINDOW_MS = 10 * 60_000;
const WINDOW_MINUTES = ROLE_PROPAGATION_WINDOW_MS / 60_000;

const IP_FILTER_TEXT = /ip ?filter|ip address|ipfilter|not allowed from|client ip/i;

function assignedAt(connection: DpsConnection): number | undefined {
  const at = connection.roleAssignedAt ? Date.parse(connection.roleAssignedAt) : NaN;
  return Number.isFinite(at) ? at : undefined;
}

export function classifyUnauthorized(
  failure: CallFailure,
  connection: DpsConnection,
  now: number,
): UnauthorizedKind {
  if (IP_FILTER_TEXT.test(`${failure.errorCode ?? ""} ${failure.serviceMessage ?? ""}`)) return "ip-filter";
  if (connection.useEntraId !== true) return "shared-key";
  const at = assignedAt(connection);
  return at !== undefined && now - at < ROLE_PROPAGATION_WINDOW_MS
    ? "role-propagation"
    : "no-role-or-ip-filter";
}

/**
 * How long a 401 is waited for: until the propagation window after the role assignment closes,
 * when the connection uses Entra ID with a known assignment time and the body does not name the
 * IP filter; otherwise not at all.
 */
export function propagationWait(
  failure: CallFailure,
  connection: DpsConnection,
): { until: number; why: string } | undefined {
  if (failure.status !== 401 || connection.useEntraId !== true) return undefined;
  if (IP_FILTER_TEXT.test(`${failure.errorCode ?? ""} ${failure.serviceMessage ?? ""}`)) return undefined;
  const at = assignedAt(connection);
  if (at === undefined) return undefined;
  return {
    until: at + ROLE_PROPAGATION_WINDOW_MS,
    why: `until ${WINDOW_MINUTES} minutes after the role assignment (${connection.roleAssignedAt}), the longest Azure takes to apply one`,
  };
}

const IP_FILTER_CAUSE =
  "the DPS's IP filter refuses this machine's address (DPS's 401 never names the rule): run from an address its service-API rule admits (prod: the dps-prod runner, see components/platform/README.md)";

/** What to do, per kind: the text appended to the failure. */
export function unauthorizedAdvice(kind: UnauthorizedKind, connection: DpsConnection): string {
  switch (kind) {
    case "ip-filter":
      return ". DPS's IP filter refused this machine's address (not retried: waiting does not help). Run from the address the DPS's service-API rule admits (prod: the dps-prod runner, see components/platform/README.md).";
    case "role-propagation":
    case "no-role-or-ip-filter": {
      const waited = kind === "role-propagation" || assignedAt(connection) !== undefined;
      const role = waited
        ? `the identity's role on this DPS, assigned at ${connection.roleAssignedAt}, has not reached DPS (Azure takes up to ${WINDOW_MINUTES} minutes, and the call was retried until then): check that the identity holds Device Provisioning Service Data Contributor on this DPS, then run \`pulumi up\` again`
        : "the identity has no data-plane role on this DPS yet: assign it Device Provisioning Service Data Contributor on this DPS (a new assignment takes up to 10 minutes to reach DPS), then run `pulumi up` again";
      return `. DPS answers 401 for two causes and does not say which: (1) ${role}; (2) ${IP_FILTER_CAUSE}.`;
    }
    case "shared-key":
      return ". Not retried: either dps.connectionString is wrong (its policy name and key must be those of a shared access policy of this DPS with EnrollmentWrite), or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which; run from an address its service-API rule admits).";
  }
}
