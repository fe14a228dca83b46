// The part of an enrollment the advice and the coverage rules read, in DPS's own field names.
// Manifest entries (components/manifests) and enrollment resource inputs (what the policy pack
// sees) both have this shape, so one rule answers for both.

export interface CertificateRef {
  /** PEM text, or base64 of PEM or DER (as DPS accepts them). */
  readonly certificate?: string;
}

export interface EnrollmentView {
  readonly attestation?: {
    readonly type?: string;
    readonly x509?: {
      readonly clientCertificates?: {
        readonly primary?: CertificateRef;
        readonly secondary?: CertificateRef;
      };
      readonly signingCertificates?: {
        readonly primary?: CertificateRef;
        readonly secondary?: CertificateRef;
      };
      readonly caReferences?: { readonly primary?: string; readonly secondary?: string };
    };
  };
  readonly iotHubs?: readonly string[];
  readonly allocationPolicy?: string;
  /** Manifests name the webhook's secret; resources hold the URL. Only compared, never printed. */
  readonly customAllocationDefinition?: {
    readonly apiVersion?: string;
    readonly webhookUrlSecret?: string;
    readonly webhookUrl?: string;
  };
  readonly reprovisionPolicy?: {
    readonly updateHubAssignment?: boolean;
    readonly migrateDeviceData?: boolean;
  };
  readonly initialTwin?: unknown;
  readonly capabilities?: { readonly iotEdge?: boolean };
  readonly provisioningStatus?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface IndividualView extends EnrollmentView {
  readonly registrationId: string;
  readonly deviceId?: string;
  readonly optionalDeviceInformation?: unknown;
}

export interface GroupView extends EnrollmentView {
  readonly enrollmentGroupId: string;
}

/** A CA certificate held by the DPS (stack config `dps.caCertificates`), by the name caReferences use. */
export interface DpsCaCertificate {
  readonly name: string;
  readonly certificate: string;
}
