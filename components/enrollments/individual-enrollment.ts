import * as pulumi from "@pulumi/pulumi";
import { createEnrollmentProvider } from "./provider";
import type { IndividualEnrollmentArgs } from "./resource-args";
import { SECRET_OUTPUTS, enrollmentProps } from "./resource-props";
import type { AllocationPolicy, Attestation, CustomAllocationDefinition, InitialTwin, ProvisioningStatus, ReprovisionPolicy, TwinCollection } from "./types";

/** One provider object for every instance: Pulumi serialises it once per object. */
let provider: pulumi.dynamic.ResourceProvider | undefined;

/**
 * A DPS individual enrollment, managed through the DPS service API.
 * Type token `pulumi-nodejs:dynamic/dps:IndividualEnrollment`.
 */
export class IndividualEnrollment extends pulumi.dynamic.Resource {
  public readonly registrationId!: pulumi.Output<string>;
  public readonly deviceId!: pulumi.Output<string | undefined>;
  public readonly attestation!: pulumi.Output<Attestation>;
  public readonly iotHubs!: pulumi.Output<string[] | undefined>;
  public readonly allocationPolicy!: pulumi.Output<AllocationPolicy | undefined>;
  public readonly customAllocationDefinition!: pulumi.Output<CustomAllocationDefinition | undefined>;
  public readonly reprovisionPolicy!: pulumi.Output<ReprovisionPolicy | undefined>;
  public readonly initialTwin!: pulumi.Output<InitialTwin | undefined>;
  public readonly capabilities!: pulumi.Output<{ iotEdge: boolean } | undefined>;
  public readonly provisioningStatus!: pulumi.Output<ProvisioningStatus | undefined>;
  public readonly optionalDeviceInformation!: pulumi.Output<TwinCollection | undefined>;
  public readonly adoptExisting!: pulumi.Output<boolean | undefined>;
  /** The DPS service endpoint (plain, while `dps` is secret). */
  public readonly serviceEndpoint!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;
  public readonly createdDateTimeUtc!: pulumi.Output<string | undefined>;
  public readonly lastUpdatedDateTimeUtc!: pulumi.Output<string | undefined>;
  /** Symmetric keys as DPS holds them (secret); undefined for X.509 and TPM. */
  public readonly primaryKey!: pulumi.Output<string | undefined>;
  public readonly secondaryKey!: pulumi.Output<string | undefined>;
  /** True when this resource adopted an enrollment that already existed. */
  public readonly adopted!: pulumi.Output<boolean>;

  constructor(name: string, args: IndividualEnrollmentArgs, opts?: pulumi.CustomResourceOptions) {
    provider ??= createEnrollmentProvider("individual");
    super(
      provider,
      name,
      enrollmentProps("individual", name, args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }),
      "dps",
      "IndividualEnrollment",
    );
  }
}
