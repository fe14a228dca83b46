/**
 * The registrations report in four forms: `markdown` (the drift report's section, a PR or an
 * issue: counts per hub against the allocation weights and per enrollment), `table` (a terminal:
 * the same counts, then one line per device), `csv` (one row per device or never-registered
 * individual enrollment, for auditors' spreadsheets) and `json` (everything, as collected).
 * Nothing secret reaches this module: registration states carry ids, hubs, statuses and times.
 */
import type { DpsRegistrations, EnrollmentRegistrations, Registration } from "./collect";

export type ReportFormat = "table" | "markdown" | "csv" | "json";
export const REPORT_FORMATS: readonly ReportFormat[] = ["table", "markdown", "csv", "json"];

/** Beyond this many individual enrollments, the markdown's per-enrollment table sums them in one row. */
export const INDIVIDUAL_ROWS_MAX = 50;

/** A device counts on a hub when DPS assigned it there (status "assigned"). */
const isAssigned = (r: Registration) => r.status === "assigned" && !!r.assignedHub;

interface HubCount {
  hostName: string;
  devices: number;
  /** This hub's share of the linked hubs' allocation weights, when the stack declares them. */
  weightShare?: number;
  allocationWeight?: number;
}

function hubCounts(dps: DpsRegistrations): HubCount[] {
  const counts = new Map<string, number>();
  for (const e of dps.enrollments)
    for (const r of e.registrations.filter(isAssigned))
      counts.set(r.assignedHub!, (counts.get(r.assignedHub!) ?? 0) + 1);
  const totalWeight = dps.linkedHubs.reduce((sum, h) => sum + h.allocationWeight, 0);
  const rows: HubCount[] = dps.linkedHubs.map((h) => ({
    hostName: h.hostName,
    devices: counts.get(h.hostName) ?? 0,
    allocationWeight: h.allocationWeight,
    weightShare: totalWeight > 0 ? h.allocationWeight / totalWeight : undefined,
  }));
  const linked = new Set(dps.linkedHubs.map((h) => h.hostName.toLowerCase()));
  for (const [hostName, devices] of [...counts].sort(([a], [b]) => a.localeCompare(b)))
    if (!linked.has(hostName.toLowerCase())) rows.push({ hostName, devices });
  return rows;
}

const percent = (part: number, whole: number) =>
  whole === 0 ? "-" : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)}%`;

function lastTime(registrations: readonly Registration[]): string {
  return registrations.reduce((latest, r) => {
    const t = r.lastUpdatedDateTimeUtc ?? r.createdDateTimeUtc ?? "";
    return t > latest ? t : latest;
  }, "");
}

function perHub(registrations: readonly Registration[]): string {
  const counts = new Map<string, number>();
  for (const r of registrations.filter(isAssigned))
    counts.set(r.assignedHub!, (counts.get(r.assignedHub!) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([hub, n]) => `${hub} ${n}`)
    .join(", ");
}

function notAssigned(registrations: readonly Registration[]): string {
  const counts = new Map<string, number>();
  for (const r of registrations.filter((r) => !isAssigned(r)))
    counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
}

interface EnrollmentRow {
  what: string;
  devices: number;
  hubs: string;
  other: string;
  last: string;
}

function enrollmentRows(dps: DpsRegistrations): EnrollmentRow[] {
  const row = (what: string, registrations: readonly Registration[]): EnrollmentRow => ({
    what,
    devices: registrations.filter(isAssigned).length,
    hubs: perHub(registrations),
    other: notAssigned(registrations),
    last: lastTime(registrations),
  });
  const groups = dps.enrollments.filter((e) => e.kind === "group");
  const individual = dps.enrollments.filter((e) => e.kind === "individual");
  const rows = groups.map((g) => row(`group \`${g.id}\``, g.registrations));
  if (individual.length > INDIVIDUAL_ROWS_MAX) {
    const all = individual.flatMap((e) => e.registrations);
    const never = individual.filter((e) => e.registrations.length === 0).length;
    const r = row(`${individual.length} individual enrollments`, all);
    rows.push({
      ...r,
      other: [r.other, never > 0 ? `${never} never registered` : ""].filter(Boolean).join(", "),
    });
  } else {
    for (const e of individual) {
      const r = row(`individual \`${e.id}\``, e.registrations);
      rows.push(e.registrations.length === 0 ? { ...r, other: "never registered" } : r);
    }
  }
  return rows;
}

function summaryLine(dps: DpsRegistrations): string {
  const groups = dps.enrollments.filter((e) => e.kind === "group").length;
  const individual = dps.enrollments.length - groups;
  const devices = dps.enrollments.reduce((n, e) => n + e.registrations.filter(isAssigned).length, 0);
  return (
    `${devices} device${devices === 1 ? "" : "s"} assigned through ${groups} group${groups === 1 ? "" : "s"} ` +
    `and ${individual} individual enrollment${individual === 1 ? "" : "s"}; ` +
    `${dps.calls} DPS call${dps.calls === 1 ? "" : "s"}.`
  );
}

