import { describe, expect, it } from "vitest";
import type { BulkMode, DpsClient, DpsEnrollmentRecord } from "../../components/dps-client/client";
import { chunk, runBulkItems, statusOfCode } from "../../components/enrollments/sets/bulk";
import { createPacer } from "../../components/enrollments/sets/pacing";
import { diffSet, planSet } from "../../components/enrollments/sets/plan";
import { fnv1a32, shardIndex, shardLabel, shardOf } from "../../components/enrollments/sets/sharding";
import {
  createEnrollmentSetProvider,
  decodeSetInputs,
  validateSetInputs,
} from "../../components/enrollments/sets/set-provider";
import { ENROLLMENT_SET_STORED_FORMS } from "../../components/enrollments/sets/stored-forms";
import {
  encodeSetEntries,
  encodeSetSecrets,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  providerReference,
  type SetEntry,
  storedProviderForm,
  toStored,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";

const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("base64");
const dps = {
  serviceEndpoint: "localhost:8443",
  connectionString: "HostName=localhost:8443;SharedAccessKeyName=p;SharedAccessKey=" + KEY_A,
};
const entry = (over: Partial<SetEntry> = {}): SetEntry => ({
  attestation: { type: "symmetricKey" },
  iotHubs: ["hub-a.azure-devices.net"],
  allocationPolicy: "static",
  ...over,
});

function inputs(
  enrollments: Record<string, SetEntry>,
  over: Partial<EnrollmentSetInputs> = {},
): EnrollmentSetInputs {
  return { dps, shard: "0-of-1", enrollments, secrets: {}, individuallyManaged: [], ...over };
}
/** State as create() records it. */
function state(set: EnrollmentSetInputs): EnrollmentSetOutputs {
  const ids = Object.keys(set.enrollments);
  return {
    ...set,
    serviceEndpoint: dps.serviceEndpoint,
    metadata: Object.fromEntries(ids.map((id) => [id, { etag: `"${id}"` }])),
    keys: Object.fromEntries(ids.map((id) => [id, { primaryKey: KEY_A, secondaryKey: KEY_B }])),
    released: [],
  };
}

describe("sharding", () => {
  it("hashes the lower-cased id (FNV-1a 32), so case and file never move an entry", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(shardIndex("Dev-001", 32)).toBe(shardIndex("dev-001", 32));
    expect(shardOf("dev-001", 32)).toMatch(/^\d\d-of-32$/);
  });

  it("spreads 10,000 ids evenly over 32 shards (each within 25 % of the mean)", () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 10_000; i++) counts[shardIndex(`device-${i}`, 32)]!++;
    for (const c of counts) expect(Math.abs(c - 312.5)).toBeLessThan(78);
  });

  it("labels shards with index and count, zero-padded", () => {
    expect(shardLabel(7, 32)).toBe("07-of-32");
    expect(shardLabel(7, 3)).toBe("7-of-3");
    expect(() => shardIndex("x", 0)).toThrow(/shard count is 0/);
  });
});

