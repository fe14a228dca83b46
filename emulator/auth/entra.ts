/**
 * Microsoft Entra ID on the service API: `Authorization: Bearer <token>`, with the caller's
 * data-plane role deciding what it may do; not available on the device API
 * (learn.microsoft.com/azure/iot-dps/concepts-control-access-dps-azure-ad). The emulator stands in
 * for Entra ID with opaque tokens named in its config, each with the role its identity holds and
 * the moment that role takes effect: a role assignment "can take up to 10 minutes" to take effect
 * (learn.microsoft.com/azure/role-based-access-control/troubleshooting). Until then, and for a
 * token with no role, the answer is DPS's plain 401, the same as its IP filter's
 * (learn.microsoft.com/azure/iot-dps/iot-dps-ip-filtering: "The response message does not mention
 * the IP rule"), so a client cannot tell the causes apart, as on Azure.
 */
import { unauthorized } from "../errors";
import { header } from "../http/request";
import type { AccessRight } from "../state/types";
import { isDevicePath, type Authenticator } from "./authenticators";

export type EntraRole =
  "Device Provisioning Service Data Contributor" | "Device Provisioning Service Data Reader";

export interface EntraIdentity {
  /** The bearer token that stands for this identity (never logged). */
  token: string;
  /** Its data-plane role on this DPS; none when absent. */
  role?: EntraRole;
  /** When the role takes effect (ISO 8601); at once when absent. */
  roleEffectiveAt?: string;
}

const RIGHTS: Record<EntraRole, AccessRight[]> = {
  "Device Provisioning Service Data Contributor": [
    "EnrollmentRead",
    "EnrollmentWrite",
    "RegistrationStatusRead",
    "RegistrationStatusWrite",
  ],
  "Device Provisioning Service Data Reader": ["EnrollmentRead", "RegistrationStatusRead"],
};

/** Checks the config's identities; throws naming the entry and field. */
export function parseEntraIdentities(value: unknown, where: string): EntraIdentity[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: entraIdentities must be a list`);
  return value.map((raw, i) => {
    const at = `${where}: entraIdentities[${i}]`;
    const r = (raw ?? {}) as Record<string, unknown>;
    if (typeof r.token !== "string" || r.token.length < 8)
      throw new Error(`${at}.token must be a string of at least 8 characters`);
    if (r.role !== undefined && !(typeof r.role === "string" && r.role in RIGHTS))
      throw new Error(`${at}.role is ${JSON.stringify(r.role)}; allowed: ${Object.keys(RIGHTS).join(", ")}`);
    if (r.roleEffectiveAt !== undefined && Number.isNaN(Date.parse(String(r.roleEffectiveAt))))
      throw new Error(
        `${at}.roleEffectiveAt is ${JSON.stringify(r.roleEffectiveAt)}; expected an ISO 8601 time`,
      );
    return r as unknown as EntraIdentity;
  });
}

/** Service API, bearer tokens: first in the chain, since a SAS parser would call one malformed. */
export function entraAuthenticator(
  identities: () => readonly EntraIdentity[],
  now = () => Date.now(),
): Authenticator {
  return {
    name: "entra-id",
    authenticate(req) {
      const auth = header(req, "authorization");
      if (!auth || !/^bearer /i.test(auth) || isDevicePath(req.segments)) return { result: "not-mine" };
      const token = auth.slice("bearer ".length).trim();
      const identity = identities().find((i) => i.token === token);
      const effective =
        identity?.role !== undefined &&
        (identity.roleEffectiveAt === undefined || Date.parse(identity.roleEffectiveAt) <= now());
      if (!identity || !effective) return { result: "fail", error: unauthorized() };
      return {
        result: "pass",
        principal: { kind: "service", policyName: "entra-id", rights: new Set(RIGHTS[identity.role!]) },
      };
    },
  };
}
