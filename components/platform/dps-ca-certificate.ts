/**
 * A CA certificate of an Azure DPS, as a dynamic resource that deletes and updates with the
 * certificate's ETag (./ca-certificate/). azure-native's DpsCertificate cannot: its delete sends no
 * If-Match, which DPS's ARM API requires (DpsCertificate_Delete, iotdps.json 2023-03-01-preview).
 */
import * as pulumi from "@pulumi/pulumi";
import { DPS_CA_CERTIFICATE_TYPE, providerReference } from "@dps-as-code/contract";
import type { DpsCaCertificateArgs } from "./ca-certificate/types";

export { dpsCaCertificateProvider, createDpsCaCertificateProvider } from "./ca-certificate/provider";
export type {
  DpsCaCertificateArgs,
  DpsCaCertificateInputs,
  DpsCaCertificateOutputs,
} from "./ca-certificate/types";

/**
 * Dynamic resource `pulumi-nodejs:dynamic/dps:DpsCaCertificate`, registered as the enrollment
 * resources are: a CustomResource of the dynamic type whose `__provider` names the provider
 * ("DpsCaCertificate", resolved by the project's dynamic-providers.js).
 */
export class DpsCaCertificate extends pulumi.CustomResource {
  // `declare`: with ES2022 class fields an initialised field would overwrite what super() set.
  declare public readonly certificateName: pulumi.Output<string>;
  declare public readonly etag: pulumi.Output<string>;
  declare public readonly thumbprint: pulumi.Output<string>;
  declare public readonly subject: pulumi.Output<string>;
  declare public readonly expiry: pulumi.Output<string>;

  constructor(name: string, args: DpsCaCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      DPS_CA_CERTIFICATE_TYPE,
      name,
      {
        ...args,
        etag: undefined,
        thumbprint: undefined,
        subject: undefined,
        expiry: undefined,
        __provider: providerReference("DpsCaCertificate"),
      },
      opts,
    );
  }
}
