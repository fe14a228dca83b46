/**
 * Reads DPS's registration states for a stack's enrollments, within DPS's service-operation quota
 * (the batch path's pacer: a sliding minute of operations, a few calls in flight), counting every
 * call it makes.
 *
 * - A group: its registration-state query (`POST /registrations/{groupId}/query`,
 *   DeviceRegistrationState_Query in service.json), paged: one call per 100 devices, whatever the
 *   group's size.
 * - Individual enrollments: DPS has no query of registration states across enrollments; an
 *   individual enrollment's state is `GET /registrations/{registrationId}`
 *   (DeviceRegistrationState_Get), and the spec also types it as the read-only
 *   `IndividualEnrollment.registrationState`, so the enrollment listing (100 a page) may carry it.
 *   Whether DPS fills it in a listing is undocumented (emulator/variants.ts,
 *   registrationStateInListings): a listing is trusted only once some item of it shows the field
 *   (a listing without any could be one that leaves it out); until then, and once reading on
 *   would cost more pages than a GET per id still unknown, the ids left are read with a GET each.
 */
import type {
  DpsClient,
  DpsEnrollmentRecord,
  DpsRegistrationState,
} from "../../components/dps-client/client";
import { QUERY_PAGE_SIZE } from "../../components/dps-client/client";
import { createPacer, type Pacer } from "../../components/enrollments/sets/pacing";
import type { EnrollmentKind } from "@dps-as-code/contract";
import type { StackDps } from "./stack-enrollments";

/** One device's registration, as the report shows it. */
export interface Registration {
  registrationId: string;
  deviceId?: string;
  assignedHub?: string;
  status: string;
  substatus?: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
  errorMessage?: string;
}

export interface EnrollmentRegistrations {
  kind: EnrollmentKind;
  id: string;
  /** Devices that registered through it (an individual enrollment: none or one). */
  registrations: Registration[];
}

export interface DpsRegistrations {
  serviceEndpoint: string;
  linkedHubs: StackDps["linkedHubs"];
  enrollments: EnrollmentRegistrations[];
  /** DPS calls made (each page and each GET once; a call retried after a 429 or a timeout counts once). */
  calls: number;
  /** How the individual enrollments were read: "listing", "get" (one per id), or both. */
  individualReadBy: Array<"listing" | "get">;
}

export interface CollectOptions {
  /** DPS's quota the calls keep within (SERVICE_OPERATIONS_PER_MINUTE unless raised). */
  operationsPerMinute: number;
  pageSize?: number;
  /** For tests: a pacer with their own clock. */
  pacer?: Pacer;
}

function registrationOf(state: DpsRegistrationState, fallbackId: string): Registration {
  const r: Registration = {
    registrationId: state.registrationId ?? fallbackId,
    status: state.status ?? "unknown",
  };
  if (state.deviceId) r.deviceId = state.deviceId;
  if (state.assignedHub) r.assignedHub = state.assignedHub;
  if (state.substatus) r.substatus = state.substatus;
  if (state.createdDateTimeUtc) r.createdDateTimeUtc = state.createdDateTimeUtc;
  if (state.lastUpdatedDateTimeUtc) r.lastUpdatedDateTimeUtc = state.lastUpdatedDateTimeUtc;
  if (state.errorMessage) r.errorMessage = state.errorMessage;
  return r;
}

export async function collectRegistrations(
  client: DpsClient,
  dps: StackDps,
  options: CollectOptions,
): Promise<DpsRegistrations> {
  const pacer = options.pacer ?? createPacer(options.operationsPerMinute);
  const pageSize = options.pageSize ?? QUERY_PAGE_SIZE;
  let calls = 0;
  const paced = <T>(call: () => Promise<T>): Promise<T> =>
    pacer.run(1, () => {
      calls++;
      return call();
    });

  const enrollments: EnrollmentRegistrations[] = [];
  for (const groupId of dps.groups) {
    const registrations: Registration[] = [];
    for await (const page of client.queryGroupRegistrations(groupId, pageSize, paced))
      for (const state of page) registrations.push(registrationOf(state, ""));
    registrations.sort((a, b) => a.registrationId.localeCompare(b.registrationId));
    enrollments.push({ kind: "group", id: groupId, registrations });
  }

  const { byId, readBy } = await individualStates(client, dps.individual, pageSize, paced);
  for (const id of dps.individual) {
    const state = byId.get(id.toLowerCase());
    enrollments.push({ kind: "individual", id, registrations: state ? [registrationOf(state, id)] : [] });
  }
  return {
    serviceEndpoint: dps.serviceEndpoint,
    linkedHubs: dps.linkedHubs,
    enrollments,
    calls,
    individualReadBy: readBy,
  };
}

/** Registration states of individual enrollments by id (lower case); absent: never registered. */
async function individualStates(
  client: DpsClient,
  ids: readonly string[],
  pageSize: number,
  paced: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<{ byId: Map<string, DpsRegistrationState>; readBy: Array<"listing" | "get"> }> {
  const byId = new Map<string, DpsRegistrationState>();
  const readBy: Array<"listing" | "get"> = [];
  if (ids.length === 0) return { byId, readBy };
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const listed = new Map<string, DpsEnrollmentRecord>();
  let trusted = false;
  let pages = 0;
  const unresolved = () => (trusted ? [...wanted].filter((id) => !listed.has(id)) : [...wanted]);

  const listing = client.queryEnrollments("individual", pageSize, paced)[Symbol.asyncIterator]();
  readBy.push("listing");
  for (;;) {
    // Reading on costs at least one more page; a GET per unknown id costs that many calls.
    if (pages > 0 && pages >= unresolved().length) break;
    const next = await listing.next();
    if (next.done) break;
    pages++;
    for (const record of next.value) {
      const id = (record.registrationId ?? "").toLowerCase();
      if (record.registrationState) trusted = true;
      if (wanted.has(id)) listed.set(id, record);
    }
    if (trusted && unresolved().length === 0) break;
  }
  await listing.return?.();

  if (trusted)
    for (const [id, record] of listed) if (record.registrationState) byId.set(id, record.registrationState);
  const unknown = new Set(unresolved());
  const left = ids.filter((id) => unknown.has(id.toLowerCase()));
  if (left.length > 0) {
    readBy.push("get");
    await Promise.all(
      left.map(async (id) => {
        const state = await paced(() => client.getRegistrationState(id));
        if (state) byId.set(id.toLowerCase(), state);
      }),
    );
  }
  return { byId, readBy };
}