describe("planSet (diff of a set, entry by entry)", () => {
  const olds = state(inputs({ "dev-1": entry(), "dev-2": entry(), "dev-3": entry() }));

  it("reports no change for unchanged entries, whatever DPS normalises (hub case)", () => {
    const news = inputs({
      "dev-1": entry({ iotHubs: ["HUB-A.azure-devices.net"] }),
      "dev-2": entry(),
      "dev-3": entry(),
    });
    expect(diffSet(olds, news)).toMatchObject({ changes: false, replaces: [] });
  });

  it("names each changed entry and field; adds and removes entries", () => {
    const news = inputs({
      "dev-1": entry({ initialTwin: { tags: { site: "9" } } }),
      "dev-3": entry({ labels: { team: "x" } }),
      "dev-4": entry(),
    });
    const plan = planSet(olds, news);
    expect(plan).toMatchObject({
      create: ["dev-4"],
      update: ["dev-1"],
      recordOnly: ["dev-3"],
      remove: ["dev-2"],
      recreate: [],
      release: [],
    });
    expect(plan.fields).toEqual({ "dev-1": ["initialTwin"], "dev-3": ["labels"] });
  });

  it("turns an attestation type change into that entry's delete and create, not a replace of the set", () => {
    const tpm = entry({
      attestation: {
        type: "tpm",
        tpm: {
          endorsementKey:
            "AToAAQALAAMAsgAgg3GXZ0SEs/gakMyNRqXXJP1S124GUgtk8qHaGzMUaaoABgCAAEMAEAgAAAAAAAEAxsj2gUScTk1UjuioeTlfGYZrrimExB+bScH75adUMRIi2UOMxG1kw4y+9RW/IVoMl4e620VxZad0ARX2gUqVjYO7KPVt3dyKhZS3dkcvfBisBhP1XH9B33VqHG9SHnbnQXdBUaCgKAfxome8UmBKfe+naTsE5fkvjb/do3/dD6l4sGBwFCnKRdln4XpM03zLpoHFao8zOwt8l/uP3qUIxmCYv9A7m69Ms+5/pCkTu/rK4mRDsfhZ0QLfbzVI6zQFOKF/rwsfBtFeWlWtcuJMKlXdD8TXWElTzgh7JS4qhFzreL0c1mI0GCj+Aws0usZh7dLIVPnlgZcBhgy1SSDQMQ==",
        },
      },
    });
    const news = inputs({ "dev-1": tpm, "dev-2": entry(), "dev-3": entry() });
    const result = diffSet(olds, news);
    expect(result).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(result.plan).toMatchObject({ recreate: ["dev-1"], update: [], create: [], remove: [] });
  });

  it("replaces the set only when its DPS changes", () => {
    expect(
      diffSet(olds, inputs(olds.enrollments, { dps: { ...dps, serviceEndpoint: "other:8443" } })),
    ).toMatchObject({ changes: true, replaces: ["dps"], deleteBeforeReplace: true });
  });

  it("never diffs on the owner marker; a state written by another provider text is a state-only update (no entry planned)", () => {
    const marked = state(inputs({ "dev-1": entry() }, { owner: "organization/p/dev" }));
    expect(diffSet(marked, inputs({ "dev-1": entry() }, { owner: "organization/p/renamed" }))).toMatchObject({
      changes: false,
    });
    const embedded = {
      ...marked,
      __provider: "exports.handler = /* ~97 KB of serialised code */ 0",
    } as EnrollmentSetOutputs;
    const stub = {
      ...inputs({ "dev-1": entry() }, { owner: "organization/p/dev" }),
      __provider: "// dps-as-code enrollment set provider ...",
    } as EnrollmentSetInputs;
    const result = diffSet(embedded, stub);
    expect(result).toMatchObject({ changes: true, replaces: [] });
    expect(result.plan).toMatchObject({
      create: [],
      recreate: [],
      update: [],
      recordOnly: [],
      remove: [],
      release: [],
    });
  });

  it("sees no change when the state holds an older reference (a folder) and the program the provider's name", () => {
    const stored = state(inputs({ "dev-1": entry() }));
    for (const form of ENROLLMENT_SET_STORED_FORMS.filter(
      (f) => f.field === "__provider" && storedProviderForm(f.example as string) === "folder",
    )) {
      const olds = { ...stored, __provider: form.example } as EnrollmentSetOutputs;
      const news = {
        ...inputs({ "dev-1": entry() }),
        __provider: providerReference("EnrollmentSet"),
      } as EnrollmentSetInputs;
      expect(diffSet(olds, news), form.writtenBy).toMatchObject({ changes: false, replaces: [] });
    }
  });

  it("releases an entry that the program now declares as an IndividualEnrollment, instead of deleting it", () => {
    const news = inputs({ "dev-1": entry(), "dev-3": entry() }, { individuallyManaged: ["DEV-2"] });
    expect(planSet(olds, news)).toMatchObject({ remove: [], release: ["dev-2"] });
  });

  it("sees a change of declared keys as an update of that entry only", () => {
    const news = inputs(olds.enrollments, {
      secrets: { "dev-2": { primaryKey: KEY_B, secondaryKey: KEY_A } },
    });
    expect(planSet(olds, news)).toMatchObject({ update: ["dev-2"], fields: { "dev-2": ["attestation"] } });
  });
});

