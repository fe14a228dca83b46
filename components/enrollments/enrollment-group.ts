import type * as pulumi from "@pulumi/pulumi";
import { EnrollmentResource } from "./enrollment-resource";
import type { EnrollmentGroupArgs } from "./resource-args";

/**
 * A DPS enrollment group, managed through the DPS service API.
 * Type token `pulumi-nodejs:dynamic/dps:EnrollmentGroup`.
 */
export class EnrollmentGroup extends EnrollmentResource {
  public readonly enrollmentGroupId!: pulumi.Output<string>;

  constructor(name: string, args: EnrollmentGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super("group", name, args, opts);
  }
}
