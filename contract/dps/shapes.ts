/**
 * Shapes of DPS's enrollment records that both the manifests and the resources use unchanged
 * (service API 2021-10-01, SPEC-S21; field names exact). Where the two layers differ (secrets:
 * values in the resources, config key names in manifests), each layer declares its own type.
 */

/** `ReprovisionPolicy`: both fields required, both default true. */
export interface ReprovisionPolicy {
  updateHubAssignment: boolean;
  migrateDeviceData: boolean;
}

/** A twin collection: arbitrary JSON properties (see twin.ts for what IoT Hub accepts). */
export type TwinCollection = Record<string, unknown>;

export interface InitialTwin {
  tags?: TwinCollection;
  properties?: { desired?: TwinCollection };
}

export interface DeviceCapabilities {
  iotEdge: boolean;
}

export interface X509CertificateInput {
  /** PEM text; base64 of PEM or of DER is accepted too, as DPS accepts them (certificates.ts). */
  certificate: string;
}

export interface X509CertificatePair {
  primary: X509CertificateInput;
  secondary?: X509CertificateInput;
}

/** Names of CA certificates uploaded to (and verified on) the DPS. */
export interface X509CaReferences {
  primary: string;
  secondary?: string;
}

export interface TpmAttestationKeys {
  /** Base64 of the TPM's endorsement key (EK). */
  endorsementKey: string;
  /** Base64 of the storage root key (SRK). */
  storageRootKey?: string;
}
