import * as pulumi from "@pulumi/pulumi";
import type { DpsConnectionArgs } from "../resource-args";
import { thisStackOwner } from "../resource-props";
import {
  type DpsConnection,
  ENROLLMENT_SET_SECRET_OUTPUTS,
  ENROLLMENT_SET_TYPE,
  encodeSetEntries,
  encodeSetSecrets,
  providerReference,
  type EntrySecrets,
  type PackedText,
  type SetEntry,
} from "@dps-as-code/contract";

export interface EnrollmentSetArgs {
  /** The DPS the enrollments live in. Changing its endpoint replaces the set. */
  readonly dps: pulumi.Input<DpsConnectionArgs>;
  /** Host names of the hubs linked to the DPS, when known: check() then rejects entries whose `iotHubs` are not linked. */
  readonly linkedHubs?: pulumi.Input<pulumi.Input<string>[]>;
  /** `"07-of-32"` (sharding.ts): which ids this set holds. Also its resource id. */
  readonly shard: string;
  /**
   * Registration id -> the inputs an IndividualEnrollment takes, minus dps, linkedHubs,
   * registrationId and secrets; `iotHubs` as the manifests name them (a key of `hubHostNames`, or
   * a host name). Plain values, not outputs: the set sends them as one canonical JSON text
   * (contract `encodeSetEntries`), which is then known in every preview, so a reviewer's
   * `pulumi preview --diff` names each entry and field even before a hub's host name is known.
   */
  readonly enrollments: Readonly<Record<string, SetEntry>>;
  /** The host name each hub reference of the entries stands for, where it is not its own (a hub's key). @default none: references are host names */
  readonly hubHostNames?: pulumi.Input<Record<string, string>>;
  /** Registration id -> declared keys / webhook URL (sent and stored as one secret text). @default none: DPS-style keys are generated for symmetric-key entries */
  readonly secrets?: pulumi.Input<Record<string, EntrySecrets>>;
  /** Ids of this shard declared as IndividualEnrollment resources: handed over, never deleted, when they leave the set. @default none */
  readonly individuallyManaged?: pulumi.Input<string[]>;
  /** DPS's service-operation quota to pace to. @default 1000 */
  readonly operationsPerMinute?: pulumi.Input<number>;
}

/**
 * Many individual enrollments in one resource, written through DPS's bulk operation (the batch
 * path for large fleets). Type token `pulumi-nodejs:dynamic/dps:EnrollmentSet`. See README.md.
 *
 * Registered as the enrollment resources are (enrollment-resource.ts): a CustomResource of the
 * dynamic type whose `__provider` names its provider ("EnrollmentSet", resolved by the project's
 * dynamic-providers.js) instead of embedding its code.
 */
export class EnrollmentSet extends pulumi.CustomResource {
  public readonly shard!: pulumi.Output<string>;
  /** The entries DPS holds: their canonical text, packed (contract `decodeEntries` reads it). */
  public readonly enrollments!: pulumi.Output<PackedText>;
  public readonly serviceEndpoint!: pulumi.Output<string>;
  /** The ETag DPS gave each entry, one line per entry (stored-form.ts: `decodeMetadata` reads it). */
  public readonly metadata!: pulumi.Output<string>;
  /** Symmetric keys DPS holds, one line per entry (secret; stored-form.ts: `decodeKeys` reads it). */
  public readonly keys!: pulumi.Output<string>;
  public readonly released!: pulumi.Output<string[]>;

  constructor(name: string, args: EnrollmentSetArgs, opts?: pulumi.CustomResourceOptions) {
    const dps = pulumi.output(args.dps as pulumi.Input<DpsConnection>);
    super(
      ENROLLMENT_SET_TYPE,
      name,
      {
        ...args,
        // Written on every record the set sends, checked before taking over an existing id (ownership.ts).
        owner: thisStackOwner(),
        dps: dps.apply((value) => (value.connectionString ? pulumi.secret(value) : value)),
        // One value each, not a property per entry: the engine's cost follows the number of values
        // it carries (docs/design/set-text-input.md; benchmarks/README.md, "A set's entries as one
        // text input"). The secrets text is one secret: a preview shows `[secret]` for all of them.
        enrollments: encodeSetEntries(args.enrollments),
        hubHostNames: args.hubHostNames ?? {},
        secrets: pulumi.secret(pulumi.output(args.secrets ?? {}).apply(encodeSetSecrets)),
        individuallyManaged: args.individuallyManaged ?? [],
        serviceEndpoint: undefined,
        metadata: undefined,
        keys: undefined,
        released: undefined,
        __provider: providerReference("EnrollmentSet"),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...ENROLLMENT_SET_SECRET_OUTPUTS] }),
    );
  }
}
