/**
 * The DpsCaCertificate resource's args, the provider's inputs and its outputs. The inputs keep
 * azure-native DpsCertificate's shape (`certificateName`, `properties.certificate`,
 * `properties.isVerified`), so the policy pack and the reports read either resource the same way.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface DpsCaCertificateArgs {
  /** The DPS's subscription (from its ARM id). */
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly provisioningServiceName: pulumi.Input<string>;
  /** The certificate's name in the DPS (what `caReferences` name); changing it replaces the resource. */
  readonly certificateName: pulumi.Input<string>;
  readonly properties: pulumi.Input<{
    /** PEM text (or base64 of PEM or DER, which DPS also accepts). */
    readonly certificate: pulumi.Input<string>;
    /** Upload as verified (no proof of possession). */
    readonly isVerified: pulumi.Input<boolean>;
  }>;
  /**
   * Azure Resource Manager's endpoint.
   * @default "https://management.azure.com" (Azure's public cloud)
   */
  readonly armEndpoint?: pulumi.Input<string>;
}

export interface DpsCaCertificateInputs {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly provisioningServiceName: string;
  readonly certificateName: string;
  readonly properties: { readonly certificate: string; readonly isVerified: boolean };
  readonly armEndpoint: string;
}

export interface DpsCaCertificateOutputs extends DpsCaCertificateInputs {
  /** The certificate's ETag when last read or written; every update and delete sends it as If-Match. */
  readonly etag: string;
  /** SHA-1 thumbprint (upper-case hex) of the certificate DPS holds. */
  readonly thumbprint: string;
  readonly subject: string;
  readonly expiry: string;
}
