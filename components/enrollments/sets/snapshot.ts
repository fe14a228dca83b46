/**
 * Reading many enrollments back cheaply. DPS's bulk operation answers only which items failed (no
 * ETag, no timestamps), and GET costs one operation per enrollment, so sets read DPS through the
 * paged query (QUERY_PAGE_SIZE per call; components/dps-client/client.ts says what DPS documents about page sizes):
 * one listing of the whole DPS serves every set of the deployment. 10,000 enrollments are ~100
 * calls, where GETs would be 10,000.
 *
 * Listings are shared through globalThis per DPS and coalesced: a caller that has just written
 * asks for a listing started after its writes (`afterGeneration`); callers arriving while one
 * runs share it, or the next one. For a handful of ids a GET each is cheaper than a listing:
 * recordsFor() picks whichever costs fewer calls.
 */
import { QUERY_PAGE_SIZE, type DpsClient, type DpsEnrollmentRecord } from "../../dps-client";
import type { Pacer } from "./pacing";

export interface Listing {
  /** lower-cased registration id -> record (no keys: queries hide them, as GET does) */
  records: Map<string, DpsEnrollmentRecord>;
  pages: number;
  /**
   * Deletes of this process ran while it was read. DPS does not say what its continuation token
   * points at; if it is a position, a record after a deleted one moves back a place and the next
   * page skips it, so an id missing from such a listing may still exist.
   */
  overlappedDeletes: boolean;
}

interface Shared {
  generation: number;
  latest?: { startedAt: number; startedGeneration: number; listing: Promise<Listing> };
  queued?: Promise<Listing>;
  size: number;
  /** Bulk deletes of this process in flight, and a counter moved at each start and end. */
  deletesInFlight: number;
  deleteEpoch: number;
}

/** A listing older than this is not reused (a refresh's reads all arrive within seconds). */
const MAX_AGE_MS = 60_000;

function shared(endpoint: string): Shared {
  const slot = Symbol.for("dps-as-code.enrollments.listings");
  const holder = globalThis as unknown as Record<symbol, Map<string, Shared> | undefined>;
  const all = (holder[slot] ??= new Map());
  const key = endpoint.toLowerCase();
  let entry = all.get(key);
  if (!entry) {
    entry = { generation: 0, size: 0, deletesInFlight: 0, deleteEpoch: 0 };
    all.set(key, entry);
  }
  return entry;
}

/** Drops what this process listed of a DPS, as a new provider process starts (tests that play two runs in one process). */
export function forgetListings(endpoint: string): void {
  const state = shared(endpoint);
  state.latest = undefined;
  state.queued = undefined;
}

/** Call after writing to DPS: later readers get a listing that includes the writes. Returns the new generation. */
export function markWritten(endpoint: string): number {
  return ++shared(endpoint).generation;
}

export function currentGeneration(endpoint: string): number {
  return shared(endpoint).generation;
}

/** Runs a delete of this process so that listings know they overlapped it (Listing.overlappedDeletes). */
export async function whileDeleting<T>(endpoint: string, work: () => Promise<T>): Promise<T> {
  const state = shared(endpoint);
  state.deletesInFlight++;
  state.deleteEpoch++;
  try {
    return await work();
  } finally {
    state.deletesInFlight--;
    state.deleteEpoch++;
  }
}

async function listAll(client: DpsClient, pacer: Pacer): Promise<Listing> {
  const state = shared(client.serviceEndpoint);
  const quietAtStart = state.deletesInFlight === 0;
  const epoch = state.deleteEpoch;
  const records = new Map<string, DpsEnrollmentRecord>();
  let pages = 0;
  for await (const page of client.queryEnrollments("individual", QUERY_PAGE_SIZE, (call) =>
    pacer.run(1, call),
  )) {
    pages++;
    for (const record of page)
      if (record.registrationId) records.set(record.registrationId.toLowerCase(), record);
  }
  return { records, pages, overlappedDeletes: !quietAtStart || state.deleteEpoch !== epoch };
}

/**
 * A listing of every individual enrollment, started no earlier than `afterGeneration` and, when
 * given, no earlier than the time `notBefore` (a caller about to write needs what DPS holds now,
 * not what it held before someone else's change).
 */
export function listingAfter(
  client: DpsClient,
  pacer: Pacer,
  afterGeneration: number,
  now = Date.now(),
  notBefore = 0,
): Promise<Listing> {
  const state = shared(client.serviceEndpoint);
  const latest = state.latest;
  if (
    latest &&
    latest.startedGeneration >= afterGeneration &&
    latest.startedAt >= notBefore &&
    now - latest.startedAt < MAX_AGE_MS
  )
    return latest.listing;
  const start = () => {
    const listing = listAll(client, pacer);
    state.latest = { startedAt: Date.now(), startedGeneration: state.generation, listing };
    listing.then(
      (l) => (state.size = l.records.size),
      () => {
        if (state.latest?.listing === listing) state.latest = undefined;
      },
    );
    return listing;
  };
  if (!latest) return start();
  // One is running (or too old / too early for us): queue one to start when it ends, shared by
  // everyone who arrives meanwhile.
  state.queued ??= latest.listing
    .catch(() => undefined)
    .then(() => {
      state.queued = undefined;
      return start();
    });
  return state.queued;
}

/**
 * Records of `ids` as DPS holds them now (undefined: absent), after this caller's writes and, when
 * given, from a read started no earlier than `notBefore` (ms). Uses a GET per id when that is
 * fewer calls than listing the DPS (`knownTotal`: enrollments the deployment knows of on this DPS).
 * `confirmAbsent`: ids a listing lacks are read by GET "always", or only "if-overlapped" (the
 * listing ran beside deletes, see Listing.overlappedDeletes); by default a listing is taken as is.
 */
export async function recordsFor(
  client: DpsClient,
  pacer: Pacer,
  ids: readonly string[],
  afterGeneration: number,
  knownTotal: number,
  notBefore = 0,
  confirmAbsent: "never" | "always" | "if-overlapped" = "never",
): Promise<Map<string, DpsEnrollmentRecord | undefined>> {
  const result = new Map<string, DpsEnrollmentRecord | undefined>();
  if (ids.length === 0) return result;
  const pagesForListing = Math.max(
    1,
    Math.ceil(Math.max(knownTotal, shared(client.serviceEndpoint).size) / QUERY_PAGE_SIZE),
  );
  if (ids.length <= pagesForListing) {
    await Promise.all(
      ids.map(async (id) => result.set(id, await pacer.run(1, () => client.get("individual", id)))),
    );
    return result;
  }
  const listing = await listingAfter(client, pacer, afterGeneration, Date.now(), notBefore);
  for (const id of ids) result.set(id, listing.records.get(id.toLowerCase()));
  if (confirmAbsent === "always" || (confirmAbsent === "if-overlapped" && listing.overlappedDeletes)) {
    const missing = ids.filter((id) => result.get(id) === undefined);
    await Promise.all(
      missing.map(async (id) => result.set(id, await pacer.run(1, () => client.get("individual", id)))),
    );
  }
  return result;
}
