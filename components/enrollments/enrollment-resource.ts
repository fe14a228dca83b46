import * as pulumi from "@pulumi/pulumi";
import { createEnrollmentProvider } from "./provider";
import type { EnrollmentCommonArgs } from "./resource-args";
import { SECRET_OUTPUTS, enrollmentProps } from "./resource-props";
import type { AllocationPolicy, Attestation, CustomAllocationDefinition, EnrollmentKind, InitialTwin, ProvisioningStatus, ReprovisionPolicy } from "./types";

/** One provider object per kind for every instance: Pulumi serialises it once per object. */
const providers: Partial<Record<EnrollmentKind, pulumi.dynamic.ResourceProvider>> = {};

/**
 * What both enrollment resources share: the outputs DPS gives back for any enrollment, and the
 * way they are registered (their provider, secret outputs and `pulumi-nodejs:dynamic/dps:<type>`).
 */
export abstract class EnrollmentResource extends pulumi.dynamic.Resource {
  public readonly attestation!: pulumi.Output<Attestation>;
  public readonly iotHubs!: pulumi.Output<string[] | undefined>;
  public readonly allocationPolicy!: pulumi.Output<AllocationPolicy | undefined>;
  public readonly customAllocationDefinition!: pulumi.Output<CustomAllocationDefinition | undefined>;
  public readonly reprovisionPolicy!: pulumi.Output<ReprovisionPolicy | undefined>;
  public readonly initialTwin!: pulumi.Output<InitialTwin | undefined>;
  public readonly capabilities!: pulumi.Output<{ iotEdge: boolean } | undefined>;
  public readonly provisioningStatus!: pulumi.Output<ProvisioningStatus | undefined>;
  public readonly adoptExisting!: pulumi.Output<boolean | undefined>;
  /** The DPS service endpoint (plain, while `dps` is secret). */
  public readonly serviceEndpoint!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;
  public readonly createdDateTimeUtc!: pulumi.Output<string | undefined>;
  public readonly lastUpdatedDateTimeUtc!: pulumi.Output<string | undefined>;
  /** Symmetric keys as DPS holds them (secret); undefined for X.509 and TPM. Derive a group's device keys with deriveDeviceKeyOutput. */
  public readonly primaryKey!: pulumi.Output<string | undefined>;
  public readonly secondaryKey!: pulumi.Output<string | undefined>;
  /** True when this resource adopted an enrollment that already existed. */
  public readonly adopted!: pulumi.Output<boolean>;

  protected constructor(
    kind: EnrollmentKind,
    typeName: "IndividualEnrollment" | "EnrollmentGroup",
    name: string,
    args: EnrollmentCommonArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      (providers[kind] ??= createEnrollmentProvider(kind)),
      name,
      enrollmentProps(kind, name, args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }),
      "dps",
      typeName,
    );
  }
}
