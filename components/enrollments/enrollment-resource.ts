import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentCommonArgs } from "./resource-args";
import { enrollmentProps } from "./resource-props";
import {
  type AllocationPolicy,
  type Attestation,
  type CustomAllocationDefinition,
  ENROLLMENT_SECRET_OUTPUTS,
  type EnrollmentKind,
  type InitialTwin,
  kindInfo,
  providerReference,
  type ProvisioningStatus,
  type ReprovisionPolicy,
} from "@dps-as-code/contract";

/**
 * What both enrollment resources share: the outputs DPS gives back for any enrollment, and the
 * way they are registered (their provider, secret outputs and `pulumi-nodejs:dynamic/dps:<type>`).
 *
 * They are dynamic resources registered directly as what `pulumi.dynamic.Resource` registers (a
 * CustomResource of type `pulumi-nodejs:dynamic/dps:<type>` with a `__provider` text), so that
 * `__provider` names the provider (its type name, resolved by the project's dynamic-providers.js)
 * instead of holding its serialised code: see contract/resources/provider-reference.ts.
 */
export abstract class EnrollmentResource extends pulumi.CustomResource {
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
    name: string,
    args: EnrollmentCommonArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      kindInfo(kind).type,
      name,
      { ...enrollmentProps(kind, name, args), __provider: providerReference(kindInfo(kind).typeName) },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...ENROLLMENT_SECRET_OUTPUTS] }),
    );
  }
}
