// Drift of an EnrollmentSet's entries (scripts/drift/report.ts), told per entry from the refresh's
// engine events, whatever form the set stored its entries in: the map, the lines, or one text
// whose entries name hubs by key (contract/resources/set-text.ts).
import { describe, expect, it } from "vitest";
import { encodeEntries, encodeSetEntries, ENROLLMENT_SET_TYPE, type SetEntry } from "@dps-as-code/contract";
import { findDrift } from "../../scripts/drift/report";

const URN = `urn:pulumi:dev::dps-as-code::${ENROLLMENT_SET_TYPE}::enrollment-set-0-of-1`;
const HOST = "hub-weu.azure-devices.net";
const entry = (hub: string, status = "enabled"): SetEntry => ({
  attestation: { type: "symmetricKey" },
  iotHubs: [hub],
  provisioningStatus: status as SetEntry["provisioningStatus"],
});

/** One refresh event of the set, as `--event-log` writes it. */
function log(old: Record<string, unknown>, now: Record<string, unknown>): string {
  return JSON.stringify({
    resOutputsEvent: {
      metadata: {
        op: "update",
        urn: URN,
        type: ENROLLMENT_SET_TYPE,
        old: { outputs: old },
        new: { outputs: now },
      },
    },
  });
}

describe("drift of a set's entries", () => {
  it("reads the entries as a text with hub keys beside the lines DPS's read gave, and finds only the real change", () => {
    const stored = {
      enrollments: encodeSetEntries({ "dev-1": entry("weu"), "dev-2": entry("weu"), "dev-3": entry("weu") }),
      hubHostNames: { weu: HOST },
    };
    const read = { enrollments: encodeEntries({ "dev-1": entry(HOST), "dev-2": entry(HOST, "disabled") }) };
    const drift = findDrift("dev", log(stored, read));
    expect(drift.checked).toBe(3);
    expect(drift.drifted).toEqual([
      {
        kind: "individual enrollment",
        id: "dev-2",
        drift: [{ path: "provisioningStatus", state: "enabled", dps: "disabled" }],
      },
      { kind: "individual enrollment", id: "dev-3", drift: "deleted" },
    ]);
  });

  it("names a hub that moved, as host names", () => {
    const stored = { enrollments: encodeSetEntries({ "dev-1": entry("weu") }), hubHostNames: { weu: HOST } };
    const read = { enrollments: encodeSetEntries({ "dev-1": entry("hub-other.azure-devices.net") }) };
    expect(findDrift("dev", log(stored, read)).drifted).toEqual([
      {
        kind: "individual enrollment",
        id: "dev-1",
        drift: [{ path: "iotHubs", state: [HOST], dps: ["hub-other.azure-devices.net"] }],
      },
    ]);
  });
});
