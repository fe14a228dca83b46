/**
 * Mapping between resource inputs and the service API's enrollment records.
 *
 * Writes send every setting explicitly, defaults included (normalize.ts), because DPS's PUT replaces
 * the whole record: a field removed from the program must be removed in DPS too.
 *
 * Reads turn DPS's record back into inputs for refresh. Where DPS's value means the same as what
 * the program declared (same canonical form), the declared spelling is kept, so a refresh alone
 * never creates a diff; where it differs, DPS's value is reported, so drift shows as old -> new.
 */
import {
  type Attestation,
  canonicalPem,
  type EnrollmentInputs,
  type EnrollmentKind,
  type EnrollmentSettings,
  kindInfo,
  parseCertificate,
  type SymmetricKeys,
  type X509CertificatePair,
} from "@dps-as-code/contract";
import type { DpsAttestationRecord, DpsEnrollmentRecord } from "../dps-client";
import { withoutOwnerTag } from "./ownership";
import { canonicalSettings, SETTING_FIELDS, stableStringify } from "./normalize";

function pemOf(text: string): string {
  return canonicalPem(text);
}

function attestationRecord(attestation: Attestation, keys: SymmetricKeys | undefined): DpsAttestationRecord {
  switch (attestation.type) {
    case "symmetricKey":
      // No keys: DPS generates a pair on create.
      return {
        type: "symmetricKey",
        ...(keys ? { symmetricKey: { primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey } } : {}),
      };
    case "tpm":
      return {
        type: "tpm",
        tpm: {
          endorsementKey: attestation.tpm.endorsementKey,
          ...(attestation.tpm.storageRootKey ? { storageRootKey: attestation.tpm.storageRootKey } : {}),
        },
      };
    case "x509": {
      const pair = (p: X509CertificatePair | undefined) =>
        p
          ? {
              primary: { certificate: pemOf(p.primary.certificate) },
              ...(p.secondary ? { secondary: { certificate: pemOf(p.secondary.certificate) } } : {}),
            }
          : undefined;
      const x509 = attestation.x509;
      const client = pair(x509.clientCertificates);
      const signing = pair(x509.signingCertificates);
      return {
        type: "x509",
        x509: {
          ...(client ? { clientCertificates: client } : {}),
          ...(signing ? { signingCertificates: signing } : {}),
          ...(x509.caReferences
            ? {
                caReferences: {
                  primary: x509.caReferences.primary,
                  ...(x509.caReferences.secondary ? { secondary: x509.caReferences.secondary } : {}),
                },
              }
            : {}),
        },
      };
    }
  }
}

/** The record to PUT: every DPS setting, canonical, defaults explicit. */
export function toDpsRecord(
  kind: EnrollmentKind,
  id: string,
  inputs: EnrollmentSettings,
  keys: SymmetricKeys | undefined,
): DpsEnrollmentRecord {
  const c = canonicalSettings(kind, inputs);
  const record: DpsEnrollmentRecord = {
    [kindInfo(kind).idField]: id,
    attestation: attestationRecord(inputs.attestation, keys),
    capabilities: c.capabilities,
    provisioningStatus: c.provisioningStatus,
    reprovisionPolicy: c.reprovisionPolicy,
  };
  if (c.deviceId) record.deviceId = c.deviceId;
  if (c.iotHubs) record.iotHubs = c.iotHubs;
  if (c.allocationPolicy) record.allocationPolicy = c.allocationPolicy;
  if (c.customAllocationDefinition) record.customAllocationDefinition = c.customAllocationDefinition;
  if (c.initialTwin) record.initialTwin = c.initialTwin;
  if (c.optionalDeviceInformation) record.optionalDeviceInformation = c.optionalDeviceInformation;
  return record;
}

/** Keys from a PUT response or an attestation mechanism, when both are present. */
export function keysFrom(attestation: DpsAttestationRecord | undefined): SymmetricKeys | undefined {
  const sk = attestation?.symmetricKey;
  return sk?.primaryKey && sk.secondaryKey
    ? { primaryKey: sk.primaryKey, secondaryKey: sk.secondaryKey }
    : undefined;
}

