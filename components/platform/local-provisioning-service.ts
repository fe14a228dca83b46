/**
 * The local target's DPS as a dynamic resource, so a local stack needs no provider plugin
 * besides Pulumi's own. The provider (./local/provider.ts) talks to the emulator through its
 * admin client (./local/admin-client.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type DpsAllocationPolicy as AllocationPolicy,
  LOCAL_DPS_SECRET_OUTPUTS,
  LOCAL_DPS_TYPE,
  providerReference,
} from "@dps-as-code/contract";
import type { LocalCaCertificate, LocalLinkedHub, LocalProvisioningServiceArgs } from "./local/types";

export { localProvisioningServiceProvider } from "./local/provider";
export type {
  LocalCaCertificate,
  LocalLinkedHub,
  LocalProvisioningServiceArgs,
  LocalProvisioningServiceInputs,
  LocalProvisioningServiceOutputs,
} from "./local/types";

/**
 * Dynamic resource `pulumi-nodejs:dynamic/dps:LocalProvisioningService` (LOCAL_DPS_TYPE): the
 * emulator's DPS-level configuration. Creates no azure-native or random resources.
 *
 * Registered as the enrollment resources are (components/enrollments/enrollment-resource.ts): what
 * `pulumi.dynamic.Resource` registers, a CustomResource of the dynamic type, with a `__provider`
 * that names the provider ("LocalProvisioningService", resolved by the project's
 * dynamic-providers.js) instead of its serialised code. Same type, same inputs: stacks keep their
 * resource (older stored forms: ./local/stored-forms.ts).
 */
export class LocalProvisioningService extends pulumi.CustomResource {
  // `declare`: with ES2022 class fields an initialised field would overwrite what super() set.
  declare public readonly serviceHost: pulumi.Output<string>;
  declare public readonly connectionString: pulumi.Output<string>;
  declare public readonly trustedCaCertificate: pulumi.Output<string>;
  declare public readonly allocationPolicy: pulumi.Output<AllocationPolicy>;
  declare public readonly linkedHubs: pulumi.Output<LocalLinkedHub[]>;
  declare public readonly caCertificates: pulumi.Output<LocalCaCertificate[]>;
  declare public readonly idScope: pulumi.Output<string>;

  constructor(name: string, args: LocalProvisioningServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      LOCAL_DPS_TYPE,
      name,
      {
        ...args,
        connectionString: pulumi.secret(args.connectionString),
        idScope: undefined,
        __provider: providerReference("LocalProvisioningService"),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...LOCAL_DPS_SECRET_OUTPUTS] }),
    );
  }
}
