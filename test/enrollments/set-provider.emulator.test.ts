// The set provider called directly (no engine) against the emulator, Microsoft's SDK on the wire:
// paged listing past one page, refresh cost, per-entry update with the ETag, delete.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { createDpsClient } from "../../components/dps-client/client";
import { resetRegistry } from "../../components/enrollments/sets/registry";
import { createEnrollmentSetProvider } from "../../components/enrollments/sets/set-provider";
import {
  decodeEntries,
  decodeKeys,
  decodeMetadata,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
} from "@dps-as-code/contract";

const HUB = "hub-a.azure-devices.net";
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ config: { linkedHubs: [{ hostName: HUB }] } });
});
afterAll(async () => emulator?.stop());

const setOf = (shard: string, ids: string[]): EnrollmentSetInputs => ({
  dps: {
    serviceEndpoint: emulator.serviceHost,
    connectionString: emulator.connectionString,
    trustedCaCertificate: emulator.caCertPem,
  },
  shard,
  secrets: {},
  individuallyManaged: [],
  enrollments: Object.fromEntries(
    ids.map((id) => [
      id,
      { attestation: { type: "symmetricKey" }, iotHubs: [HUB], allocationPolicy: "static" },
    ]),
  ),
});
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("EnrollmentSet provider against the emulator", () => {
  it("lists every page of a DPS holding more than one page of enrollments", async () => {
    const provider = createEnrollmentSetProvider();
    const sets = [setOf("0-of-2", ids("a", 130)), setOf("1-of-2", ids("b", 120))];
    for (const set of sets) await provider.check!({}, set as never);
    const created = await Promise.all(sets.map((set) => provider.create!(set as never)));
    expect(emulator.inspect.enrollmentCount()).toBe(250);
    const client = createDpsClient(sets[0]!.dps);
    let listed = 0;
    let pages = 0;
    for await (const page of client.queryEnrollments("individual", 100)) {
      listed += page.length;
      pages++;
    }
    expect({ listed, pages }).toEqual({ listed: 250, pages: 3 });

    // Refresh of both sets: one shared listing (3 pages), no key read (ETags known or entries never updated).
    const before = emulator.inspect.stats().byOperation;
    const reads = await Promise.all(created.map((c) => provider.read!(c.id, c.outs)));
    const after = emulator.inspect.stats().byOperation;
    expect(
      (after.IndividualEnrollment_Query ?? 0) - (before.IndividualEnrollment_Query ?? 0),
    ).toBeLessThanOrEqual(6);
    expect(
      (after.IndividualEnrollment_GetAttestationMechanism ?? 0) -
        (before.IndividualEnrollment_GetAttestationMechanism ?? 0),
    ).toBe(0);
    for (const [i, read] of reads.entries()) {
      // Stored as one line per entry; the inputs (what the next preview diffs and shows) keep the map.
      expect(typeof read.props.enrollments).toBe("string");
      expect(Object.keys(decodeEntries(read.props.enrollments))).toHaveLength(i === 0 ? 130 : 120);
      expect(read.inputs?.enrollments).toEqual(decodeEntries(read.props.enrollments));
      expect(await provider.diff!(read.id ?? "", read.props, sets[i] as never)).toMatchObject({
        changes: false,
      });
    }

    // One entry changed: one bulk call, its ETag moves, its keys stay.
    const changed = {
      ...sets[0]!,
      enrollments: {
        ...sets[0]!.enrollments,
        "a-7": { ...sets[0]!.enrollments["a-7"]!, provisioningStatus: "disabled" as const },
      },
    };
    const olds = reads[0]!.props as EnrollmentSetOutputs;
    const updated = (await provider.update!(reads[0]!.id ?? "", olds, changed as never))
      .outs as EnrollmentSetOutputs;
    expect(decodeMetadata(updated.metadata)["a-7"]?.etag).not.toBe(
      decodeMetadata(olds.metadata)["a-7"]?.etag,
    );
    expect(decodeMetadata(updated.metadata)["a-8"]?.etag).toBe(decodeMetadata(olds.metadata)["a-8"]?.etag);
    expect(decodeKeys(updated.keys)["a-7"]).toEqual(decodeKeys(olds.keys)["a-7"]);

    resetRegistry();
    await provider.delete!(created[0]!.id, updated);
    await provider.delete!(created[1]!.id, created[1]!.outs);
    expect(emulator.inspect.enrollmentCount()).toBe(0);
  });
});
