/**
 * What DPS holds for ids a set is about to bulk-create or bulk-delete, read first so that neither
 * write depends on an answer DPS does not document (docs/dps-contracts.md §1, "Bulk"; the
 * emulator's switches `bulkCreateOnExisting` and `bulkDeleteItems`, emulator/variants.ts):
 *
 * - create: whether a bulk `create` on an existing id is refused (409) or overwrites it is not
 *   documented. Overwriting would replace an enrollment this stack does not own, and give a
 *   symmetric-key enrollment new keys over the ones its device holds; so ids DPS already holds
 *   never go into a bulk create (apply.ts decides them as the per-enrollment create does).
 * - delete: the spec types each bulk item as a full IndividualEnrollment (attestation required)
 *   and Microsoft's sample deletes with the records it read back
 *   (Azure/azure-iot-sdk-node provisioning/service/samples/run_bulk_operation.js), so a delete
 *   sends the record as read, ETag included.
 *
 * Cost: the same reads as the ETag read-back (snapshot.ts): a GET per id when that is fewer calls,
 * else the paged listing (~1 call per 100 enrollments DPS holds; one call on an empty DPS). The
 * listing may have started at most SHARE_WITHIN_MS before the set's operation began, so the sets
 * of one deployment share about one listing a minute: requiring a listing newer than each set's
 * own start chained one listing per set (measured at 1,000 enrollments: 60 to 90 more calls for
 * an `up`), and 10 s still let the sets the engine started later (under load) list again (+40).
 * What that costs in freshness is small beside the pacing wait between the read and the last bulk
 * call (minutes at 10,000): an enrollment someone else creates during a deployment is a race
 * either way (components/platform/README.md, "Verify on first deploy").
 * The other sets' writes touch only their own ids, so they do not make a listing stale for this
 * set: generation 0.
 */
import type { DpsClient, DpsEnrollmentRecord } from "../../dps-client/client";
import type { Pacer } from "./pacing";
import { declaredCount } from "./registry";
import { recordsFor } from "./snapshot";

/** How much older than the set's operation a shared listing may be. */
export const SHARE_WITHIN_MS = 60_000;

/**
 * Records DPS holds now for `ids` (undefined: absent). Throws when DPS cannot be read. A listing
 * that ran beside deletes may have skipped records (snapshot.ts, Listing.overlappedDeletes), so
 * before a create an id it lacks is read again then; before a delete always (an id wrongly taken
 * for gone would stay on DPS; in a normal destroy every id is listed, so this costs nothing).
 */
export function heldOnDps(
  client: DpsClient,
  pacer: Pacer,
  ids: readonly string[],
  notBefore: number,
  purpose: "create" | "delete",
): Promise<Map<string, DpsEnrollmentRecord | undefined>> {
  return recordsFor(
    client,
    pacer,
    ids,
    0,
    declaredCount(client.serviceEndpoint),
    notBefore - SHARE_WITHIN_MS,
    purpose === "delete" ? "always" : "if-overlapped",
  );
}

/** A record as DPS listed it, to send back in a bulk delete: the whole record, keys never in it. */
export function deleteItemFrom(record: DpsEnrollmentRecord): DpsEnrollmentRecord {
  // Queries and GET hide symmetric keys already; strip them anyway so no key is ever sent back.
  const attestation = record.attestation
    ? { ...record.attestation, ...(record.attestation.symmetricKey ? { symmetricKey: undefined } : {}) }
    : record.attestation;
  return JSON.parse(JSON.stringify({ ...record, attestation })) as DpsEnrollmentRecord;
}
