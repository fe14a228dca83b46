/** The registrations report's four forms, from collected registration states. */
import { describe, expect, it } from "vitest";
import type { DpsRegistrations, Registration } from "../../scripts/registrations/collect";
import { csvField, INDIVIDUAL_ROWS_MAX, renderRegistrations } from "../../scripts/registrations/render";

const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, "0")}:00.000Z`;
const assigned = (id: string, hub: string, minute: number): Registration => ({
  registrationId: id,
  deviceId: id,
  assignedHub: hub,
  status: "assigned",
  substatus: "initialAssignment",
  createdDateTimeUtc: at(minute),
  lastUpdatedDateTimeUtc: at(minute),
});

const fleet: DpsRegistrations = {
  serviceEndpoint: "fleet-dps.azure-devices-provisioning.net",
  linkedHubs: [
    { hostName: "hub-a", allocationWeight: 1 },
    { hostName: "hub-b", allocationWeight: 3 },
  ],
  enrollments: [
    {
      kind: "group",
      id: "meters",
      registrations: [
        assigned("m-1", "hub-a", 1),
        assigned("m-2", "hub-b", 2),
        assigned("m-3", "hub-b", 3),
        { registrationId: "m-4", status: "failed", errorMessage: "Custom allocation failed" },
      ],
    },
    { kind: "individual", id: "pump-1", registrations: [assigned("pump-1", "hub-b", 7)] },
    { kind: "individual", id: "pump-2", registrations: [] },
  ],
  calls: 3,
  individualReadBy: ["listing"],
};

describe("renderRegistrations", () => {
  it("markdown: counts per hub against the weights, and per enrollment", () => {
    expect(renderRegistrations([fleet], "markdown")).toBe(
      [
        "### Registrations on DPS `fleet-dps.azure-devices-provisioning.net`",
        "",
        "4 devices assigned through 1 group and 2 individual enrollments; 3 DPS calls.",
        "",
        "| hub | devices | share | allocation weight (share) |",
        "|---|---:|---:|---:|",
        "| hub-a | 1 | 25.0% | 1 (25.0%) |",
        "| hub-b | 3 | 75.0% | 3 (75.0%) |",
        "",
        "| enrollment | devices assigned | per hub | not assigned | last registration (UTC) |",
        "|---|---:|---|---|---|",
        `| group \`meters\` | 3 | hub-a 1, hub-b 2 | 1 failed | ${at(3)} |`,
        `| individual \`pump-1\` | 1 | hub-b 1 |  | ${at(7)} |`,
        "| individual `pump-2` | 0 |  | never registered |  |",
        "",
      ].join("\n"),
    );
  });

  it(`markdown: more than ${INDIVIDUAL_ROWS_MAX} individual enrollments are one row`, () => {
    const many: DpsRegistrations = {
      ...fleet,
      enrollments: Array.from({ length: INDIVIDUAL_ROWS_MAX + 1 }, (_, i) => ({
        kind: "individual" as const,
        id: `pump-${i}`,
        registrations: i === 0 ? [] : [assigned(`pump-${i}`, i % 2 ? "hub-a" : "hub-b", i % 60)],
      })),
    };
    const text = renderRegistrations([many], "markdown");
    expect(text).toContain("| 51 individual enrollments | 50 | hub-a 25, hub-b 25 | 1 never registered |");
    expect(text).not.toContain("`pump-1`");
  });

  it("table: the counts, then one line per device", () => {
    const text = renderRegistrations([fleet], "table");
    expect(text).toContain("HUB    DEVICES  SHARE  WEIGHT (SHARE)");
    expect(text).toMatch(/^group meters +m-4 +failed$/m);
    expect(text).toMatch(/individual pump-1 +pump-1 +pump-1 +hub-b +assigned +2026-12-01T10:07/);
    expect(text).toMatch(/individual pump-2 +pump-2 +never registered/);
  });

  it("csv: one row per device and per never-registered individual enrollment, RFC 4180", () => {
    const lines = renderRegistrations([fleet], "csv").split("\r\n");
    expect(lines[0]).toBe(
      "serviceEndpoint,kind,enrollmentId,registrationId,deviceId,assignedHub,status,substatus,createdDateTimeUtc,lastUpdatedDateTimeUtc,errorMessage",
    );
    expect(lines).toHaveLength(1 + 6 + 1);
    expect(lines[4]).toBe(
      "fleet-dps.azure-devices-provisioning.net,group,meters,m-4,,,failed,,,,Custom allocation failed",
    );
    expect(lines[6]).toBe(
      "fleet-dps.azure-devices-provisioning.net,individual,pump-2,pump-2,,,never registered,,,,",
    );
  });

  it("csv: quotes what needs quoting and never hands a spreadsheet a formula", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("-1,2")).toBe(`"'-1,2"`);
    expect(csvField("meter-1")).toBe("meter-1");
  });

  it("json: everything collected", () => {
    expect(JSON.parse(renderRegistrations([fleet], "json"))).toEqual([fleet]);
  });
});
