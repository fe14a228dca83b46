// The enrollment ledger's provider (see enrollment-ledger.ts). It runs in the dynamic-provider
// process, loaded by its stable name through the project's dynamic-providers.js; it imports types
// only of the program's modules, so nothing of the program (Pulumi's runtime, DPS clients) is
// loaded there for it.
import type * as pulumi from "@pulumi/pulumi";
import {
  credentialChanges,
  type CredentialChange,
  decodeCredentialBook,
  decodeLedgerIndividuals,
  earlyCaRetirements,
  type EarlyCaRetirement,
  type LedgerIndividual,
  ledgerRecordDigests,
  ledgerRecordDiffers,
  providerCodeInState,
  storedLedgerDigests,
} from "@dps-as-code/contract";
import type { EnrollmentLedgerOutputs, EnrollmentLedgerState } from "./enrollment-ledger";

/** The individual enrollments of the last deployment that the new inputs no longer declare (under their id or an old id). */
export function deletedIndividualEnrollments(
  olds: Pick<Partial<EnrollmentLedgerState>, "individualEnrollments"> | undefined,
  news: Pick<EnrollmentLedgerState, "individualEnrollments">,
): LedgerIndividual[] {
  // The same lines (every preview without a manifest change): every id is still declared. Decoding
  // both sides, in check and diff, cost the provider about 0.4 s of a no-op preview at 30,000
  // (benchmarks/README.md).
  if (
    typeof news.individualEnrollments === "string" &&
    olds?.individualEnrollments === news.individualEnrollments
  )
    return [];
  const now = new Set<string>();
  for (const entry of decodeLedgerIndividuals(news.individualEnrollments)) {
    now.add(entry.registrationId.toLowerCase());
    for (const previous of entry.previousIds ?? []) now.add(previous.toLowerCase());
  }
  return decodeLedgerIndividuals(olds?.individualEnrollments).filter(
    (entry) => !now.has(entry.registrationId.toLowerCase()),
  );
}

/**
 * What changed in the enrollments' credentials since the last deployment, and which CA
 * certificates leave the stack while a remaining group referenced them then
 * (contract/rotation/lockout.ts). The fingerprints stay in the (secret) `credentials`; the
 * findings name slots and CA names only.
 */
export function rotationFindings(
  olds: Pick<Partial<EnrollmentLedgerState>, "credentials" | "caCertificates"> | undefined,
  news: Pick<EnrollmentLedgerState, "credentials" | "caCertificates">,
): { credentialChanges: CredentialChange[]; earlyCaRetirements: EarlyCaRetirement[] } {
  const before = decodeCredentialBook(olds?.credentials);
  const after = decodeCredentialBook(news.credentials) ?? {};
  return {
    credentialChanges: credentialChanges(before, after),
    earlyCaRetirements: earlyCaRetirements(
      before
        ? { credentials: before, caNames: (olds?.caCertificates ?? []).map((ca) => ca.name) }
        : undefined,
      { credentials: after, caNames: news.caCertificates.map((ca) => ca.name) },
    ),
  };
}