describe("validateSetInputs", () => {
  it("checks every entry with the per-enrollment rules, naming the entry and the field", () => {
    const failures = validateSetInputs(
      inputs({
        "ok-1": entry(),
        "bad id!": entry(),
        "dev-9": entry({ allocationPolicy: "static", iotHubs: [] as string[] }),
      }) as never,
      new Date(),
    );
    expect(failures.map((f) => f.property)).toEqual(
      expect.arrayContaining([`enrollments["bad id!"].registrationId`, `enrollments["dev-9"].iotHubs`]),
    );
    expect(failures.find((f) => f.property.startsWith(`enrollments["dev-9"]`))?.reason).toMatch(
      /individual enrollment "dev-9"/,
    );
    expect(failures.some((f) => f.property.includes("ok-1"))).toBe(false);
  });

  it("refuses an id in a set and declared individually, and ids differing only in case", () => {
    const failures = validateSetInputs(
      inputs({ "dev-1": entry(), "DEV-1": entry() }, { individuallyManaged: ["dev-1"] }) as never,
      new Date(),
    );
    expect(failures.map((f) => f.reason).join("\n")).toMatch(
      /declared twice in one set[\s\S]*declared both in a set and as an IndividualEnrollment/,
    );
  });
});

describe("the provider's inputs as texts (decodeSetInputs, through check and diff)", () => {
  const HUB_A = "hub-a.azure-devices.net";
  const HUB_B = "hub-b.azure-devices.net";
  const provider = createEnrollmentSetProvider();
  const entries = { "dev-1": entry({ iotHubs: ["weu"] }), "dev-2": entry() };
  const secrets = { "dev-1": { primaryKey: KEY_A, secondaryKey: KEY_B } };
  const sent = (over: Record<string, unknown> = {}) => ({
    dps,
    shard: "0-of-1",
    linkedHubs: [HUB_A, HUB_B],
    individuallyManaged: [],
    hubHostNames: { weu: HUB_B },
    enrollments: encodeSetEntries(entries),
    secrets: encodeSetSecrets(secrets),
    ...over,
  });
  const check = async (news: Record<string, unknown>) => (await provider.check!({}, news)).failures ?? [];

  it("decodes to today's maps with hubs named by key resolved, and agrees with the map form", async () => {
    const decoded = decodeSetInputs(sent());
    expect(decoded.failures).toEqual([]);
    expect(decoded.inputs?.enrollments).toEqual({ "dev-1": entry({ iotHubs: [HUB_B] }), "dev-2": entry() });
    expect(decoded.inputs?.secrets).toEqual(secrets);
    expect(await check(sent())).toEqual([]);
    // check stores the inputs as sent: the texts stay texts.
    expect((await provider.check!({}, sent())).inputs).toEqual(sent());
    // State written from the map form (host names, a secrets map) diffs as no change against the texts.
    const stored = toStored(
      state(
        inputs(
          { "dev-1": entry({ iotHubs: [HUB_B] }), "dev-2": entry() },
          { secrets, linkedHubs: [HUB_A, HUB_B] },
        ),
      ),
    );
    expect(await provider.diff!("0-of-1", stored, sent())).toMatchObject({ changes: false });
    const moved = sent({ hubHostNames: { weu: HUB_A } });
    expect(await provider.diff!("0-of-1", stored, moved)).toMatchObject({ changes: true, replaces: [] });
    expect(
      diffSet(
        state(inputs({ "dev-1": entry({ iotHubs: [HUB_B] }), "dev-2": entry() }, { secrets })),
        decodeSetInputs(moved).inputs!,
      ).plan,
    ).toMatchObject({ update: ["dev-1"], fields: { "dev-1": ["iotHubs"] } });
  });

  it("decodes one text once per process: check and diff of a set share the decode", () => {
    const text = encodeSetEntries(entries);
    const first = decodeSetInputs(sent({ enrollments: text, hubHostNames: undefined })).inputs!.enrollments;
    // The engine hands diff the same text as a new string: the decode made for check answers it
    // (no hubHostNames here, so the decoded map itself comes back, not a copy with hubs resolved).
    const again = decodeSetInputs(sent({ enrollments: text.slice(0), hubHostNames: undefined })).inputs!
      .enrollments;
    expect(again).toBe(first);
    expect(again).toEqual(entries);
    // Another text is decoded for itself, and a text that does not decode fails every time.
    const other = encodeSetEntries({ "dev-3": entry() });
    expect(decodeSetInputs(sent({ enrollments: other, hubHostNames: {} })).inputs!.enrollments).toEqual({
      "dev-3": entry(),
    });
    const bad = text.replace('"dev-2":', '"dev-0":');
    for (let i = 0; i < 2; i++) expect(decodeSetInputs(sent({ enrollments: bad })).failures).toHaveLength(1);
  });

  it("reports a bad text as check failures naming field, line and entry, never a secret value", async () => {
    const bad = encodeSetEntries(entries).replace('"dev-2":', '"dev-0":');
    expect(await check(sent({ enrollments: bad }))).toEqual([
      expect.objectContaining({
        property: 'enrollments line 3 ("dev-0")',
        reason: 'enrollments line 3 ("dev-0"): ids must be unique and sorted; it follows "dev-1"',
      }),
    ]);
    expect((await check(sent({ enrollments: 42 }))).map((f) => f.reason)).toEqual([
      "enrollments: must be the set's entries as one JSON text (encodeSetEntries); got number",
    ]);
    const badSecrets = encodeSetSecrets(secrets).replace(`"secondaryKey"`, `"secondaryKee"`);
    const failures = await check(sent({ secrets: badSecrets }));
    expect(failures.map((f) => f.reason)).toEqual([
      'secrets line 2 ("dev-1"): not {primaryKey?, secondaryKey?, webhookUrl?} with text values',
    ]);
    expect(JSON.stringify(failures)).not.toContain(KEY_A);
    expect(
      (
        await check(sent({ secrets: encodeSetSecrets({ ...secrets, "dev-9": { webhookUrl: "https://x" } }) }))
      ).map((f) => f.reason),
    ).toEqual(['secrets["dev-9"]: declares secrets for an id the set does not hold']);
    // diff/create/update never run on inputs that do not decode (check refused them): they say so.
    await expect(provider.create!(sent({ enrollments: bad }))).rejects.toThrow(
      /enrollment set 0-of-1: inputs do not decode/,
    );
  });

  it("refuses declared keys and webhook URLs in the entries (previews show them)", async () => {
    const leaky = {
      "dev-1": entry({
        attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_A, secondaryKey: KEY_B } },
      }),
      "dev-2": entry({
        allocationPolicy: "custom",
        customAllocationDefinition: { apiVersion: "2021-10-01", webhookUrl: "https://hook" },
      }),
    };
    const failures = await check(sent({ enrollments: encodeSetEntries(leaky), secrets: "{}" }));
    expect(failures.map((f) => f.reason)).toEqual(
      expect.arrayContaining([
        'enrollments["dev-1"].attestation.symmetricKey: declared keys never go in the entries text (previews show it); pass them in secrets',
        'enrollments["dev-2"].customAllocationDefinition.webhookUrl: webhook URLs never go in the entries text (previews show it); pass them in secrets',
      ]),
    );
    expect(JSON.stringify(failures)).not.toContain(KEY_A);
  });

  it("names a hub that is neither a key of hubHostNames nor linked once, with the keys allowed", async () => {
    const failures = await check(
      sent({ enrollments: encodeSetEntries({ ...entries, "dev-2": entry({ iotHubs: ["weux"] }) }) }),
    );
    expect(failures.map((f) => f.reason)).toEqual([
      'enrollments["dev-2"].iotHubs[0]: hub "weux" is not a key of hubHostNames (weu) nor a linked hub',
    ]);
    // A key whose host is not linked is the per-enrollment rule's, on the resolved host name.
    const unlinked = await check(sent({ hubHostNames: { weu: "hub-z.azure-devices.net" } }));
    expect(unlinked.map((f) => f.property)).toEqual(['enrollments["dev-1"].iotHubs']);
    expect(unlinked[0]?.reason).toMatch(/hub-z\.azure-devices\.net.*not linked to this DPS/);
  });

  it("while hubHostNames is unknown (preview of a hub change): no failure, an update planned at `up`", async () => {
    for (const hubHostNames of [UNKNOWN_VALUE, { weu: UNKNOWN_VALUE }]) {
      expect(await check(sent({ hubHostNames }))).toEqual([]);
      const stored = toStored(
        state(inputs({ "dev-1": entry({ iotHubs: [HUB_B] }), "dev-2": entry() }, { secrets })),
      );
      expect(await provider.diff!("0-of-1", stored, sent({ hubHostNames }))).toMatchObject({
        changes: true,
        replaces: [],
      });
      expect(
        diffSet(state(inputs(entries, { secrets })), decodeSetInputs(sent({ hubHostNames })).inputs!).plan,
      ).toBeUndefined();
    }
  });
});

