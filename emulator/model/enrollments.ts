import { badRequest, ErrorCodes } from "../errors";
import {
  ALLOCATION_POLICIES,
  type AllocationPolicy,
  type AttestationRecord,
  type CertificatePair,
  type CustomAllocationDefinition,
  type EnrollmentGroupRecord,
  type IndividualEnrollmentRecord,
  type InitialTwin,
  type LinkedHub,
  type RegistrationRecord,
  type ReprovisionPolicy,
  type TwinCollection,
  type X509AttestationRecord,
} from "../state/types";
import {
  base64ByteLength,
  DEVICE_ID_RULE,
  dpsTimestamp,
  generateSymmetricKey,
  ID_RULE,
  isValidDeviceId,
  isValidId,
  MAX_KEY_BYTES,
  MIN_KEY_BYTES,
  newEtag,
} from "./values";
import { certificateInfo, normaliseCertificate } from "./x509";

export type EnrollmentKind = "individual" | "group";

/** What validation needs to know about the service. */
export interface EnrollmentValidationContext {
  linkedHubs: readonly LinkedHub[];
  caCertificateExists(name: string): boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** DPS clients send absent optional fields as null (the CLI does); treat null as absent. */
const present = (v: unknown) => v !== undefined && v !== null;

const MIN_CUSTOM_API_VERSION = "2018-09-01-preview";

/**
 * Validates a PUT body (or one bulk item) and builds the stored record. Read-only fields in the
 * body (etag, timestamps, registrationState) are ignored, as DPS does. Messages name the
 * enrollment and the field; they never contain key material.
 */
export function parseIndividualEnrollment(
  body: unknown,
  pathId: string | undefined,
  existing: IndividualEnrollmentRecord | undefined,
  ctx: EnrollmentValidationContext,
): IndividualEnrollmentRecord {
  if (!isObject(body)) throw badRequest("The request body must be a JSON IndividualEnrollment object");
  const id = resolveId(body.registrationId, pathId, "registrationId");
  const where = `individual enrollment ${id}`;
  const common = parseCommon(body, where, "individual", existing, ctx);
  const record: IndividualEnrollmentRecord = { registrationId: id, ...common };
  if (present(body.deviceId)) {
    if (!isValidDeviceId(body.deviceId)) {
      throw badRequest(
        `${where}: deviceId ${JSON.stringify(body.deviceId)} is invalid; allowed: ${DEVICE_ID_RULE}`,
      );
    }
    record.deviceId = body.deviceId;
  }
  if (present(body.optionalDeviceInformation)) {
    if (!isObject(body.optionalDeviceInformation))
      throw badRequest(`${where}: optionalDeviceInformation must be an object`);
    record.optionalDeviceInformation = body.optionalDeviceInformation as TwinCollection;
  }
  return record;
}

export function parseEnrollmentGroup(
  body: unknown,
  pathId: string | undefined,
  existing: EnrollmentGroupRecord | undefined,
  ctx: EnrollmentValidationContext,
): EnrollmentGroupRecord {
  if (!isObject(body)) throw badRequest("The request body must be a JSON EnrollmentGroup object");
  const id = resolveId(body.enrollmentGroupId, pathId, "enrollmentGroupId");
  const where = `enrollment group ${id}`;
  if (body.attestation && isObject(body.attestation) && body.attestation.type === "tpm") {
    throw badRequest(
      `${where}: attestation.type tpm is not allowed for enrollment groups; allowed: x509, symmetricKey`,
      ErrorCodes.invalidAttestation,
    );
  }
  return { enrollmentGroupId: id, ...parseCommon(body, where, "group", existing, ctx) };
}

function resolveId(bodyId: unknown, pathId: string | undefined, field: string): string {
  const id = present(bodyId) ? bodyId : pathId;
  if (!isValidId(id)) {
    throw badRequest(
      `${field} ${JSON.stringify(id ?? null)} is invalid; allowed: ${ID_RULE}`,
      ErrorCodes.invalidId,
    );
  }
  if (pathId !== undefined && id.toLowerCase() !== pathId.toLowerCase()) {
    throw badRequest(
      `${field} ${JSON.stringify(id)} in the body does not match ${JSON.stringify(pathId)} in the path`,
      ErrorCodes.invalidId,
    );
  }
  return id;
}

type Common = Omit<IndividualEnrollmentRecord, "registrationId" | "deviceId" | "optionalDeviceInformation">;

function parseCommon(
  body: Json,
  where: string,
  kind: EnrollmentKind,
  existing: { createdDateTimeUtc: string } | undefined,
  ctx: EnrollmentValidationContext,
): Common {
  const now = dpsTimestamp();
  const common: Common = {
    attestation: parseAttestation(body.attestation, where, kind, ctx),
    capabilities: { iotEdge: parseCapabilities(body.capabilities, where) },
    etag: newEtag(),
    provisioningStatus: parseProvisioningStatus(body.provisioningStatus, where),
    reprovisionPolicy: parseReprovisionPolicy(body.reprovisionPolicy, where),
    createdDateTimeUtc: existing?.createdDateTimeUtc ?? now,
    lastUpdatedDateTimeUtc: now,
  };
  if (present(body.initialTwin)) common.initialTwin = parseInitialTwin(body.initialTwin, where);
  if (present(body.iotHubHostName)) {
    common.iotHubHostName = linkedHubName(body.iotHubHostName, `${where}: iotHubHostName`, ctx.linkedHubs);
  }
  if (present(body.iotHubs)) {
    if (!Array.isArray(body.iotHubs))
      throw badRequest(`${where}: iotHubs must be an array of linked hub host names`);
    const hubs = body.iotHubs.map((h, i) => linkedHubName(h, `${where}: iotHubs[${i}]`, ctx.linkedHubs));
    if (hubs.length > 0) common.iotHubs = [...new Set(hubs)];
  }
  if (present(body.allocationPolicy)) {
    if (!ALLOCATION_POLICIES.includes(body.allocationPolicy as AllocationPolicy)) {
      throw badRequest(
        `${where}: allocationPolicy is ${JSON.stringify(body.allocationPolicy)}; allowed: ${ALLOCATION_POLICIES.join(", ")}`,
      );
    }
    common.allocationPolicy = body.allocationPolicy as AllocationPolicy;
  }
  // DPS refuses hubs without a policy instead of applying its own (the DPS-level) one:
  // 400004 "Enrollment allocationPolicy must be specified when iotHubs are specified."
  // (Azure/azure-sdk-for-python#35368, answer of the real service to a group with iotHubs only).
  if (common.iotHubs && !common.allocationPolicy) {
    throw badRequest(
      "Enrollment allocationPolicy must be specified when iotHubs are specified.",
      ErrorCodes.badRequest,
    );
  }
  if (common.allocationPolicy === "static") {
    const hubs = common.iotHubs ?? (common.iotHubHostName ? [common.iotHubHostName] : []);
    if (hubs.length !== 1) {
      throw badRequest(
        `${where}: allocationPolicy static needs exactly one hub in iotHubs; got ${hubs.length}`,
      );
    }
  }
  if (present(body.customAllocationDefinition)) {
    common.customAllocationDefinition = parseCustomDefinition(body.customAllocationDefinition, where);
  }
  if (common.allocationPolicy === "custom" && !common.customAllocationDefinition) {
    throw badRequest(
      `${where}: allocationPolicy custom needs customAllocationDefinition { webhookUrl, apiVersion }`,
    );
  }
  return common;
}

function linkedHubName(value: unknown, field: string, linkedHubs: readonly LinkedHub[]): string {
  const hub =
    typeof value === "string"
      ? linkedHubs.find((h) => h.hostName.toLowerCase() === value.toLowerCase())
      : undefined;
  if (!hub) {
    const known = linkedHubs.map((h) => h.hostName).join(", ") || "none";
    throw badRequest(
      `${field} is ${JSON.stringify(value)}, which is not a linked IoT hub; linked hubs: ${known}`,
    );
  }
  return hub.hostName;
}

function parseCapabilities(value: unknown, where: string): boolean {
  if (!present(value)) return false;
  if (!isObject(value) || (present(value.iotEdge) && typeof value.iotEdge !== "boolean")) {
    throw badRequest(`${where}: capabilities must be { "iotEdge": true | false }`);
  }
  return value.iotEdge === true;
}

function parseProvisioningStatus(value: unknown, where: string): "enabled" | "disabled" {
  if (!present(value)) return "enabled";
  if (value !== "enabled" && value !== "disabled") {
    throw badRequest(`${where}: provisioningStatus is ${JSON.stringify(value)}; allowed: enabled, disabled`);
  }
  return value;
}

function parseReprovisionPolicy(value: unknown, where: string): ReprovisionPolicy {
  if (!present(value)) return { updateHubAssignment: true, migrateDeviceData: true };
  if (!isObject(value))
    throw badRequest(`${where}: reprovisionPolicy must be { updateHubAssignment, migrateDeviceData }`);
  const flag = (name: "updateHubAssignment" | "migrateDeviceData"): boolean => {
    const v = value[name];
    if (!present(v)) return true;
    if (typeof v !== "boolean") throw badRequest(`${where}: reprovisionPolicy.${name} must be true or false`);
    return v;
  };
  return { updateHubAssignment: flag("updateHubAssignment"), migrateDeviceData: flag("migrateDeviceData") };
}

function parseInitialTwin(value: unknown, where: string): InitialTwin {
  if (!isObject(value))
    throw badRequest(`${where}: initialTwin must be { tags?, properties?: { desired? } }`);
  const twin: InitialTwin = {};
  if (present(value.tags)) {
    if (!isObject(value.tags)) throw badRequest(`${where}: initialTwin.tags must be an object`);
    twin.tags = value.tags;
  }
  if (present(value.properties)) {
    if (!isObject(value.properties)) throw badRequest(`${where}: initialTwin.properties must be an object`);
    const desired = value.properties.desired;
    twin.properties = {};
    if (present(desired)) {
      if (!isObject(desired)) throw badRequest(`${where}: initialTwin.properties.desired must be an object`);
      twin.properties.desired = desired;
    }
  }
  return twin;
}

function parseCustomDefinition(value: unknown, where: string): CustomAllocationDefinition {
  if (!isObject(value))
    throw badRequest(`${where}: customAllocationDefinition must be { webhookUrl, apiVersion }`);
  const { webhookUrl, apiVersion } = value;
  let url: URL | undefined;
  try {
    url = typeof webhookUrl === "string" ? new URL(webhookUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    // The URL itself is not echoed: it usually carries a function key.
    throw badRequest(`${where}: customAllocationDefinition.webhookUrl must be an absolute http(s) URL`);
  }
  if (
    typeof apiVersion !== "string" ||
    !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion) ||
    apiVersion < MIN_CUSTOM_API_VERSION
  ) {
    throw badRequest(
      `${where}: customAllocationDefinition.apiVersion is ${JSON.stringify(apiVersion)}; allowed: a DPS api-version from ${MIN_CUSTOM_API_VERSION} on, such as 2021-10-01`,
    );
  }
  return { webhookUrl: webhookUrl as string, apiVersion };
}

function parseKey(value: unknown, field: string): string {
  const bytes = typeof value === "string" ? base64ByteLength(value) : undefined;
  if (bytes === undefined || bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    // Never echo key material, only its size.
    const got = bytes === undefined ? "not valid base64" : `${bytes} bytes`;
    throw badRequest(
      `${field} must be base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes; got ${got}`,
      ErrorCodes.invalidAttestation,
    );
  }
  return value as string;
}

function parseAttestation(
  value: unknown,
  where: string,
  kind: EnrollmentKind,
  ctx: EnrollmentValidationContext,
): AttestationRecord {
  if (!isObject(value))
    throw badRequest(
      `${where}: attestation is required: { "type": "symmetricKey" | "x509" | "tpm", ... }`,
      ErrorCodes.invalidAttestation,
    );
  switch (value.type) {
    case "none":
      return { type: "none" };
    case "symmetricKey": {
      const sk = isObject(value.symmetricKey) ? value.symmetricKey : {};
      // DPS generates 64-byte keys for the keys the caller leaves out (on every PUT: keys are
      // not returned by GET, so a caller that wants to keep them must send them back).
      return {
        type: "symmetricKey",
        symmetricKey: {
          primaryKey: present(sk.primaryKey)
            ? parseKey(sk.primaryKey, `${where}: attestation.symmetricKey.primaryKey`)
            : generateSymmetricKey(),
          secondaryKey: present(sk.secondaryKey)
            ? parseKey(sk.secondaryKey, `${where}: attestation.symmetricKey.secondaryKey`)
            : generateSymmetricKey(),
        },
      };
    }
    case "tpm": {
      const tpm = isObject(value.tpm) ? value.tpm : {};
      if (
        typeof tpm.endorsementKey !== "string" ||
        base64ByteLength(tpm.endorsementKey) === undefined ||
        tpm.endorsementKey === ""
      ) {
        throw badRequest(
          `${where}: attestation.tpm.endorsementKey is required (base64)`,
          ErrorCodes.invalidAttestation,
        );
      }
      if (
        present(tpm.storageRootKey) &&
        (typeof tpm.storageRootKey !== "string" || base64ByteLength(tpm.storageRootKey) === undefined)
      ) {
        throw badRequest(
          `${where}: attestation.tpm.storageRootKey must be base64`,
          ErrorCodes.invalidAttestation,
        );
      }
      return {
        type: "tpm",
        tpm: {
          endorsementKey: tpm.endorsementKey,
          ...(typeof tpm.storageRootKey === "string" ? { storageRootKey: tpm.storageRootKey } : {}),
        },
      };
    }
    case "x509":
      return { type: "x509", x509: parseX509(value.x509, where, kind, ctx) };
    default:
      throw badRequest(
        `${where}: attestation.type is ${JSON.stringify(value.type)}; allowed: ${kind === "group" ? "x509, symmetricKey" : "tpm, x509, symmetricKey"}`,
        ErrorCodes.invalidAttestation,
      );
  }
}

function parseCertificatePair(value: unknown, field: string): CertificatePair | undefined {
  if (!present(value)) return undefined;
  if (!isObject(value))
    throw badRequest(
      `${field} must be { primary: { certificate }, secondary?: { certificate } }`,
      ErrorCodes.invalidAttestation,
    );
  const one = (slot: "primary" | "secondary") => {
    const v = value[slot];
    if (!present(v)) return undefined;
    if (!isObject(v))
      throw badRequest(`${field}.${slot} must be { certificate }`, ErrorCodes.invalidAttestation);
    return { certificate: normaliseCertificate(v.certificate, `${field}.${slot}.certificate`) };
  };
  const pair: CertificatePair = {};
  const primary = one("primary");
  const secondary = one("secondary");
  if (primary) pair.primary = primary;
  if (secondary) pair.secondary = secondary;
  if (!pair.primary) throw badRequest(`${field}.primary is required`, ErrorCodes.invalidAttestation);
  return pair;
}

function parseX509(
  value: unknown,
  where: string,
  kind: EnrollmentKind,
  ctx: EnrollmentValidationContext,
): X509AttestationRecord {
  if (!isObject(value))
    throw badRequest(`${where}: attestation.x509 is required for type x509`, ErrorCodes.invalidAttestation);
  const record: X509AttestationRecord = {};
  const client = parseCertificatePair(
    value.clientCertificates,
    `${where}: attestation.x509.clientCertificates`,
  );
  const signing = parseCertificatePair(
    value.signingCertificates,
    `${where}: attestation.x509.signingCertificates`,
  );
  if (client) record.clientCertificates = client;
  if (signing) record.signingCertificates = signing;
  if (present(value.caReferences)) {
    const refs = value.caReferences;
    if (!isObject(refs) || typeof refs.primary !== "string") {
      throw badRequest(
        `${where}: attestation.x509.caReferences must be { primary: "<CA name>", secondary?: "<CA name>" }`,
        ErrorCodes.invalidAttestation,
      );
    }
    for (const slot of ["primary", "secondary"] as const) {
      const name = refs[slot];
      if (!present(name)) continue;
      if (typeof name !== "string" || !ctx.caCertificateExists(name)) {
        throw badRequest(
          `${where}: attestation.x509.caReferences.${slot} names CA certificate ${JSON.stringify(name)}, which is not uploaded to this DPS`,
          ErrorCodes.invalidAttestation,
        );
      }
    }
    record.caReferences = {
      primary: refs.primary,
      ...(typeof refs.secondary === "string" ? { secondary: refs.secondary } : {}),
    };
  }
  const ok =
    kind === "individual"
      ? !!record.clientCertificates || !!record.caReferences
      : !!record.signingCertificates || !!record.caReferences;
  if (!ok || (kind === "group" && record.clientCertificates)) {
    throw badRequest(
      kind === "individual"
        ? `${where}: attestation.x509 needs clientCertificates.primary (the device certificate)`
        : `${where}: attestation.x509 needs signingCertificates.primary or caReferences.primary (client certificates belong to individual enrollments)`,
      ErrorCodes.invalidAttestation,
    );
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// Views: what the service returns.

/** The attestation as returned: keys only when `withKeys` (PUT reply, attestationmechanism). */
export function attestationView(a: AttestationRecord, withKeys: boolean): Json {
  switch (a.type) {
    case "symmetricKey":
      return withKeys ? { type: a.type, symmetricKey: { ...a.symmetricKey } } : { type: a.type };
    case "x509": {
      const pair = (p: CertificatePair | undefined) =>
        p && {
          primary: p.primary ? { info: certificateInfo(p.primary.certificate) } : null,
          secondary: p.secondary ? { info: certificateInfo(p.secondary.certificate) } : null,
        };
      const x: Json = {};
      if (a.x509.clientCertificates) x.clientCertificates = pair(a.x509.clientCertificates);
      if (a.x509.signingCertificates) x.signingCertificates = pair(a.x509.signingCertificates);
      if (a.x509.caReferences) x.caReferences = { ...a.x509.caReferences };
      return { type: a.type, x509: x };
    }
    default:
      return { ...a };
  }
}

function commonView(e: Common, withKeys: boolean): Json {
  const v: Json = {
    attestation: attestationView(e.attestation, withKeys),
    capabilities: { ...e.capabilities },
    etag: e.etag,
    provisioningStatus: e.provisioningStatus,
    reprovisionPolicy: { ...e.reprovisionPolicy },
    createdDateTimeUtc: e.createdDateTimeUtc,
    lastUpdatedDateTimeUtc: e.lastUpdatedDateTimeUtc,
  };
  if (e.iotHubHostName) v.iotHubHostName = e.iotHubHostName;
  if (e.initialTwin) v.initialTwin = e.initialTwin;
  if (e.allocationPolicy) v.allocationPolicy = e.allocationPolicy;
  if (e.iotHubs) v.iotHubs = [...e.iotHubs];
  if (e.customAllocationDefinition) v.customAllocationDefinition = { ...e.customAllocationDefinition };
  return v;
}

/** `https://host/path?****`: the URL with its query masked, as DPS shows webhook URLs. */
export function maskedWebhookUrl(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?****`;
}

/** An enrollment reply with its webhook URL shown as `display` says. */
export function withWebhookUrlShown(view: Json, display: "clear" | "masked"): Json {
  const definition = view.customAllocationDefinition as { webhookUrl?: string } | undefined;
  if (display === "clear" || !definition?.webhookUrl) return view;
  return {
    ...view,
    customAllocationDefinition: { ...definition, webhookUrl: maskedWebhookUrl(definition.webhookUrl) },
  };
}

export function individualEnrollmentView(
  e: IndividualEnrollmentRecord,
  registration: RegistrationRecord | undefined,
  withKeys: boolean,
): Json {
  const v: Json = { registrationId: e.registrationId };
  if (e.deviceId) v.deviceId = e.deviceId;
  if (registration) v.registrationState = registrationStateView(registration);
  if (e.optionalDeviceInformation) v.optionalDeviceInformation = e.optionalDeviceInformation;
  return { ...v, ...commonView(e, withKeys) };
}

export function enrollmentGroupView(g: EnrollmentGroupRecord, withKeys: boolean): Json {
  return { enrollmentGroupId: g.enrollmentGroupId, ...commonView(g, withKeys) };
}

/** DeviceRegistrationState as the service API returns it. */
export function registrationStateView(r: RegistrationRecord): Json {
  const v: Json = {
    registrationId: r.registrationId,
    createdDateTimeUtc: r.createdDateTimeUtc,
  };
  if (r.assignedHub) v.assignedHub = r.assignedHub;
  if (r.deviceId) v.deviceId = r.deviceId;
  v.status = r.status;
  if (r.substatus) v.substatus = r.substatus;
  if (r.errorCode !== undefined) v.errorCode = r.errorCode;
  if (r.errorMessage !== undefined) v.errorMessage = r.errorMessage;
  v.lastUpdatedDateTimeUtc = r.lastUpdatedDateTimeUtc;
  v.etag = r.etag;
  if (r.payload !== undefined) v.payload = r.payload;
  return v;
}
