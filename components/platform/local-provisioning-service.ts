/**
 * The local target's DPS as a dynamic resource, so a local stack needs no provider plugin
 * besides Pulumi's own. The provider (./local/provider.ts) talks to the emulator through its
 * admin client (./local/admin-client.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type DpsAllocationPolicy as AllocationPolicy,
  LOCAL_DPS_SECRET_OUTPUTS,
} from "@dps-as-code/contract";
import { localProvisioningServiceProvider } from "./local/provider";
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
 * Dynamic resource `pulumi-nodejs:dynamic/dps:LocalProvisioningService`: the emulator's
 * DPS-level configuration. Creates no azure-native or random resources.
 */
export class LocalProvisioningService extends pulumi.dynamic.Resource {
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
      localProvisioningServiceProvider,
      name,
      { ...args, connectionString: pulumi.secret(args.connectionString), idScope: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...LOCAL_DPS_SECRET_OUTPUTS] }),
      "dps",
      "LocalProvisioningService",
    );
  }
}
