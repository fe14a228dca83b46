// From the engine event log of `pulumi refresh --preview-only --event-log <file>` to what changed
// on DPS outside Pulumi, per enrollment: which fields, from what (the state) to what (DPS),
// secrets masked; or that the enrollment is gone. Pure: the drift workflow and its test feed it
// the CLI's log.
//
// Why the event log and not `--json`: the JSON of a refresh preview (pkg/display/json.go) gives
// each refresh step the old state twice; only the engine's resOutputsEvent carries what the
// provider's read returned (metadata.old / metadata.new, op "update" when they differ, "delete"
// when the resource is gone). `--event-log` needs PULUMI_DEBUG_COMMANDS=true.
import {
  decodeEntries,
  ENROLLMENT_SET_TYPE,
  kindInfo,
  kindOfType,
  resolveEntryHubs,
} from "@dps-as-code/contract";
import { urnName } from "../pr-report/preview";
import { maskSecrets, renderValue } from "../pr-report/values";

/** Outputs every write or read changes, or that are not DPS's (the connection, the provider code). */
const IGNORED = new Set([
  "etag",
  "lastUpdatedDateTimeUtc",
  "createdDateTimeUtc",
  "__provider",
  "dps",
  "serviceEndpoint",
  "owner",
]);

export interface FieldDrift {
  path: string;
  state: unknown;
  dps: unknown;
}

export interface EnrollmentDrift {
  kind: "individual enrollment" | "enrollment group";
  id: string;
  /** Gone from DPS, or these fields differ. */
  drift: "deleted" | FieldDrift[];
}

export interface StackDrift {
  stack: string;
  checked: number;
  drifted: EnrollmentDrift[];
}

interface StateMetadata {
  type?: string;
  outputs?: Record<string, unknown>;
}
interface RefreshEvent {
  op: string;
  urn: string;
  type: string;
  old?: StateMetadata | null;
  new?: StateMetadata | null;
}

/** The resOutputsEvent of every resource in an engine event log (JSON lines). */
function refreshEvents(eventLog: string, source: string): RefreshEvent[] {
  const events: RefreshEvent[] = [];
  for (const [index, line] of eventLog.split("\n").entries()) {
    if (!line.trim()) continue;
    let event: { resOutputsEvent?: { metadata?: RefreshEvent } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch (error) {
      throw new Error(`${source}:${index + 1}: not an engine event log line (${(error as Error).message})`);
    }
    if (event.resOutputsEvent?.metadata) events.push(event.resOutputsEvent.metadata);
  }
  return events;
}

// The batch path's sets hold many individual enrollments each: drift is told per entry, as for an
// IndividualEnrollment (the set-entry view of the contract).
export function findDrift(stack: string, eventLog: string): StackDrift {
  let checked = 0;
  const drifted: EnrollmentDrift[] = [];
  for (const event of refreshEvents(eventLog, `event log of ${stack}`)) {
    if (event.type === ENROLLMENT_SET_TYPE) {
      for (const entry of setEntryDrift(event)) {
        checked++;
        if (entry.drift)
          drifted.push({ kind: kindInfo("individual").label, id: entry.id, drift: entry.drift });
      }
      continue;
    }
    const kind = kindOfType(event.type);
    if (kind === undefined) continue;
    checked++;
    const drift = driftOf(event);
    if (drift)
      drifted.push({
        kind: kindInfo(kind).label,
        id: idOf(event),
        drift,
      });
  }
  drifted.sort((a, b) => a.id.localeCompare(b.id));
  return { stack, checked, drifted };
}

/**
 * Each entry a set held before the refresh: gone when the set's read no longer lists it (DPS
 * deleted it), else the fields of the entry that differ. The entries carry no secret (the set
 * keeps keys and webhook URLs in other fields), and the set's own bookkeeping (ETags, keys) is
 * not compared, as an IndividualEnrollment's ETag is not.
 */
function setEntryDrift(event: RefreshEvent): { id: string; drift: EnrollmentDrift["drift"] | undefined }[] {
  // Stored as one text, as lines or (by an older version) as a map: decodeEntries reads them all.
  // Hubs named by key read as the host names each side's hubHostNames gives them (set-text.ts),
  // so a hub's key standing for the same host on both sides is no drift.
  const stored = event.old?.outputs?.enrollments;
  if (!isObject(stored) && typeof stored !== "string") return [];
  const entriesOf = (outputs: Record<string, unknown> | undefined) => {
    const hubHostNames = outputs?.["hubHostNames"];
    return resolveEntryHubs(
      decodeEntries(outputs?.["enrollments"]),
      isObject(hubHostNames) ? (hubHostNames as Record<string, string>) : undefined,
    ) as Record<string, unknown>;
  };
  const before = entriesOf(event.old?.outputs);
  const after = event.op === "delete" ? undefined : entriesOf(event.new?.outputs ?? undefined);
  return Object.keys(before)
    .sort()
    .map((id) => {
      const now = isObject(after) ? after[id] : undefined;
      if (now === undefined) return { id, drift: "deleted" as const };
      const fields = diffLeaves(maskSecrets(before[id]), maskSecrets(now), "");
      return { id, drift: fields.length > 0 ? fields : undefined };
    });
}

function idOf(event: RefreshEvent): string {
  const outputs = event.old?.outputs ?? {};
  const id = outputs.registrationId ?? outputs.enrollmentGroupId;
  return typeof id === "string" ? id : urnName(event.urn);
}

function driftOf(event: RefreshEvent): EnrollmentDrift["drift"] | undefined {
  const after = event.new?.outputs;
  if (event.op === "delete" || !after || Object.keys(after).length === 0) return "deleted";
  const fields = diffLeaves(maskSecrets(event.old?.outputs ?? {}), maskSecrets(after), "");
  return fields.length > 0 ? fields : undefined;
}

function diffLeaves(state: unknown, dps: unknown, path: string): FieldDrift[] {
  if (path === "" || (isObject(state) && isObject(dps))) {
    const a = isObject(state) ? state : {};
    const b = isObject(dps) ? dps : {};
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .filter((k) => path !== "" || !IGNORED.has(k))
      .sort();
    return keys.flatMap((k) => diffLeaves(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(state) === JSON.stringify(dps) ? [] : [{ path, state, dps }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The job summary and issue body. The first line says whether anything drifted. */
export function renderDrift(report: StackDrift): string {
  if (report.drifted.length === 0) {
    return `### No drift on stack ${report.stack}\n\n${report.checked} enrollment(s) checked: DPS holds what the state says.\n`;
  }
  const rows = report.drifted.map((d) => {
    const what =
      d.drift === "deleted"
        ? "deleted outside Pulumi"
        : d.drift.map((f) => `\`${f.path}\`: ${renderValue(f.state)} → ${renderValue(f.dps)}`).join("<br>");
    return `| \`${d.id}\` | ${d.kind} | ${what} |`;
  });
  return [
    `### Drift on stack ${report.stack}: ${report.drifted.length} of ${report.checked} enrollment(s) drifted`,
    "",
    "Changed on DPS outside Pulumi (state → DPS):",
    "",
    "| enrollment | kind | what changed |",
    "|---|---|---|",
    ...rows,
    "",
    "The next deploy puts the declared enrollments back (it runs `pulumi up --refresh`). To keep a change, write it into the manifest.",
    "",
  ].join("\n");
}
