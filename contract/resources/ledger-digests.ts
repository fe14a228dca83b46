// What the enrollment ledger stores as its outputs: digests of the record it was given, not the
// record again (issue #26, docs/design/set-stored-outputs.md, cut 2). The record stays in the
// ledger's inputs, which the state keeps and which are all the record's readers take: the
// engine hands check() the old inputs (pkg/resource/deploy/step_generator.go, v3.260.0:
// `Olds: oldInputs`), and check() derives the findings from them; the policy pack's resource
// policies see the checked inputs. The one reader of the outputs is the provider's own diff (the
// Node dynamic-provider host hands it `req.getOlds()`, the stored outputs:
// @pulumi/pulumi 3.260.0 cmd/dynamic-provider/index.js), and it needs only to know whether the
// new record differs from the one last applied. Stored twice, the lines and the credential book
// were about 2 x 138 B per entry of a state the engine rewrites at each step's start and end.
//
// Four digests, not one: a preview without a manifest change finds the same lines and decodes
// nothing (decoding 30,000 lines on both sides cost about 0.4 s of a no-op preview:
// benchmarks/README.md); a change of `previousIds` alone changes the lines and not the record
// (ledger-provider.ts, ledgerChanged); and the credential book is compared only when the record
// had one, as the full form is. Pure: the ledger's provider loads it in the provider process.
import { createHash } from "node:crypto";
import { decodeLedgerIndividuals } from "./ledger-lines";

/** The ledger's record as its provider is handed it (a subset of its checked inputs). */
export interface LedgerRecordView {
  /** The lines (ledger-lines.ts); a state written by an older version held the list itself. */
  readonly individualEnrollments: unknown;
  readonly enrollmentGroups?: unknown;
  readonly caCertificates?: unknown;
  readonly retiredEnrollments?: unknown;
  /** The credential book (contract/rotation/credentials.ts); absent in a record made before it. */
  readonly credentials?: unknown;
}

/** SHA-256 digests (hex) of a ledger record, as its outputs store them in `recorded`. */
export interface LedgerRecordDigests {
  /** The individual enrollments' lines exactly as given: the same lines, nothing to decode. */
  readonly lines: string;
  /** What is a change of them: each entry's id and attestation, in stored order (no previousIds). */
  readonly individuals: string;
  /** The groups, the DPS's CA certificates and the acknowledged retirements. */
  readonly others: string;
  /** The credential book; absent when the record had none (then nothing is compared). */
  readonly credentials?: string;
}

/** The output field that holds the digests (a secret: `credentials` digests the key hashes). */
export const LEDGER_DIGESTS_FIELD = "recorded";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const linesText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value ?? ""));

/** The digest of the lines as given (the fast path of a preview without a manifest change). */
export function ledgerLinesDigest(record: Pick<LedgerRecordView, "individualEnrollments">): string {
  return sha256(linesText(record.individualEnrollments));
}

/** The digest of what ledgerChanged compares of the individual enrollments (decodes every line). */
export function ledgerIndividualsDigest(record: Pick<LedgerRecordView, "individualEnrollments">): string {
  return sha256(
    JSON.stringify(
      decodeLedgerIndividuals(record.individualEnrollments).map(({ registrationId, attestation }) => ({
        registrationId,
        attestation,
      })),
    ),
  );
}

/** The digest of the rest of the record but the credentials. */
export function ledgerOthersDigest(record: LedgerRecordView): string {
  return sha256(
    JSON.stringify({
      enrollmentGroups: record.enrollmentGroups,
      caCertificates: record.caCertificates,
      retiredEnrollments: record.retiredEnrollments,
    }),
  );
}

/** The digest of the credential book, undefined when there is none. */
export function ledgerCredentialsDigest(record: Pick<LedgerRecordView, "credentials">): string | undefined {
  return record.credentials === undefined ? undefined : sha256(linesText(record.credentials));
}

export function ledgerRecordDigests(record: LedgerRecordView): LedgerRecordDigests {
  const credentials = ledgerCredentialsDigest(record);
  return {
    lines: ledgerLinesDigest(record),
    individuals: ledgerIndividualsDigest(record),
    others: ledgerOthersDigest(record),
    ...(credentials !== undefined ? { credentials } : {}),
  };
}

/** The stored digests of a ledger's outputs, or undefined for the full form an older version stored. */
export function storedLedgerDigests(outputs: object | undefined): LedgerRecordDigests | undefined {
  const value = (outputs as Record<string, unknown> | undefined)?.[LEDGER_DIGESTS_FIELD];
  if (typeof value !== "object" || value === null) return undefined;
  const { lines, individuals, others, credentials } = value as Record<string, unknown>;
  if (typeof lines !== "string" || typeof individuals !== "string" || typeof others !== "string")
    throw new Error(
      `enrollment ledger state: "${LEDGER_DIGESTS_FIELD}" lacks a digest (lines, individuals, others); ` +
        "the state was edited or written by another version: restore it from the backend's history",
    );
  return { lines, individuals, others, ...(typeof credentials === "string" ? { credentials } : {}) };
}

/**
 * Whether `record` differs from the record the digests were made of, as ledgerChanged compares
 * two records: previousIds alone are no change, and the credentials count only when the stored
 * record had them. The same lines are not decoded.
 */
export function ledgerRecordDiffers(stored: LedgerRecordDigests, record: LedgerRecordView): boolean {
  const sameIndividuals =
    ledgerLinesDigest(record) === stored.lines || ledgerIndividualsDigest(record) === stored.individuals;
  return (
    !sameIndividuals ||
    ledgerOthersDigest(record) !== stored.others ||
    (stored.credentials !== undefined && ledgerCredentialsDigest(record) !== stored.credentials)
  );
}
