// The enrollment ledger: one record per stack of the individual enrollments and groups it
// declares, so the policy pack can see a DELETED individual enrollment. A policy only sees the
// resources of the new program: a deleted resource is simply absent. The ledger's provider
// (ledger-provider.ts) compares its previous inputs with the new ones in check() and adds the
// individual enrollments that disappeared as `deletedIndividualEnrollments`; the engine hands these
// checked inputs to the policy pack before anything is deployed (pkg/resource/deploy/step_generator.go,
// v3.260.0: analyzers run on the inputs Check returned), and the policy
// `dps-enrollment-retirement-covered` refuses a deletion no group covers.
//
// The ledger makes no DPS call and holds no secret. Of an individual enrollment it keeps the id,
// old ids and the facts of its device certificate (thumbprint, issuer, authority key identifier,
// and the key of the stack's CA that issued it: contract/choice/ledger-record.ts), not the
// certificate: the ledger's state grows with every enrollment of the stack (state size is what slows a large `pulumi up`). Groups and
// the DPS CA certificates keep their (few) certificates, which the coverage rule checks device
// certificates against.
//
// Like the enrollments, it is registered as what `pulumi.dynamic.Resource` registers, with a
// `__provider` that names its provider ("EnrollmentLedger", resolved by the project's
// dynamic-providers.js) instead of embedding its code (contract/resources/provider-reference.ts).
//
// The ledger also keeps each enrollment's credentials as fingerprints (`credentials`,
// contract/rotation/credentials.ts: hashes of symmetric keys, certificate thumbprints, CA names),
// a Pulumi secret whenever a key's hash is in it; its provider compares them with the last
// deployment's and hands the pack the enrollments whose devices would be locked out
// (`credentialChanges`) and the CAs retired too early (`earlyCaRetirements`), for the policy
// `dps-enrollment-credential-rotation`.
//
// Its outputs are not the record again but digests of it (contract/resources/ledger-digests.ts),
// with the findings: the record stays in the inputs, which are what its readers take (the pack,
// and check(), which the engine hands the old inputs); only the provider's diff reads the
// outputs. The digests are a secret output, as the credential book they digest is.
//
// A run killed after the ledger was updated and before the deletion finished had its deletion
// checked already; the next run only completes it.
import * as pulumi from "@pulumi/pulumi";
import {
  type CredentialChange,
  type DpsCaCertificate,
  type EarlyCaRetirement,
  ENROLLMENT_LEDGER_TYPE,
  type GroupView,
  LEDGER_DIGESTS_FIELD,
  type LedgerIndividual,
  type LedgerRecordDigests,
  providerReference,
} from "@dps-as-code/contract";

export type { LedgerIndividual } from "@dps-as-code/contract";

export type LedgerGroup = Pick<GroupView, "enrollmentGroupId" | "attestation" | "provisioningStatus">;

export interface EnrollmentLedgerInputs {
  /** One record per line, sorted by id (ledger-lines.ts). State written by an older version holds the list itself; the provider reads both. */
  readonly individualEnrollments: string;
  readonly enrollmentGroups: readonly LedgerGroup[];
  /** The DPS's CA certificates, which X.509 groups name in caReferences. */
  readonly caCertificates: readonly DpsCaCertificate[];
  /** Deletions the manifests acknowledge (`retiredEnrollments`). */
  readonly retiredEnrollments: readonly { readonly registrationId: string; readonly reason: string }[];
  /**
   * Every enrollment's credential fingerprints, one line each (encodeCredentialBook); secret when
   * a key's hash is in it. State written before this field existed has none: nothing is compared then.
   */
  readonly credentials: pulumi.Input<string>;
}

/** The checked inputs: the declared ones plus what check() found deleted. */
export interface EnrollmentLedgerState extends Omit<
  EnrollmentLedgerInputs,
  "individualEnrollments" | "credentials"
> {
  /** As declared, or (written by an older version) the list itself. */
  readonly individualEnrollments: string | readonly LedgerIndividual[];
  readonly deletedIndividualEnrollments: readonly LedgerIndividual[];
  /** Absent in state written before credentials were kept. */
  readonly credentials?: string;
  /** Enrollments whose credentials changed since the last deployment (no fingerprint: not secret). */
  readonly credentialChanges?: readonly CredentialChange[];
  readonly earlyCaRetirements?: readonly EarlyCaRetirement[];
}

/**
 * What create and update store (ledger-provider.ts, ledgerOutputs). A state written before
 * these held the checked inputs instead (ledger-stored-forms.ts).
 */
export interface EnrollmentLedgerOutputs {
  /** Digests of the record last applied: what the provider's diff compares the new record with. */
  readonly recorded: LedgerRecordDigests;
  readonly deletedIndividualEnrollments: readonly LedgerIndividual[];
  readonly credentialChanges?: readonly CredentialChange[];
  readonly earlyCaRetirements?: readonly EarlyCaRetirement[];
}

/** Type token ENROLLMENT_LEDGER_TYPE (contract/resources/tokens.ts). */
export class EnrollmentLedger extends pulumi.CustomResource {
  public readonly recorded!: pulumi.Output<LedgerRecordDigests>;
  public readonly deletedIndividualEnrollments!: pulumi.Output<LedgerIndividual[]>;
  public readonly credentialChanges!: pulumi.Output<CredentialChange[] | undefined>;
  public readonly earlyCaRetirements!: pulumi.Output<EarlyCaRetirement[] | undefined>;

  constructor(name: string, args: EnrollmentLedgerInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      ENROLLMENT_LEDGER_TYPE,
      name,
      {
        ...args,
        [LEDGER_DIGESTS_FIELD]: undefined,
        deletedIndividualEnrollments: undefined,
        credentialChanges: undefined,
        earlyCaRetirements: undefined,
        __provider: providerReference("EnrollmentLedger"),
      },
      // The credentials digest is of the key hashes, which the ledger keeps as a secret; the
      // engine marks an output secret for this list on every step, unchanged ones included
      // (pkg/resource/deploy/step_executor.go, v3.260.0: AdditionalSecretOutputs).
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [LEDGER_DIGESTS_FIELD] }),
    );
  }
}