/**
 * What a reviewer would call a change of the fleet: `previousIds` only exempt a rename from the
 * deletion check, so adding or dropping them after the rename changes nothing. Two older stored
 * forms are a change too, so one update stores today's (ledger-stored-forms.ts): the provider's
 * code as `__provider` (a reference of any form is no change), and a list of individual
 * enrollments stored as objects (ledger-lines.ts).
 *
 * `olds` are the stored outputs (the host hands diff `req.getOlds()`: @pulumi/pulumi 3.260.0
 * cmd/dynamic-provider/index.js): digests of the record last applied (contract/resources/
 * ledger-digests.ts), or the record itself as a version before them stored it. The full form is
 * compared as it was and is not a change by itself: it becomes digests at the ledger's next
 * update, not at once. At once would make the first preview after the upgrade an update of the
 * ledger on every stack (no upgrade in place would be a no-op), for bytes the next change of the
 * fleet drops anyway; and while it stays, it is read exactly as the version that wrote it read it.
 *
 * The credentials are compared when the stored state has them (a ledger written before they
 * were kept takes them on its next update, or on an unchanged step: see below).
 *
 * `deletedIndividualEnrollments` (and the rotation findings) are not compared: check() derives it from the stored and the new
 * list, so the deployment that deletes an enrollment changes the list anyway, and the next
 * preview, which finds nothing deleted, must not show the ledger changing back (a merged PR
 * settles in one `up`). The engine stores a resource's new inputs on an unchanged step too
 * (pkg/resource/deploy/step.go, SameStep.Apply: "Retain the ID and outputs"), so the record is
 * current either way; the outputs stay those of the last update, which is why their digests are
 * of what is compared and not of the inputs as given.
 */
export function ledgerChanged(
  olds: EnrollmentLedgerOutputs | EnrollmentLedgerState,
  news: EnrollmentLedgerState,
): boolean {
  if (providerCodeInState(olds, news)) return true;
  const digests = storedLedgerDigests(olds);
  if (digests !== undefined) return ledgerRecordDiffers(digests, news);
  const full = olds as EnrollmentLedgerState;
  // The same lines record the same individual enrollments: not decoded (as deletedIndividualEnrollments).
  const sameLines =
    typeof news.individualEnrollments === "string" &&
    full.individualEnrollments === news.individualEnrollments;
  const recorded = (state: EnrollmentLedgerState) =>
    JSON.stringify({
      // Lines are sorted by id when stored; a list stored by an older version is a change anyway.
      individualEnrollments: sameLines
        ? "the same lines"
        : decodeLedgerIndividuals(state.individualEnrollments).map(({ registrationId, attestation }) => ({
            registrationId,
            attestation,
          })),
      enrollmentGroups: state.enrollmentGroups,
      caCertificates: state.caCertificates,
      retiredEnrollments: state.retiredEnrollments,
      credentials: full.credentials === undefined ? undefined : state.credentials,
    });
  const storedAsList = Array.isArray(full.individualEnrollments) && full.individualEnrollments.length > 0;
  return storedAsList || recorded(full) !== recorded(news);
}

/** What create and update store: the record's digests and check()'s findings (enrollment-ledger.ts). */
export function ledgerOutputs(news: EnrollmentLedgerState): EnrollmentLedgerOutputs {
  return {
    recorded: ledgerRecordDigests(news),
    deletedIndividualEnrollments: news.deletedIndividualEnrollments,
    ...(news.credentialChanges !== undefined ? { credentialChanges: news.credentialChanges } : {}),
    ...(news.earlyCaRetirements !== undefined ? { earlyCaRetirements: news.earlyCaRetirements } : {}),
  };
}

export function createLedgerProvider(): pulumi.dynamic.ResourceProvider {
  return {
    // `olds` here are the stored INPUTS, the full record (pkg/resource/deploy/step_generator.go,
    // v3.260.0: `Olds: oldInputs`), so the findings never read the outputs' digests.
    async check(olds: Partial<EnrollmentLedgerState> | undefined, news: EnrollmentLedgerState) {
      return {
        inputs: {
          ...news,
          deletedIndividualEnrollments: deletedIndividualEnrollments(olds, news),
          ...rotationFindings(olds, news),
        },
      };
    },
    async diff(
      _id: string,
      olds: EnrollmentLedgerOutputs | EnrollmentLedgerState,
      news: EnrollmentLedgerState,
    ) {
      return { changes: ledgerChanged(olds, news), replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: EnrollmentLedgerState) {
      return { id: "enrollment-ledger", outs: ledgerOutputs(inputs) };
    },
    async update(_id: string, _olds: unknown, news: EnrollmentLedgerState) {
      return { outs: ledgerOutputs(news) };
    },
  };
}
