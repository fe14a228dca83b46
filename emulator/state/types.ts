/** The emulator's stored records. Field names follow DPS's REST schemas (2021-10-01). */

export type AllocationPolicy = "hashed" | "geoLatency" | "static" | "custom";
/** The DPS-level default cannot be `custom` (docs/dps-contracts.md §4). */
export type DpsAllocationPolicy = Exclude<AllocationPolicy, "custom">;
export const ALLOCATION_POLICIES: readonly AllocationPolicy[] = ["hashed", "geoLatency", "static", "custom"];
export const DPS_ALLOCATION_POLICIES: readonly DpsAllocationPolicy[] = ["hashed", "geoLatency", "static"];

export type AccessRight =
  | "ServiceConfig"
  | "EnrollmentRead"
  | "EnrollmentWrite"
  | "RegistrationStatusRead"
  | "RegistrationStatusWrite"
  | "DeviceConnect";
export const ACCESS_RIGHTS: readonly AccessRight[] = [
  "ServiceConfig",
  "EnrollmentRead",
  "EnrollmentWrite",
  "RegistrationStatusRead",
  "RegistrationStatusWrite",
  "DeviceConnect",
];

/** A linked IoT hub, as in the ARM resource's `properties.iotHubs[]`. */
export interface LinkedHub {
  hostName: string;
  location: string;
  /** 1..1000, default 1. */
  allocationWeight: number;
  /** false: the hub gets no allocated devices but can still be named on an enrollment. */
  applyAllocationPolicy: boolean;
  /** Accepted and stored (encrypted state) but never returned. */
  connectionString?: string;
}

export interface DpsSettings {
  idScope: string;
  allocationPolicy: DpsAllocationPolicy;
  linkedHubs: LinkedHub[];
}

export interface AccessPolicy {
  name: string;
  rights: AccessRight[];
  primaryKey: string;
  secondaryKey: string;
}

export interface TwinCollection {
  [key: string]: unknown;
}

export interface InitialTwin {
  tags?: TwinCollection;
  properties?: { desired?: TwinCollection };
}

export interface StoredCertificate {
  /** PEM text (normalised from PEM, base64-of-PEM or base64-of-DER input). */
  certificate: string;
}

export interface CertificatePair {
  primary?: StoredCertificate;
  secondary?: StoredCertificate;
}

export interface X509AttestationRecord {
  clientCertificates?: CertificatePair;
  signingCertificates?: CertificatePair;
  caReferences?: { primary?: string; secondary?: string };
}

export type AttestationRecord =
  | { type: "none" }
  | { type: "symmetricKey"; symmetricKey: { primaryKey: string; secondaryKey: string } }
  | { type: "tpm"; tpm: { endorsementKey: string; storageRootKey?: string } }
  | { type: "x509"; x509: X509AttestationRecord };

export interface ReprovisionPolicy {
  updateHubAssignment: boolean;
  migrateDeviceData: boolean;
}

export interface CustomAllocationDefinition {
  webhookUrl: string;
  apiVersion: string;
}

interface EnrollmentCommon {
  attestation: AttestationRecord;
  capabilities: { iotEdge: boolean };
  iotHubHostName?: string;
  initialTwin?: InitialTwin;
  etag: string;
  provisioningStatus: "enabled" | "disabled";
  reprovisionPolicy: ReprovisionPolicy;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  allocationPolicy?: AllocationPolicy;
  iotHubs?: string[];
  customAllocationDefinition?: CustomAllocationDefinition;
}

export interface IndividualEnrollmentRecord extends EnrollmentCommon {
  registrationId: string;
  deviceId?: string;
  optionalDeviceInformation?: TwinCollection;
}

export interface EnrollmentGroupRecord extends EnrollmentCommon {
  enrollmentGroupId: string;
}

export type EnrollmentRef =
  | { kind: "individual"; enrollment: IndividualEnrollmentRecord }
  | { kind: "group"; enrollment: EnrollmentGroupRecord };

export type RegistrationStatus = "unassigned" | "assigning" | "assigned" | "failed" | "disabled";
export type RegistrationSubstatus =
  "initialAssignment" | "deviceDataMigrated" | "deviceDataReset" | "reprovisionedToInitialAssignment";

/** DeviceRegistrationState, plus what the emulator needs to apply reprovisioning. */
export interface RegistrationRecord {
  registrationId: string;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  assignedHub?: string;
  deviceId?: string;
  status: RegistrationStatus;
  substatus?: RegistrationSubstatus;
  errorCode?: number;
  errorMessage?: string;
  etag: string;
  payload?: unknown;
  /** Set when the device came through a group (registration-state queries are per group). */
  enrollmentGroupId?: string;
  attestationType: AttestationRecord["type"];
  /** The hub of the first assignment, for the reprovisionedToInitialAssignment substatus. */
  initialHub?: string;
}

/** A CA certificate uploaded to the DPS (control plane), referenced by `caReferences`. */
export interface CaCertificateRecord {
  name: string;
  certificate: string;
  isVerified: boolean;
  created: string;
  updated: string;
}

/** A device in the simulated IoT Hub registry. */
export interface HubDevice {
  deviceId: string;
  registrationId: string;
  capabilities: { iotEdge: boolean };
  twin: { tags: TwinCollection; properties: { desired: TwinCollection } };
}