describe("bulk batching", () => {
  const noSleep = async () => {};
  const fakeClient = (
    answer: (
      mode: BulkMode,
      items: DpsEnrollmentRecord[],
      call: number,
    ) => { errors: Array<{ registrationId: string; errorCode: number }> },
  ) => {
    const calls: string[][] = [];
    const client = {
      serviceEndpoint: "x",
      async runBulk(mode: BulkMode, items: DpsEnrollmentRecord[]) {
        calls.push(items.map((i) => i.registrationId as string));
        const { errors } = answer(mode, items, calls.length);
        return { isSuccessful: errors.length === 0, errors: errors.map((e) => ({ ...e, errorStatus: "x" })) };
      },
    } as unknown as DpsClient;
    return { client, calls };
  };
  const records = (n: number) => Array.from({ length: n }, (_, i) => ({ registrationId: `d-${i}` }));

  it("cuts work into calls of at most 10", () => {
    expect(chunk(records(25)).map((c) => c.length)).toEqual([10, 10, 5]);
    expect(statusOfCode(409201)).toBe(409);
    expect(statusOfCode(500000)).toBe(500);
  });

  it("retries only the items that failed transiently, and gives up on the others at once", async () => {
    const { client, calls } = fakeClient((_m, items, call) => ({
      errors: items
        .filter((i) => (i.registrationId === "d-3" && call <= 3) || i.registrationId === "d-7")
        .map((i) => ({
          registrationId: i.registrationId as string,
          errorCode: i.registrationId === "d-3" ? 429001 : 409201,
        })),
    }));
    const outcome = await runBulkItems(client, createPacer(1000), "create", records(12), noSleep);
    expect(outcome.succeeded.sort()).toEqual(
      records(12)
        .map((r) => r.registrationId)
        .filter((id) => id !== "d-7")
        .sort(),
    );
    expect([...outcome.failed.keys()]).toEqual(["d-7"]);
    expect(outcome.failed.get("d-7")?.status).toBe(409);
    expect(calls.slice(2)).toEqual([["d-3"], ["d-3"]]);
  });
});

