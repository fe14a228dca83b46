import { DpsError, ErrorCodes, notFound } from "../errors";
import type { AccessRight } from "../state/types";

export type Api = "service" | "device" | "admin";

export interface Route {
  method: string;
  /** Literal segments match case-insensitively; ":name" captures a segment. */
  path: string;
  operationId: string;
  api: Api;
  /** Any one of these rights allows the call (service and admin APIs). */
  rights?: readonly AccessRight[];
}

const READ_ENROLLMENTS: AccessRight[] = ["EnrollmentRead", "EnrollmentWrite"];
const WRITE_ENROLLMENTS: AccessRight[] = ["EnrollmentWrite"];
const READ_REGISTRATIONS: AccessRight[] = ["RegistrationStatusRead", "RegistrationStatusWrite"];
const WRITE_REGISTRATIONS: AccessRight[] = ["RegistrationStatusWrite"];
const CONFIG: AccessRight[] = ["ServiceConfig"];

/** Every operation of the 2021-10-01 service and device specs, plus the emulator's admin API. */
export const ROUTES: readonly Route[] = [
  {
    method: "GET",
    path: "enrollments/:id",
    operationId: "IndividualEnrollment_Get",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "PUT",
    path: "enrollments/:id",
    operationId: "IndividualEnrollment_CreateOrUpdate",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "DELETE",
    path: "enrollments/:id",
    operationId: "IndividualEnrollment_Delete",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollments/query",
    operationId: "IndividualEnrollment_Query",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollments/:id/attestationmechanism",
    operationId: "IndividualEnrollment_GetAttestationMechanism",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollments",
    operationId: "IndividualEnrollment_RunBulkOperation",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "GET",
    path: "enrollmentGroups/:id",
    operationId: "EnrollmentGroup_Get",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "PUT",
    path: "enrollmentGroups/:id",
    operationId: "EnrollmentGroup_CreateOrUpdate",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "DELETE",
    path: "enrollmentGroups/:id",
    operationId: "EnrollmentGroup_Delete",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollmentGroups/query",
    operationId: "EnrollmentGroup_Query",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollmentGroups/:id/attestationmechanism",
    operationId: "EnrollmentGroup_GetAttestationMechanism",
    api: "service",
    rights: READ_ENROLLMENTS,
  },
  {
    method: "POST",
    path: "enrollmentGroups",
    operationId: "EnrollmentGroup_RunBulkOperation",
    api: "service",
    rights: WRITE_ENROLLMENTS,
  },
  {
    method: "GET",
    path: "registrations/:id",
    operationId: "DeviceRegistrationState_Get",
    api: "service",
    rights: READ_REGISTRATIONS,
  },
  {
    method: "DELETE",
    path: "registrations/:id",
    operationId: "DeviceRegistrationState_Delete",
    api: "service",
    rights: WRITE_REGISTRATIONS,
  },
  {
    method: "POST",
    path: "registrations/:id/query",
    operationId: "DeviceRegistrationState_Query",
    api: "service",
    rights: READ_REGISTRATIONS,
  },
  {
    method: "PUT",
    path: ":idScope/registrations/:registrationId/register",
    operationId: "RuntimeRegistration_RegisterDevice",
    api: "device",
  },
  {
    method: "GET",
    path: ":idScope/registrations/:registrationId/operations/:operationId",
    operationId: "RuntimeRegistration_OperationStatusLookup",
    api: "device",
  },
  {
    method: "POST",
    path: ":idScope/registrations/:registrationId",
    operationId: "RuntimeRegistration_DeviceRegistrationStatusLookup",
    api: "device",
  },
  { method: "GET", path: "admin/config", operationId: "Admin_GetConfig", api: "admin", rights: CONFIG },
  { method: "PUT", path: "admin/config", operationId: "Admin_PutConfig", api: "admin", rights: CONFIG },
  {
    method: "GET",
    path: "admin/certificates",
    operationId: "Admin_ListCertificates",
    api: "admin",
    rights: CONFIG,
  },
  {
    method: "GET",
    path: "admin/certificates/:name",
    operationId: "Admin_GetCertificate",
    api: "admin",
    rights: CONFIG,
  },
  {
    method: "PUT",
    path: "admin/certificates/:name",
    operationId: "Admin_PutCertificate",
    api: "admin",
    rights: CONFIG,
  },
  {
    method: "DELETE",
    path: "admin/certificates/:name",
    operationId: "Admin_DeleteCertificate",
    api: "admin",
    rights: CONFIG,
  },
  { method: "GET", path: "admin/hubs", operationId: "Admin_ListHubs", api: "admin", rights: CONFIG },
];

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

function matchPath(
  pattern: string[],
  segments: string[],
): { params: Record<string, string>; literals: number } | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  let literals = 0;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(":")) params[p.slice(1)] = s;
    else if (p.toLowerCase() === s.toLowerCase()) literals++;
    else return undefined;
  }
  return { params, literals };
}

const COMPILED = ROUTES.map((route) => ({ route, pattern: route.path.split("/") }));

/** The most specific route (most literal segments) for the path; 405 if only the method differs. */
export function matchRoute(method: string, segments: string[]): RouteMatch {
  let best: (RouteMatch & { literals: number }) | undefined;
  let pathMatched = false;
  for (const { route, pattern } of COMPILED) {
    const m = matchPath(pattern, segments);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    if (!best || m.literals > best.literals) best = { route, params: m.params, literals: m.literals };
  }
  if (best) return { route: best.route, params: best.params };
  if (pathMatched)
    throw new DpsError(
      405,
      ErrorCodes.methodNotAllowed,
      `Method ${method} is not allowed on /${segments.join("/")}`,
    );
  throw notFound(`No DPS operation at /${segments.join("/")}`);
}

/** api-versions the emulator answers: what the Node (2021-10-01, device 2019-03-31), C# and CLI clients and the docs' curl examples send. */
export const API_VERSIONS = ["2019-03-31", "2021-06-01", "2021-10-01"] as const;
