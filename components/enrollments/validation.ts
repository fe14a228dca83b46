/**
 * check(): validate resolved inputs the way DPS would, before any call, so a bad enrollment fails at
 * preview with a message naming the enrollment, the field, the value and what is allowed, instead of
 * a 400 halfway through an update. Pure: no I/O, the clock is a parameter.
 *
 * Values still unknown during preview (the engine's sentinel string) are skipped, never reported.
 * Secret values (keys, connection strings, webhook URLs) are described, never echoed.
 */
import {
  ALLOCATION_POLICIES,
  type AllocationPolicy,
  allocationRuleViolations,
  canonicalEnum,
  checkTwinCollection,
  CUSTOM_ALLOCATION_API_VERSION_RULE,
  decodeStrictBase64,
  describeEnrollment,
  type EnrollmentKind,
  GROUP_ATTESTATION_TYPES,
  HUBS_WITHOUT_POLICY_ALLOWED,
  INDIVIDUAL_ATTESTATION_TYPES,
  isCustomAllocationApiVersion,
  isValidDeviceId,
  isValidEnrollmentId,
  kindInfo,
  missingConnectionStringFields,
  parseCertificate,
  parseConnectionString,
  PROVISIONING_STATUSES,
  SYMMETRIC_KEY_BYTES,
  type TwinSection,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { OWNER_TAG } from "./ownership";

export interface CheckFailure {
  /** Dotted path of the offending input, e.g. `attestation.symmetricKey.primaryKey`. */
  property: string;
  /** The whole message: enrollment, property, problem and what is allowed. */
  reason: string;
  /** The same without the enrollment and property in front (the manifest loader names those itself). */
  detail: string;
}

/** This project's rule (not DPS's): a production exception needs a reason a reviewer can read. */
export const MIN_SYMMETRIC_KEY_REASON_LENGTH = 10;

type Inputs = Record<string, unknown>;

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value for a message, cut so that a huge value cannot flood a log. */
function quote(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 80 ? `${text.slice(0, 60)}... (${text.length} characters)` : text;
  return typeof value === "string" ? `"${cut}"` : cut;
}

export function validateEnrollmentInputs(kind: EnrollmentKind, inputs: Inputs, now: Date): CheckFailure[] {
  const info = kindInfo(kind);
  const failures: CheckFailure[] = [];
  const rawId = inputs[info.idField];
  const idForMessages = typeof rawId === "string" && !isUnknown(rawId) ? rawId : "(unknown id)";
  const subject = describeEnrollment(kind, idForMessages);
  const fail = (property: string, detail: string) =>
    failures.push({ property, reason: `${subject}: ${property} ${detail}`, detail });

  validateId(info.idField, rawId, fail);
  if (kind === "individual") {
    validateDeviceId(inputs.deviceId, fail);
    validateTwinCollection("optionalDeviceInformation", inputs.optionalDeviceInformation, undefined, fail);
  } else {
    for (const field of ["registrationId", "deviceId", "optionalDeviceInformation"]) {
      if (inputs[field] !== undefined)
        fail(field, "is not allowed: enrollment groups have no such field (individual enrollments only)");
    }
  }
  validateAttestation(kind, inputs.attestation, now, fail);
  validateAllocation(inputs, fail);
  validateReprovisionPolicy(inputs.reprovisionPolicy, fail);
  validateInitialTwin(inputs.initialTwin, fail);
  validateCapabilities(inputs.capabilities, fail);
  validateProvisioningStatus(inputs.provisioningStatus, fail);
  validateConnection(inputs.dps, now, fail);
  validateControls(inputs, fail);
  return failures;
}

type Fail = (property: string, reason: string) => void;

function validateId(field: string, id: unknown, fail: Fail): void {
  if (isUnknown(id)) return;
  if (typeof id !== "string" || id.length === 0) {
    fail(field, "is required: a string of 1 to 128 characters");
  } else if (!isValidEnrollmentId(id)) {
    fail(
      field,
      `${quote(id)} is not a valid DPS id: use 1 to 128 characters from letters, digits, '-', '.', '_' and ':', ` +
        "starting with a letter or digit and ending with a letter, digit or '-'",
    );
  }
}

function validateDeviceId(deviceId: unknown, fail: Fail): void {
  if (deviceId === undefined || isUnknown(deviceId)) return;
  if (typeof deviceId !== "string" || !isValidDeviceId(deviceId)) {
    fail(
      "deviceId",
      `${quote(deviceId)} is not a valid IoT Hub device id: use 1 to 128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '`,
    );
  }
}

function validateAttestation(kind: EnrollmentKind, attestation: unknown, now: Date, fail: Fail): void {
  if (isUnknown(attestation)) return;
  if (!isObject(attestation)) {
    fail("attestation", 'is required: { type: "symmetricKey" | "x509" | "tpm", ... }');
    return;
  }
  const type = attestation.type;
  if (isUnknown(type)) return;
  const allowed: readonly string[] =
    kind === "individual" ? INDIVIDUAL_ATTESTATION_TYPES : GROUP_ATTESTATION_TYPES;
  if (typeof type !== "string" || !allowed.includes(type)) {
    const extra = kind === "group" && type === "tpm" ? " (DPS has no TPM enrollment groups)" : "";
    fail(
      "attestation.type",
      `${quote(type)} is not allowed${extra}: use one of ${allowed.map(quote).join(", ")}`,
    );
    return;
  }
  for (const other of ["symmetricKey", "x509", "tpm"].filter((t) => t !== type)) {
    if (attestation[other] !== undefined)
      fail(`attestation.${other}`, `is not allowed with attestation.type "${type}"`);
  }
  if (type === "symmetricKey") validateSymmetricKeys(attestation.symmetricKey, fail);
  if (type === "tpm") validateTpm(attestation.tpm, fail);
  if (type === "x509") validateX509(kind, attestation.x509, now, fail);
}

function validateSymmetricKeys(keys: unknown, fail: Fail): void {
  if (keys === undefined || isUnknown(keys)) return;
  if (!isObject(keys)) {
    fail("attestation.symmetricKey", "must be an object { primaryKey, secondaryKey }");
    return;
  }
  const { primaryKey, secondaryKey } = keys;
  if ((primaryKey === undefined) !== (secondaryKey === undefined)) {
    fail(
      "attestation.symmetricKey",
      "must give both primaryKey and secondaryKey, or neither (DPS then generates both); to rotate, change one of the two at a time",
    );
  }
  for (const [name, key] of [
    ["primaryKey", primaryKey],
    ["secondaryKey", secondaryKey],
  ] as const) {
    if (key === undefined || isUnknown(key)) continue;
    const property = `attestation.symmetricKey.${name}`;
    const bytes = typeof key === "string" ? decodeStrictBase64(key) : undefined;
    if (!bytes) {
      fail(
        property,
        "(value hidden: secret) is not valid base64: use standard base64 with padding, e.g. from `openssl rand -base64 64`",
      );
    } else if (bytes.length < SYMMETRIC_KEY_BYTES.min || bytes.length > SYMMETRIC_KEY_BYTES.max) {
      fail(
        property,
        `(value hidden: secret) decodes to ${bytes.length} bytes: DPS accepts ${SYMMETRIC_KEY_BYTES.min} to ${SYMMETRIC_KEY_BYTES.max} bytes`,
      );
    }
  }
}

function validateTpm(tpm: unknown, fail: Fail): void {
  if (isUnknown(tpm)) return;
  if (!isObject(tpm)) {
    fail("attestation.tpm", 'is required with attestation.type "tpm": { endorsementKey, storageRootKey? }');
    return;
  }
  for (const name of ["endorsementKey", "storageRootKey"]) {
    const value = tpm[name];
    if (isUnknown(value) || (value === undefined && name === "storageRootKey")) continue;
    if (typeof value !== "string" || !decodeStrictBase64(value)) {
      fail(
        `attestation.tpm.${name}`,
        `${value === undefined ? "is required" : "is not valid base64"}: give the TPM's ${name} as base64`,
      );
    }
  }
}

function validateX509(kind: EnrollmentKind, x509: unknown, now: Date, fail: Fail): void {
  if (isUnknown(x509)) return;
  if (!isObject(x509)) {
    fail("attestation.x509", 'is required with attestation.type "x509"');
    return;
  }
  const given = ["clientCertificates", "signingCertificates", "caReferences"].filter(
    (k) => x509[k] !== undefined,
  );
  const allowed = kind === "individual" ? ["clientCertificates"] : ["signingCertificates", "caReferences"];
  const wanted =
    kind === "individual" ? "clientCertificates" : "exactly one of signingCertificates or caReferences";
  for (const field of given.filter((f) => !allowed.includes(f))) {
    fail(
      `attestation.x509.${field}`,
      `is not allowed on an ${kind === "individual" ? "individual enrollment" : "enrollment group"}: use ${wanted}`,
    );
  }
  const usable = given.filter((f) => allowed.includes(f));
  if (usable.length !== 1) {
    fail(
      "attestation.x509",
      `must give ${wanted}${usable.length > 1 ? `, got ${usable.join(" and ")}` : ""}`,
    );
  }
  for (const field of usable) {
    if (field === "caReferences") validateCaReferences(x509.caReferences, fail);
    else validateCertificatePair(`attestation.x509.${field}`, x509[field], now, fail);
  }
}

function validateCaReferences(refs: unknown, fail: Fail): void {
  if (isUnknown(refs)) return;
  if (!isObject(refs)) {
    fail("attestation.x509.caReferences", "must be { primary: <CA certificate name>, secondary?: <name> }");
    return;
  }
  for (const slot of ["primary", "secondary"]) {
    const name = refs[slot];
    if (isUnknown(name) || (slot === "secondary" && name === undefined)) continue;
    if (typeof name !== "string" || name.trim().length === 0) {
      fail(
        `attestation.x509.caReferences.${slot}`,
        "must name a CA certificate uploaded to and verified on the DPS",
      );
    }
  }
}

function validateCertificatePair(property: string, pair: unknown, now: Date, fail: Fail): void {
  if (isUnknown(pair)) return;
  if (!isObject(pair)) {
    fail(property, "must be { primary: { certificate: <PEM> }, secondary?: { certificate: <PEM> } }");
    return;
  }
  for (const slot of ["primary", "secondary"]) {
    const entry = pair[slot];
    if (isUnknown(entry) || (slot === "secondary" && entry === undefined)) continue;
    const certificate = isObject(entry) ? entry.certificate : undefined;
    if (isUnknown(certificate)) continue;
    const where = `${property}.${slot}.certificate`;
    if (typeof certificate !== "string" || certificate.trim() === "") {
      fail(where, "is required: the certificate as PEM");
      continue;
    }
    const parsed = parseCertificate(certificate);
    if (!parsed.ok) {
      fail(where, `${parsed.problem}: use ${parsed.allowed}`);
    } else if (parsed.certificate.notAfter.getTime() <= now.getTime()) {
      fail(
        where,
        `(subject "${parsed.certificate.subject}") expired on ${parsed.certificate.notAfter.toISOString()}: devices cannot attest with it; give a certificate valid after ${now.toISOString()}`,
      );
    }
  }
}

function validateAllocation(inputs: Inputs, fail: Fail): void {
  const { allocationPolicy, iotHubs, customAllocationDefinition, linkedHubs } = inputs;
  let policy: string | undefined;
  if (allocationPolicy !== undefined && !isUnknown(allocationPolicy)) {
    policy =
      typeof allocationPolicy === "string" ? canonicalEnum(allocationPolicy, ALLOCATION_POLICIES) : undefined;
    if (!policy)
      fail(
        "allocationPolicy",
        `${quote(allocationPolicy)} is not allowed: use one of ${ALLOCATION_POLICIES.map(quote).join(", ")}`,
      );
  }

  let hubs: string[] | undefined;
  if (iotHubs !== undefined && !isUnknown(iotHubs)) {
    if (!Array.isArray(iotHubs)) {
      fail("iotHubs", 'must be a list of IoT hub host names, e.g. ["myhub.azure-devices.net"]');
    } else {
      const known = iotHubs.filter((h) => !isUnknown(h));
      const bad = known.filter((h) => typeof h !== "string" || !/^[A-Za-z0-9.-]+(:\d+)?$/.test(h));
      for (const h of bad)
        fail(
          "iotHubs",
          `contains ${quote(h)}, which is not an IoT hub host name such as "myhub.azure-devices.net"`,
        );
      const lower = known.filter((h): h is string => typeof h === "string").map((h) => h.toLowerCase());
      const duplicates = lower.filter((h, i) => lower.indexOf(h) !== i);
      if (duplicates.length > 0)
        fail("iotHubs", `lists ${quote(duplicates[0])} more than once: list each hub once`);
      if (known.length === iotHubs.length) hubs = lower;
    }
  }

  // The rules themselves live in contract/dps/allocation.ts; only what is known can be judged.
  const hubsKnown = iotHubs === undefined || hubs !== undefined;
  if (!isUnknown(allocationPolicy) && (allocationPolicy === undefined || policy !== undefined) && hubsKnown) {
    const hasDefinition = customAllocationDefinition !== undefined;
    for (const violation of allocationRuleViolations(
      policy as AllocationPolicy | undefined,
      hubs?.length,
      hasDefinition,
    )) {
      if (violation.rule === "hubsWithoutPolicy") {
        fail("allocationPolicy", `is required when iotHubs is given: ${HUBS_WITHOUT_POLICY_ALLOWED}`);
      } else if (violation.rule === "staticHubCount" && hubs !== undefined) {
        fail(
          "iotHubs",
          `has ${hubs.length} hubs${hubs.length ? ` (${hubs.map(quote).join(", ")})` : ""}: allocationPolicy "static" needs exactly one hub`,
        );
      } else if (violation.rule === "staticHubCount") {
        fail("iotHubs", 'is required with allocationPolicy "static": give exactly one hub');
      }
    }
  }

  if (policy === "custom") {
    if (!isUnknown(customAllocationDefinition)) {
      if (!isObject(customAllocationDefinition)) {
        fail(
          "customAllocationDefinition",
          'is required with allocationPolicy "custom": { webhookUrl, apiVersion }',
        );
      } else {
        validateWebhook(customAllocationDefinition, fail);
      }
    }
  } else if (customAllocationDefinition !== undefined && policy !== undefined) {
    fail(
      "customAllocationDefinition",
      `is only used with allocationPolicy "custom", not ${quote(policy)}: remove it or set allocationPolicy "custom"`,
    );
  }

  if (hubs !== undefined && Array.isArray(linkedHubs) && !linkedHubs.some(isUnknown)) {
    const linked = linkedHubs.filter((h): h is string => typeof h === "string").map((h) => h.toLowerCase());
    for (const hub of hubs.filter((h) => !linked.includes(h))) {
      fail(
        "iotHubs",
        `contains ${quote(hub)}, which is not linked to this DPS: use one of ${linked.length ? linked.map(quote).join(", ") : "(no linked hubs)"}`,
      );
    }
  }
}

function validateWebhook(definition: Record<string, unknown>, fail: Fail): void {
  const { webhookUrl, apiVersion } = definition;
  if (!isUnknown(webhookUrl)) {
    let url: URL | undefined;
    try {
      url = typeof webhookUrl === "string" ? new URL(webhookUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== "https:") {
      fail(
        "customAllocationDefinition.webhookUrl",
        "(value hidden: secret) must be an https:// URL of the allocation webhook",
      );
    }
  }
  if (
    !isUnknown(apiVersion) &&
    !(typeof apiVersion === "string" && isCustomAllocationApiVersion(apiVersion))
  ) {
    fail(
      "customAllocationDefinition.apiVersion",
      `${quote(apiVersion)} is not allowed: use ${CUSTOM_ALLOCATION_API_VERSION_RULE}`,
    );
  }
}

function validateReprovisionPolicy(policy: unknown, fail: Fail): void {
  if (policy === undefined || isUnknown(policy)) return;
  if (!isObject(policy)) {
    fail("reprovisionPolicy", "must be { updateHubAssignment: boolean, migrateDeviceData: boolean }");
    return;
  }
  for (const field of ["updateHubAssignment", "migrateDeviceData"]) {
    const value = policy[field];
    if (!isUnknown(value) && typeof value !== "boolean")
      fail(`reprovisionPolicy.${field}`, `${quote(value)} must be true or false`);
  }
}

/** `section`: the IoT Hub twin rules apply (contract/dps/twin.ts); without it only the shape is checked. */
function validateTwinCollection(
  property: string,
  value: unknown,
  section: TwinSection | undefined,
  fail: Fail,
): void {
  if (value === undefined || isUnknown(value)) return;
  if (!isObject(value)) {
    fail(property, "must be an object of twin properties");
    return;
  }
  if (section === undefined) return;
  for (const problem of checkTwinCollection(section, value)) {
    const at = problem.path.length > 0 ? ` at '${problem.path.join("/").slice(0, 80)}'` : "";
    fail(property, `${problem.problem}${at}: IoT Hub allows ${problem.allowed}`);
  }
}

function validateInitialTwin(twin: unknown, fail: Fail): void {
  if (twin === undefined || isUnknown(twin)) return;
  if (!isObject(twin)) {
    fail("initialTwin", "must be { tags?: {...}, properties?: { desired?: {...} } }");
    return;
  }
  for (const key of Object.keys(twin).filter((k) => k !== "tags" && k !== "properties")) {
    fail(`initialTwin.${key}`, "is not allowed: an initial twin has only tags and properties.desired");
  }
  validateTwinCollection("initialTwin.tags", twin.tags, "tags", fail);
  if (isObject(twin.tags) && OWNER_TAG in twin.tags)
    fail(`initialTwin.tags.${OWNER_TAG}`, "is reserved: the provider writes this stack's owner marker there");
  const properties = twin.properties;
  if (properties === undefined || isUnknown(properties)) return;
  if (!isObject(properties)) {
    fail("initialTwin.properties", "must be { desired?: {...} }");
    return;
  }
  for (const key of Object.keys(properties).filter((k) => k !== "desired")) {
    fail(
      `initialTwin.properties.${key}`,
      "is not allowed: DPS sets only desired properties (devices report the rest)",
    );
  }
  validateTwinCollection("initialTwin.properties.desired", properties.desired, "desired", fail);
}

function validateCapabilities(capabilities: unknown, fail: Fail): void {
  if (capabilities === undefined || isUnknown(capabilities)) return;
  if (
    !isObject(capabilities) ||
    (!isUnknown(capabilities.iotEdge) && typeof capabilities.iotEdge !== "boolean")
  ) {
    fail("capabilities", "must be { iotEdge: true | false }");
  }
}

function validateProvisioningStatus(status: unknown, fail: Fail): void {
  if (status === undefined || isUnknown(status)) return;
  if (typeof status !== "string" || !canonicalEnum(status, PROVISIONING_STATUSES)) {
    fail("provisioningStatus", `${quote(status)} is not allowed: use "enabled" or "disabled"`);
  }
}

function validateConnection(dps: unknown, now: Date, fail: Fail): void {
  if (isUnknown(dps)) return;
  if (!isObject(dps)) {
    fail("dps", "is required: { serviceEndpoint, connectionString | useEntraId, trustedCaCertificate? }");
    return;
  }
  const { serviceEndpoint, connectionString, useEntraId, trustedCaCertificate } = dps;
  if (!isUnknown(serviceEndpoint)) {
    if (typeof serviceEndpoint !== "string" || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(serviceEndpoint)) {
      fail(
        "dps.serviceEndpoint",
        `${quote(serviceEndpoint)} is not a host name: use "mydps.azure-devices-provisioning.net" or "localhost:8443" (no scheme, no path)`,
      );
    }
  }
  const hasKey = connectionString !== undefined && connectionString !== "";
  const entra = useEntraId === true;
  if (!isUnknown(connectionString) && !isUnknown(useEntraId) && hasKey === entra) {
    fail(
      "dps",
      hasKey
        ? "gives both connectionString and useEntraId: choose one"
        : "needs connectionString (a shared access policy) or useEntraId: true",
    );
  }
  if (hasKey && !isUnknown(connectionString)) {
    const parts = typeof connectionString === "string" ? parseConnectionString(connectionString) : {};
    const missing = missingConnectionStringFields(
      typeof connectionString === "string" ? connectionString : "",
    );
    if (missing.length > 0) {
      fail(
        "dps.connectionString",
        `(value hidden: secret) lacks ${missing.join(", ")}: use the DPS shared access policy connection string`,
      );
    } else if (
      typeof serviceEndpoint === "string" &&
      !isUnknown(serviceEndpoint) &&
      parts.HostName?.toLowerCase() !== serviceEndpoint.toLowerCase()
    ) {
      fail(
        "dps.connectionString",
        `is for host ${quote(parts.HostName)}, not for serviceEndpoint ${quote(serviceEndpoint)}: use the connection string of the same DPS`,
      );
    }
  }
  if (trustedCaCertificate !== undefined && !isUnknown(trustedCaCertificate)) {
    const parsed =
      typeof trustedCaCertificate === "string" ? parseCertificate(trustedCaCertificate) : undefined;
    if (!parsed?.ok)
      fail(
        "dps.trustedCaCertificate",
        `${parsed ? `${parsed.problem}: use ${parsed.allowed}` : "must be a PEM string"}`,
      );
    else if (parsed.certificate.notAfter <= now)
      fail("dps.trustedCaCertificate", `expired on ${parsed.certificate.notAfter.toISOString()}`);
  }
}

function validateControls(inputs: Inputs, fail: Fail): void {
  for (const field of ["adoptExisting", "deleteRegistrationStateOnDelete"]) {
    const value = inputs[field];
    if (value !== undefined && !isUnknown(value) && typeof value !== "boolean")
      fail(field, `${quote(value)} must be true or false`);
  }
  const reason = inputs.allowSymmetricKeyInProduction;
  if (
    reason !== undefined &&
    !isUnknown(reason) &&
    (typeof reason !== "string" || reason.trim().length < MIN_SYMMETRIC_KEY_REASON_LENGTH)
  ) {
    fail(
      "allowSymmetricKeyInProduction",
      `must be a written reason (at least ${MIN_SYMMETRIC_KEY_REASON_LENGTH} characters) for using symmetric keys in production`,
    );
  }
  const linked = inputs.linkedHubs;
  if (linked !== undefined && !isUnknown(linked) && !Array.isArray(linked)) {
    fail("linkedHubs", "must be a list of IoT hub host names");
  }
}
