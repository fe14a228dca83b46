/**
 * Plain (resolved) shapes shared by the enrollment resources. These are what the provider sees:
 * the engine resolves every `pulumi.Input` before check/diff/create/update, and hands secrets over
 * unwrapped (the Node dynamic provider answers `acceptSecrets: false`).
 *
 * Field names are DPS's own (service API 2021-10-01), so the policy pack and the PR report can read
 * them without a translation table. The `pulumi.Input` versions of these shapes live in
 * `resource-args.ts`; this module imports only types (DPS's shapes from contract/dps).
 */

import type {
  AllocationPolicy,
  InitialTwin,
  ProvisioningStatus,
  ReprovisionPolicy,
  TpmAttestationKeys,
  TwinCollection,
  X509CaReferences,
  X509CertificatePair,
} from "../dps";

// DPS's own shapes and words live in contract/dps; re-exported for this module's users.
export type {
  AllocationPolicy,
  InitialTwin,
  ProvisioningStatus,
  ReprovisionPolicy,
  TwinCollection,
  X509CaReferences,
  X509CertificateInput,
  X509CertificatePair,
} from "../dps";

/** How the provider reaches the DPS service API (the "DPS connection" contract). */
export interface DpsConnection {
  /** `mydps.azure-devices-provisioning.net`, or `localhost:8443` for the local emulator. */
  serviceEndpoint: string;
  /** A shared access policy connection string (secret). Exactly one of this and `useEntraId`. */
  connectionString?: string;
  /** Authenticate with Microsoft Entra ID through `DefaultAzureCredential` instead of a shared key. */
  useEntraId?: boolean;
  /** PEM of a private CA to trust (the local emulator). Absent for Azure. */
  trustedCaCertificate?: string;
  /**
   * With `useEntraId`: when the identity's data-plane role was assigned (ISO time). A 401 within
   * ten minutes of it is taken for role propagation and retried; later, or without it, a 401 is
   * final (components/dps-client/unauthorized.ts).
   */
  roleAssignedAt?: string;
}

export interface SymmetricKeyAttestation {
  type: "symmetricKey";
  /** Both keys (base64, 16 to 64 bytes), or none to let DPS generate 64-byte keys. */
  symmetricKey?: { primaryKey?: string; secondaryKey?: string };
}

export interface X509Attestation {
  type: "x509";
  x509: {
    /** Individual enrollments: the device's own certificates. */
    clientCertificates?: X509CertificatePair;
    /** Enrollment groups: intermediate or root certificates that signed the device certificates. */
    signingCertificates?: X509CertificatePair;
    /** Enrollment groups: CA certificates verified on the DPS, by name. */
    caReferences?: X509CaReferences;
  };
}

export interface TpmAttestation {
  type: "tpm";
  tpm: TpmAttestationKeys;
}

export type Attestation = SymmetricKeyAttestation | X509Attestation | TpmAttestation;

export interface CustomAllocationDefinition {
  /** Secret: an Azure Functions URL carries its function key. */
  webhookUrl: string;
  apiVersion: string;
}

/** The settings DPS stores, common to both kinds. */
export interface EnrollmentSettings {
  attestation: Attestation;
  iotHubs?: string[];
  allocationPolicy?: AllocationPolicy;
  customAllocationDefinition?: CustomAllocationDefinition;
  reprovisionPolicy?: ReprovisionPolicy;
  initialTwin?: InitialTwin;
  capabilities?: { iotEdge: boolean };
  provisioningStatus?: ProvisioningStatus;
  /** Individual enrollments only. */
  deviceId?: string;
  /** Individual enrollments only. */
  optionalDeviceInformation?: TwinCollection;
}

/** Inputs that steer the provider but are not stored in DPS. */
export interface ProviderControls {
  dps: DpsConnection;
  /** Host names of the hubs linked to the DPS, when known: `iotHubs` must be among them. */
  linkedHubs?: string[];
  /** Adopt an enrollment that already exists with the same id instead of failing. Default false. */
  adoptExisting?: boolean;
  /** Also delete the device registration state when the enrollment is deleted. Default false. */
  deleteRegistrationStateOnDelete?: boolean;
  /** A documented reason for using symmetric keys in production (read by the policy pack). */
  allowSymmetricKeyInProduction?: string;
  /** Free-form labels for the policy pack and reports. */
  labels?: Record<string, string>;
  /**
   * "<organization>/<project>/<stack>" of the program, set by the resource (not a user argument):
   * written on DPS as the owner marker (ownership.ts). Never causes a diff.
   */
  owner?: string;
}

/** Resolved inputs of either kind: the id lives in `registrationId` or `enrollmentGroupId`. */
export interface EnrollmentInputs extends EnrollmentSettings, ProviderControls {
  registrationId?: string;
  enrollmentGroupId?: string;
}

/** What the provider stores as outputs: the inputs (for readable diffs), plus what DPS says. */
export interface EnrollmentOutputs extends EnrollmentInputs {
  /** Plain copy of `dps.serviceEndpoint`, so reports can show it while `dps` is secret. */
  serviceEndpoint: string;
  etag: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
  /** Symmetric keys as DPS holds them (secret outputs). */
  primaryKey?: string;
  secondaryKey?: string;
  /** True when create() adopted an enrollment that already existed. */
  adopted: boolean;
}

/** Both symmetric keys of an enrollment, as DPS holds them. */
export interface SymmetricKeys {
  primaryKey: string;
  secondaryKey: string;
}
