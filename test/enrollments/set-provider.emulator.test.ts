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
  decodeSecrets,
  encodePackedEntries,
  encodeSetEntries,
  encodeSetSecrets,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  type SetEntry,
} from "@dps-as-code/contract";
import { symmetricKeyDeviceClientFor } from "../../emulator/clients";

const HUB = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ config: { linkedHubs: [{ hostName: HUB }, { hostName: HUB_B }] } });
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
      // Stored as the canonical text packed; the inputs take the text itself (no hubHostNames:
      // host names as they are).
      expect(read.props.enrollments).toBe(encodePackedEntries(sets[i]!.enrollments));
      expect(read.inputs?.enrollments).toBe(encodeSetEntries(sets[i]!.enrollments));
      // Against the program's map and against the refreshed text inputs alike: no change.
      for (const news of [sets[i], read.inputs])
        expect(await provider.diff!(read.id ?? "", read.props, news as never)).toMatchObject({
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

describe("EnrollmentSet provider, inputs as the canonical texts", () => {
  const KEY_1 = Buffer.alloc(32, 41).toString("base64");
  const KEY_2 = Buffer.alloc(32, 42).toString("base64");
  const WEBHOOK = "https://allocate.example.net/api/allocate?code=c2VjcmV0";
  const entries: Record<string, SetEntry> = {
    "t-1": { attestation: { type: "symmetricKey" }, iotHubs: ["weu"], allocationPolicy: "static" },
    "t-2": { attestation: { type: "symmetricKey" }, iotHubs: [HUB], allocationPolicy: "static" },
    "t-3": {
      attestation: { type: "symmetricKey" },
      iotHubs: ["weu"],
      allocationPolicy: "custom",
      customAllocationDefinition: { apiVersion: "2021-10-01" } as SetEntry["customAllocationDefinition"],
    },
  };
  const secrets = { "t-1": { primaryKey: KEY_1, secondaryKey: KEY_2 }, "t-3": { webhookUrl: WEBHOOK } };
  const textSet = (changed: Record<string, SetEntry> = entries) => ({
    dps: {
      serviceEndpoint: emulator.serviceHost,
      connectionString: emulator.connectionString,
      trustedCaCertificate: emulator.caCertPem,
    },
    linkedHubs: [HUB, HUB_B],
    shard: "0-of-1",
    individuallyManaged: [],
    hubHostNames: { weu: HUB_B },
    enrollments: encodeSetEntries(changed),
    secrets: encodeSetSecrets(secrets),
  });

  it("creates what the texts say, hubs named by key resolved, and a device gets its declared key and hub", async () => {
    resetRegistry();
    const provider = createEnrollmentSetProvider();
    const sent = textSet();
    expect((await provider.check!({}, sent as never)).failures).toEqual([]);
    const created = await provider.create!(sent as never);
    const outs = created.outs as Record<string, unknown>;

    // DPS holds host names, the declared keys and the webhook URL from the secrets text.
    const client = createDpsClient(sent.dps);
    expect((await client.get("individual", "t-1"))?.iotHubs).toEqual([HUB_B]);
    expect(await client.get("individual", "t-3")).toMatchObject({
      iotHubs: [HUB_B],
      customAllocationDefinition: { webhookUrl: WEBHOOK },
    });
    const registered = await symmetricKeyDeviceClientFor(emulator, "t-1", KEY_1).register();
    expect(registered.assignedHub).toBe(HUB_B);

    // Outputs: the entries resolved (they are what DPS was sent) as the text packed, the secrets as
    // declared as the text.
    expect(outs.enrollments).toBe(
      encodePackedEntries({
        ...entries,
        "t-1": { ...entries["t-1"]!, iotHubs: [HUB_B] },
        "t-3": { ...entries["t-3"]!, iotHubs: [HUB_B] },
      }),
    );
    expect(outs.secrets).toBe(encodeSetSecrets(secrets));
    expect(decodeSecrets(outs.secrets)).toEqual(secrets);
    expect(outs.hubHostNames).toEqual({ weu: HUB_B });
    expect(decodeKeys(outs.keys as string)["t-1"]).toEqual({ primaryKey: KEY_1, secondaryKey: KEY_2 });

    // The same set sent as maps with host names (what programs before the text send): no change.
    const asMaps = {
      ...sent,
      hubHostNames: undefined,
      enrollments: decodeEntries(outs.enrollments),
      secrets,
    };
    expect(await provider.diff!(created.id, outs as never, asMaps as never)).toMatchObject({
      changes: false,
    });
    expect(await provider.diff!(created.id, outs as never, sent as never)).toMatchObject({ changes: false });

    // Refresh: text inputs naming hubs by key again, so they diff cleanly against the program's texts.
    const read = await provider.read!(created.id, outs as never);
    expect(read.inputs?.enrollments).toBe(sent.enrollments);
    expect(read.inputs?.secrets).toBe(sent.secrets);
    expect(read.props).toEqual(outs);

    // A hub key moving to another host is an update of the entries naming it, and DPS follows.
    const moved = { ...sent, hubHostNames: { weu: HUB } };
    expect((await provider.check!(sent, moved as never)).failures).toEqual([]);
    expect(await provider.diff!(created.id, outs as never, moved as never)).toMatchObject({ changes: true });
    const updated = (await provider.update!(created.id, outs as never, moved as never)).outs as Record<
      string,
      unknown
    >;
    expect((await client.get("individual", "t-1"))?.iotHubs).toEqual([HUB]);
    expect(decodeEntries(updated.enrollments)["t-3"]?.iotHubs).toEqual([HUB]);
    expect(decodeEntries(updated.enrollments)["t-2"]?.iotHubs).toEqual([HUB]);

    resetRegistry();
    await provider.delete!(created.id, updated as never);
    expect(emulator.inspect.enrollmentCount()).toBe(0);
  });
});