/** `|` and line breaks would break a markdown table cell. */
const cell = (text: string | number) => String(text).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

function markdown(all: readonly DpsRegistrations[]): string {
  const out: string[] = [];
  for (const dps of all) {
    out.push(`### Registrations on DPS \`${dps.serviceEndpoint}\``, "", summaryLine(dps), "");
    const hubs = hubCounts(dps);
    const assigned = hubs.reduce((n, h) => n + h.devices, 0);
    if (hubs.length > 0) {
      out.push("| hub | devices | share | allocation weight (share) |", "|---|---:|---:|---:|");
      for (const h of hubs)
        out.push(
          `| ${cell(h.hostName)} | ${h.devices} | ${percent(h.devices, assigned)} | ${
            h.allocationWeight === undefined
              ? "not linked by this stack"
              : `${h.allocationWeight} (${percent(h.weightShare ?? 0, 1)})`
          } |`,
        );
      out.push("");
    }
    const rows = enrollmentRows(dps);
    if (rows.length > 0) {
      out.push("| enrollment | devices assigned | per hub | not assigned | last registration (UTC) |");
      out.push("|---|---:|---|---|---|");
      for (const r of rows)
        out.push(`| ${cell(r.what)} | ${r.devices} | ${cell(r.hubs)} | ${cell(r.other)} | ${cell(r.last)} |`);
      out.push("");
    }
  }
  return out.join("\n");
}

function aligned(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}

function table(all: readonly DpsRegistrations[]): string {
  const out: string[] = [];
  for (const dps of all) {
    out.push(`Registrations on DPS ${dps.serviceEndpoint}: ${summaryLine(dps)}`, "");
    const hubs = hubCounts(dps);
    const assigned = hubs.reduce((n, h) => n + h.devices, 0);
    if (hubs.length > 0) {
      out.push(
        ...aligned([
          ["HUB", "DEVICES", "SHARE", "WEIGHT (SHARE)"],
          ...hubs.map((h) => [
            h.hostName,
            String(h.devices),
            percent(h.devices, assigned),
            h.allocationWeight === undefined
              ? "not linked by this stack"
              : `${h.allocationWeight} (${percent(h.weightShare ?? 0, 1)})`,
          ]),
        ]),
        "",
      );
    }
    const devices = deviceRows(dps);
    if (devices.length > 0)
      out.push(
        ...aligned([
          ["ENROLLMENT", "REGISTRATION ID", "DEVICE ID", "HUB", "STATUS", "LAST REGISTRATION (UTC)"],
          ...devices.map((d) => [
            `${d.kind} ${d.enrollmentId}`,
            d.registrationId,
            d.deviceId,
            d.assignedHub,
            d.status,
            d.lastUpdatedDateTimeUtc,
          ]),
        ]),
        "",
      );
  }
  return out.join("\n");
}

interface DeviceRow {
  serviceEndpoint: string;
  kind: string;
  enrollmentId: string;
  registrationId: string;
  deviceId: string;
  assignedHub: string;
  status: string;
  substatus: string;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  errorMessage: string;
}

function deviceRows(dps: DpsRegistrations): DeviceRow[] {
  const rowOf = (e: EnrollmentRegistrations, r: Registration | undefined): DeviceRow => ({
    serviceEndpoint: dps.serviceEndpoint,
    kind: e.kind,
    enrollmentId: e.id,
    registrationId: r?.registrationId ?? e.id,
    deviceId: r?.deviceId ?? "",
    assignedHub: r?.assignedHub ?? "",
    status: r?.status ?? "never registered",
    substatus: r?.substatus ?? "",
    createdDateTimeUtc: r?.createdDateTimeUtc ?? "",
    lastUpdatedDateTimeUtc: r?.lastUpdatedDateTimeUtc ?? "",
    errorMessage: r?.errorMessage ?? "",
  });
  return dps.enrollments.flatMap((e) =>
    e.registrations.length > 0
      ? e.registrations.map((r) => rowOf(e, r))
      : e.kind === "individual"
        ? [rowOf(e, undefined)]
        : [],
  );
}

const CSV_COLUMNS: ReadonlyArray<keyof DeviceRow> = [
  "serviceEndpoint",
  "kind",
  "enrollmentId",
  "registrationId",
  "deviceId",
  "assignedHub",
  "status",
  "substatus",
  "createdDateTimeUtc",
  "lastUpdatedDateTimeUtc",
  "errorMessage",
];

/**
 * One CSV field (RFC 4180: quoted when it holds a comma, quote or line break). A field a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first: OWASP's "CSV injection") gets a
 * leading apostrophe; ids are the device's own words, so this is not hypothetical.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(all: readonly DpsRegistrations[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const dps of all)
    for (const row of deviceRows(dps)) lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

export function renderRegistrations(all: readonly DpsRegistrations[], format: ReportFormat): string {
  switch (format) {
    case "markdown":
      return markdown(all);
    case "table":
      return table(all);
    case "csv":
      return csv(all);
    case "json":
      return JSON.stringify(all, null, 2) + "\n";
  }
}