/** Marker used when DPS holds a certificate we cannot reproduce as PEM (GET may return only its info). */
export const FOREIGN_CERTIFICATE_PREFIX = "certificate changed outside Pulumi";
export function foreignCertificateMarker(thumbprint: string | undefined): string {
  return `${FOREIGN_CERTIFICATE_PREFIX} (sha256 ${thumbprint ?? "unknown"})`;
}

function certificateFromDps(
  record: { certificate?: string | null; info?: { sha256Thumbprint?: string } | null } | null | undefined,
  declared: string | undefined,
): string | undefined {
  if (!record) return undefined;
  if (record.certificate) {
    // Keep the declared spelling when it is the same certificate.
    return declared && pemOf(declared) === pemOf(record.certificate) ? declared : record.certificate;
  }
  const thumbprint = record.info?.sha256Thumbprint?.replace(/:/g, "").toUpperCase();
  if (declared) {
    const parsed = parseCertificate(declared);
    if (!thumbprint || (parsed.ok && parsed.certificate.sha256Thumbprint === thumbprint)) return declared;
  }
  return foreignCertificateMarker(thumbprint);
}

function pairFromDps(
  record:
    | {
        primary?: { certificate?: string | null; info?: { sha256Thumbprint?: string } | null } | null;
        secondary?: { certificate?: string | null; info?: { sha256Thumbprint?: string } | null } | null;
      }
    | null
    | undefined,
  declared: X509CertificatePair | undefined,
): X509CertificatePair | undefined {
  const primary = certificateFromDps(record?.primary, declared?.primary?.certificate);
  if (!primary) return undefined;
  const secondary = certificateFromDps(record?.secondary, declared?.secondary?.certificate);
  return {
    primary: { certificate: primary },
    ...(secondary ? { secondary: { certificate: secondary } } : {}),
  };
}

/** The attestation DPS holds, in input shape, keys excluded (they are compared on their own). */
export function attestationFromDps(
  record: DpsAttestationRecord | undefined,
  declared: Attestation | undefined,
): Attestation {
  const type = record?.type?.toLowerCase();
  if (type === "tpm") {
    const tpm = record?.tpm ?? {};
    const declaredTpm = declared?.type === "tpm" ? declared.tpm : undefined;
    const endorsementKey = tpm.endorsementKey ?? declaredTpm?.endorsementKey ?? "";
    const storageRootKey = tpm.storageRootKey ?? declaredTpm?.storageRootKey;
    return { type: "tpm", tpm: { endorsementKey, ...(storageRootKey ? { storageRootKey } : {}) } };
  }
  if (type === "x509") {
    const x = record?.x509 ?? {};
    const d = declared?.type === "x509" ? declared.x509 : undefined;
    const client = pairFromDps(x.clientCertificates, d?.clientCertificates);
    const signing = pairFromDps(x.signingCertificates, d?.signingCertificates);
    const ca = x.caReferences?.primary
      ? {
          primary: x.caReferences.primary,
          ...(x.caReferences.secondary ? { secondary: x.caReferences.secondary } : {}),
        }
      : undefined;
    return {
      type: "x509",
      x509: {
        ...(client ? { clientCertificates: client } : {}),
        ...(signing ? { signingCertificates: signing } : {}),
        ...(ca ? { caReferences: ca } : {}),
      },
    };
  }
  // symmetricKey: keep the declared key fields (if any) so that refresh does not turn declared keys
  // into "no keys"; a key change made outside Pulumi shows through primaryKey/secondaryKey.
  if (declared?.type === "symmetricKey") return declared;
  return { type: "symmetricKey" };
}

/**
 * The webhook URL DPS shows, or the declared one when DPS shows the declared URL masked.
 *
 * DPS masks the query of webhook URLs (where an Azure Functions key lives) in the records it hands
 * out: `https://<app>.azurewebsites.net/api/HttpTrigger1?****` in the enrollment it sends to the
 * webhook (learn.microsoft.com/azure/iot-dps/concepts-custom-allocation, "Custom allocation
 * request"). Whether its GET and query do the same is not documented, so both forms are taken:
 * a masked URL whose scheme, host and path are the declared ones means "unchanged", because a
 * refresh must not report a difference that is only DPS hiding the key (it would show as drift
 * and an update on every run). A key changed outside Pulumi behind the mask cannot be seen; the
 * next update sends the declared URL again.
 */
