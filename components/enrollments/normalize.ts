/**
 * One canonical form of what DPS stores for an enrollment, so that an unchanged enrollment never
 * shows a diff: DPS's defaults are applied here (and only here), enum case is DPS's, hub names are
 * lower case and sorted (DPS treats them as a set of host names), an empty twin equals no twin,
 * certificates compare as PEM whatever form they were given in.
 *
 * Symmetric keys are not part of the canonical settings: they are compared separately in diff.ts,
 * because "no keys given" means "keep whatever keys DPS holds".
 */
import {
  ALLOCATION_POLICIES,
  type AllocationPolicy,
  type Attestation,
  canonicalEnum,
  canonicalPem,
  DEFAULT_PROVISIONING_STATUS,
  type EnrollmentKind,
  type EnrollmentSettings,
  type InitialTwin,
  PROVISIONING_STATUSES,
  type ProvisioningStatus,
  type ReprovisionPolicy,
  type TwinCollection,
  type X509CertificatePair,
} from "@dps-as-code/contract";

/** DPS's defaults (service API 2021-10-01 schema). */
export const DEFAULT_REPROVISION_POLICY: ReprovisionPolicy = {
  updateHubAssignment: true,
  migrateDeviceData: true,
};
export const DEFAULT_IOT_EDGE = false;

/** Every DPS-visible setting, defaults applied. Absent optional fields are `undefined`. */
export interface CanonicalSettings {
  deviceId: string | undefined;
  attestation: CanonicalAttestation;
  iotHubs: string[] | undefined;
  allocationPolicy: AllocationPolicy | undefined;
  customAllocationDefinition: { webhookUrl: string; apiVersion: string } | undefined;
  reprovisionPolicy: ReprovisionPolicy;
  initialTwin: InitialTwin | undefined;
  capabilities: { iotEdge: boolean };
  provisioningStatus: ProvisioningStatus;
  optionalDeviceInformation: TwinCollection | undefined;
}

export type CanonicalAttestation =
  | { type: "symmetricKey" }
  | {
      type: "x509";
      clientCertificates?: { primary: string; secondary?: string };
      signingCertificates?: { primary: string; secondary?: string };
      caReferences?: { primary: string; secondary?: string };
    }
  | { type: "tpm"; endorsementKey: string; storageRootKey?: string };

/** Every setting DPS stores, in both the canonical and the declared shape. */
export const SETTING_FIELDS = [
  "deviceId",
  "attestation",
  "iotHubs",
  "allocationPolicy",
  "customAllocationDefinition",
  "reprovisionPolicy",
  "initialTwin",
  "capabilities",
  "provisioningStatus",
  "optionalDeviceInformation",
] as const satisfies readonly (keyof CanonicalSettings & keyof EnrollmentSettings)[];

export function canonicalAllocationPolicy(value: string | undefined | null): AllocationPolicy | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return canonicalEnum(value, ALLOCATION_POLICIES);
}

export function canonicalProvisioningStatus(value: string | undefined | null): ProvisioningStatus {
  if (!value) return DEFAULT_PROVISIONING_STATUS;
  return canonicalEnum(value, PROVISIONING_STATUSES) ?? DEFAULT_PROVISIONING_STATUS;
}

export function canonicalHubs(hubs: readonly string[] | undefined | null): string[] | undefined {
  if (!hubs || hubs.length === 0) return undefined;
  return [...new Set(hubs.map((h) => h.trim().toLowerCase()))].sort();
}

/**
 * A twin collection without the service's bookkeeping (`$metadata`, `$version`, and the null
 * `version` / `count` / `metadata` the CLI sends), or `undefined` when nothing is left.
 */
export function canonicalTwinCollection(
  collection: TwinCollection | undefined | null,
): TwinCollection | undefined {
  if (!collection || typeof collection !== "object") return undefined;
  const result: TwinCollection = {};
  for (const [key, value] of Object.entries(collection)) {
    if (key.startsWith("$")) continue;
    if (
      (key === "version" || key === "count" || key === "metadata") &&
      (value === null || value === undefined)
    )
      continue;
    if (value === undefined) continue;
    result[key] = value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

export function canonicalTwin(twin: InitialTwin | undefined | null): InitialTwin | undefined {
  if (!twin) return undefined;
  const tags = canonicalTwinCollection(twin.tags);
  const desired = canonicalTwinCollection(twin.properties?.desired);
  if (!tags && !desired) return undefined;
  return { ...(tags ? { tags } : {}), ...(desired ? { properties: { desired } } : {}) };
}

function canonicalPair(
  pair: X509CertificatePair | undefined,
): { primary: string; secondary?: string } | undefined {
  if (!pair?.primary?.certificate) return undefined;
  const secondary = pair.secondary?.certificate;
  return {
    primary: canonicalPem(pair.primary.certificate),
    ...(secondary ? { secondary: canonicalPem(secondary) } : {}),
  };
}

export function canonicalAttestation(attestation: Attestation): CanonicalAttestation {
  switch (attestation.type) {
    case "symmetricKey":
      return { type: "symmetricKey" };
    case "tpm":
      return {
        type: "tpm",
        endorsementKey: attestation.tpm.endorsementKey,
        ...(attestation.tpm.storageRootKey ? { storageRootKey: attestation.tpm.storageRootKey } : {}),
      };
    case "x509": {
      const x509 = attestation.x509;
      const client = canonicalPair(x509.clientCertificates);
      const signing = canonicalPair(x509.signingCertificates);
      const ca = x509.caReferences?.primary
        ? {
            primary: x509.caReferences.primary,
            ...(x509.caReferences.secondary ? { secondary: x509.caReferences.secondary } : {}),
          }
        : undefined;
      return {
        type: "x509",
        ...(client ? { clientCertificates: client } : {}),
        ...(signing ? { signingCertificates: signing } : {}),
        ...(ca ? { caReferences: ca } : {}),
      };
    }
  }
}

export function canonicalSettings(kind: EnrollmentKind, settings: EnrollmentSettings): CanonicalSettings {
  const custom = settings.customAllocationDefinition;
  return {
    deviceId: kind === "individual" && settings.deviceId ? settings.deviceId : undefined,
    attestation: canonicalAttestation(settings.attestation),
    iotHubs: canonicalHubs(settings.iotHubs),
    allocationPolicy: canonicalAllocationPolicy(settings.allocationPolicy),
    customAllocationDefinition: custom?.webhookUrl
      ? { webhookUrl: custom.webhookUrl.trim(), apiVersion: custom.apiVersion.trim() }
      : undefined,
    reprovisionPolicy: settings.reprovisionPolicy
      ? {
          updateHubAssignment: settings.reprovisionPolicy.updateHubAssignment,
          migrateDeviceData: settings.reprovisionPolicy.migrateDeviceData,
        }
      : { ...DEFAULT_REPROVISION_POLICY },
    initialTwin: canonicalTwin(settings.initialTwin),
    capabilities: { iotEdge: settings.capabilities?.iotEdge ?? DEFAULT_IOT_EDGE },
    provisioningStatus: canonicalProvisioningStatus(settings.provisioningStatus),
    optionalDeviceInformation:
      kind === "individual" ? canonicalTwinCollection(settings.optionalDeviceInformation) : undefined,
  };
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

/** Names of the DPS-visible settings that differ between two canonical forms. */
export function changedSettings(
  before: CanonicalSettings,
  after: CanonicalSettings,
): (keyof CanonicalSettings)[] {
  return SETTING_FIELDS.filter((field) => stableStringify(before[field]) !== stableStringify(after[field]));
}
