// The enrollment ledger: one record per stack of the individual enrollments and groups it
// declares, so the policy pack can see a DELETED individual enrollment. A policy only sees the
// resources of the new program: a deleted resource is simply absent. The ledger's provider
// compares its previous inputs with the new ones in check() and adds the individual
// enrollments that disappeared as `deletedIndividualEnrollments`; the engine hands these checked
// inputs to the policy pack before anything is deployed (pkg/resource/deploy/step_generator.go,
// v3.260.0: analyzers run on the inputs Check returned), and the policy
// `dps-enrollment-retirement-covered` refuses a deletion no group covers.
//
// The ledger makes no DPS call and holds no secret (certificates are public). A run killed after
// the ledger was updated and before the deletion finished had its deletion checked already; the
// next run only completes it.
import * as pulumi from "@pulumi/pulumi";
import type { DpsCaCertificate, GroupView, IndividualView } from "../../shared/enrollment-choice";

/** What the ledger keeps of an individual enrollment: its id, old ids and attestation (certificates, never keys). */
export interface LedgerIndividual extends Pick<IndividualView, "registrationId" | "attestation"> {
  /** Ids this entry had before a reviewed rename: not a deletion of a device, the same one renamed. */
  readonly previousIds?: readonly string[];
}

export type LedgerGroup = Pick<GroupView, "enrollmentGroupId" | "attestation" | "provisioningStatus">;

export interface EnrollmentLedgerInputs {
  readonly individualEnrollments: readonly LedgerIndividual[];
  readonly enrollmentGroups: readonly LedgerGroup[];
  /** The DPS's CA certificates, which X.509 groups name in caReferences. */
  readonly caCertificates: readonly DpsCaCertificate[];
  /** Deletions the manifests acknowledge (`retiredEnrollments`). */
  readonly retiredEnrollments: readonly { readonly registrationId: string; readonly reason: string }[];
}

/** The checked inputs: the declared ones plus what check() found deleted. */
export interface EnrollmentLedgerState extends EnrollmentLedgerInputs {
  readonly deletedIndividualEnrollments: readonly LedgerIndividual[];
}

export const ENROLLMENT_LEDGER_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentLedger";

// Self-contained (no module-level references): Pulumi serialises the provider by value.
const ledgerProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<EnrollmentLedgerState> | undefined, news: EnrollmentLedgerInputs) {
    const now = new Set<string>();
    for (const entry of news.individualEnrollments ?? []) {
      now.add(entry.registrationId.toLowerCase());
      for (const previous of entry.previousIds ?? []) now.add(previous.toLowerCase());
    }
    const deletedIndividualEnrollments = (olds?.individualEnrollments ?? []).filter((entry) => !now.has(entry.registrationId.toLowerCase()));
    return { inputs: { ...news, deletedIndividualEnrollments } };
  },
  async diff(_id: string, olds: EnrollmentLedgerState, news: EnrollmentLedgerState) {
    // What a reviewer would call a change of the fleet: `previousIds` only exempt a rename from
    // the deletion check, so adding or dropping them after the rename changes nothing.
    const recorded = (state: EnrollmentLedgerState) =>
      JSON.stringify({
        individualEnrollments: (state.individualEnrollments ?? []).map(({ registrationId, attestation }) => ({ registrationId, attestation })),
        enrollmentGroups: state.enrollmentGroups,
        caCertificates: state.caCertificates,
        retiredEnrollments: state.retiredEnrollments,
        deletedIndividualEnrollments: state.deletedIndividualEnrollments,
      });
    return { changes: recorded(olds) !== recorded(news), replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: EnrollmentLedgerState) {
    return { id: "enrollment-ledger", outs: inputs };
  },
  async update(_id: string, _olds: EnrollmentLedgerState, news: EnrollmentLedgerState) {
    return { outs: news };
  },
};

/** Type token `pulumi-nodejs:dynamic/dps:EnrollmentLedger`. */
export class EnrollmentLedger extends pulumi.dynamic.Resource {
  public readonly deletedIndividualEnrollments!: pulumi.Output<LedgerIndividual[]>;

  constructor(name: string, args: EnrollmentLedgerInputs, opts?: pulumi.CustomResourceOptions) {
    super(ledgerProvider, name, { ...args, deletedIndividualEnrollments: undefined }, opts, "dps", "EnrollmentLedger");
  }
}