export function webhookUrlFromDps(shown: string, declared: string | undefined): string {
  if (declared === undefined || !isMaskedQuery(shown)) return shown;
  return withoutQuery(shown) === withoutQuery(declared) ? declared : shown;
}

/** `?****`, or every query value masked (`?code=****`). */
function isMaskedQuery(url: string): boolean {
  const query = url.indexOf("?");
  if (query < 0) return false;
  const parts = url.slice(query + 1).split("&");
  return parts.every((part) => /^\*+$/.test(part) || /^[^=]+=\*+$/.test(part));
}

/** Scheme, host (lower case, as URL spells it) and path. */
function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, "");
  }
}

/**
 * The hubs a DPS record names: `iotHubs`, or else the single `iotHubHostName` (both fields of the
 * service API's IndividualEnrollment and EnrollmentGroup; a record written through the older field
 * may carry only that one). One rule for the provider's reads and for `npm run export`.
 */
export function hubsOfDpsRecord(record: {
  iotHubs?: string[] | null;
  iotHubHostName?: string | null;
}): string[] | undefined {
  if (record.iotHubs && record.iotHubs.length > 0) return record.iotHubs;
  return record.iotHubHostName ? [record.iotHubHostName] : undefined;
}

/** DPS's record as settings in input shape. */
export function settingsFromDps(
  kind: EnrollmentKind,
  record: DpsEnrollmentRecord,
  declared: EnrollmentSettings | undefined,
): EnrollmentSettings {
  const hubs = hubsOfDpsRecord(record);
  const settings: EnrollmentSettings = {
    attestation: attestationFromDps(record.attestation, declared?.attestation),
  };
  if (kind === "individual" && record.deviceId) settings.deviceId = record.deviceId;
  if (hubs) settings.iotHubs = hubs;
  if (record.allocationPolicy)
    settings.allocationPolicy = record.allocationPolicy as EnrollmentSettings["allocationPolicy"];
  if (record.customAllocationDefinition?.webhookUrl) {
    const webhookUrl = webhookUrlFromDps(
      record.customAllocationDefinition.webhookUrl,
      declared?.customAllocationDefinition?.webhookUrl,
    );
    settings.customAllocationDefinition = {
      webhookUrl,
      apiVersion: record.customAllocationDefinition.apiVersion ?? "",
    };
  }
  if (record.reprovisionPolicy) {
    settings.reprovisionPolicy = {
      updateHubAssignment: record.reprovisionPolicy.updateHubAssignment ?? true,
      migrateDeviceData: record.reprovisionPolicy.migrateDeviceData ?? true,
    };
  }
  // The owner marker is ours, not a setting: it never shows as drift (ownership.ts).
  const initialTwin = withoutOwnerTag(record.initialTwin);
  if (initialTwin) settings.initialTwin = initialTwin as EnrollmentSettings["initialTwin"];
  if (record.capabilities) settings.capabilities = { iotEdge: record.capabilities.iotEdge ?? false };
  if (record.provisioningStatus)
    settings.provisioningStatus = record.provisioningStatus as EnrollmentSettings["provisioningStatus"];
  if (kind === "individual" && record.optionalDeviceInformation)
    settings.optionalDeviceInformation = record.optionalDeviceInformation;
  return settings;
}

/**
 * Declared inputs with each DPS setting replaced by DPS's value where the two mean different
 * things. Provider controls (dps, linkedHubs, ...) are kept as declared.
 */
export function mergeDpsIntoInputs(
  kind: EnrollmentKind,
  declared: EnrollmentInputs,
  fromDps: EnrollmentSettings,
): EnrollmentInputs {
  const before = canonicalSettings(kind, declared);
  const after = canonicalSettings(kind, fromDps);
  const merged: EnrollmentInputs = { ...declared };
  for (const field of SETTING_FIELDS) {
    if (stableStringify(before[field]) === stableStringify(after[field])) continue;
    const value = fromDps[field];
    if (value === undefined) delete (merged as Partial<EnrollmentInputs>)[field];
    else (merged as unknown as Record<string, unknown>)[field] = value;
  }
  return merged;
}
