import type * as pulumi from "@pulumi/pulumi";
import { EnrollmentResource } from "./enrollment-resource";
import type { IndividualEnrollmentArgs } from "./resource-args";
import type { TwinCollection } from "@dps-as-code/contract";

/**
 * A DPS individual enrollment, managed through the DPS service API.
 * Type token `pulumi-nodejs:dynamic/dps:IndividualEnrollment`.
 */
export class IndividualEnrollment extends EnrollmentResource {
  public readonly registrationId!: pulumi.Output<string>;
  public readonly deviceId!: pulumi.Output<string | undefined>;
  public readonly optionalDeviceInformation!: pulumi.Output<TwinCollection | undefined>;

  constructor(name: string, args: IndividualEnrollmentArgs, opts?: pulumi.CustomResourceOptions) {
    super("individual", name, args, opts);
  }
}
