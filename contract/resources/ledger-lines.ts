// How the enrollment ledger stores its individual enrollments: one text, one JSON record per line,
// sorted by lower-cased id, instead of a list of objects. Every value in the state crosses the
// engine, the program and the provider process as protobuf Structs at each preview, at a cost that
// grows with the number of objects: at 10,000 enrollments the list cost about 7 s of a no-op
// preview, the text well under one (measured: benchmarks/README.md). Sorted, so moving an entry
// between manifests changes nothing. Pure and free of Pulumi's runtime: the ledger's provider
// (ledger-provider.ts) loads it in the provider process.
import type { LedgerIndividual } from "../choice";

/** The ledger's individual enrollments as stored: one JSON record per line, sorted by id. */
export function encodeLedgerIndividuals(records: readonly LedgerIndividual[]): string {
  return records
    .map((record) => [record.registrationId.toLowerCase(), JSON.stringify(record)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, line]) => line)
    .join("\n");
}

/** The stored individual enrollments, in either form (a version before this encoding stored the list itself). */
export function decodeLedgerIndividuals(stored: unknown): LedgerIndividual[] {
  if (Array.isArray(stored)) return stored as LedgerIndividual[];
  if (typeof stored !== "string" || stored === "") return [];
  return stored.split("\n").map((line, index) => {
    const record: unknown = JSON.parse(line);
    if (
      typeof record !== "object" ||
      record === null ||
      typeof (record as LedgerIndividual).registrationId !== "string"
    )
      throw new Error(
        `enrollment ledger state: individual enrollment line ${index + 1} has no registrationId`,
      );
    return record as LedgerIndividual;
  });
}