describe("pacing to the quota", () => {
  it("never lets more operations than the quota into one minute, counting one per bulk item", async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const pacer = createPacer(25, clock, 4);
    const started: number[] = [];
    await Promise.all(Array.from({ length: 8 }, () => pacer.run(10, async () => void started.push(now))));
    // 80 operations at 25/min: batches of 10 start at 0, 0, then one minute later, ...
    expect(started.filter((t) => t < 60_000)).toHaveLength(2);
    for (let i = 0; i < started.length; i++) {
      const inWindow = started.filter(
        (t) => t > (started[i] as number) - 60_000 && t <= (started[i] as number),
      ).length;
      expect(inWindow * 10).toBeLessThanOrEqual(25);
    }
    expect(Math.max(...started)).toBeLessThan(4 * 60_000);
  });
});

describe("the deployment's registry of who holds which enrollment", () => {
  it("lets a set skip only ids another resource declares, and an IndividualEnrollment only ids a set declares", async () => {
    const { declaredElsewhere, heldBySet, recordDeclared, recordHeldBySet, resetRegistry } =
      await import("../../components/enrollments/sets/registry");
    resetRegistry();
    recordDeclared("dps-a:443", ["Dev-1", "dev-2"], { set: "0-of-2" });
    recordDeclared("dps-a:443", ["dev-3"], "individual");
    expect(declaredElsewhere("DPS-A:443", "dev-1", { set: "0-of-2" })).toBe(false);
    expect(declaredElsewhere("dps-a:443", "dev-1", { set: "1-of-2" })).toBe(true);
    expect(declaredElsewhere("dps-a:443", "dev-3", { set: "0-of-2" })).toBe(true);
    expect(declaredElsewhere("dps-a:443", "DEV-1", "individual")).toBe(true);
    expect(declaredElsewhere("dps-a:443", "dev-3", "individual")).toBe(false);
    expect(declaredElsewhere("dps-b:443", "dev-1", "individual")).toBe(false);
    recordHeldBySet("dps-a:443", ["dev-9"]);
    expect(heldBySet("dps-a:443", "DEV-9")).toBe(true);
    expect(heldBySet("dps-b:443", "dev-9")).toBe(false);
    resetRegistry();
  });
});
