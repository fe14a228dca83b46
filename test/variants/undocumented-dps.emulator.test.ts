/**
 * The enrollment providers and the batch path under every answer DPS might give where its
 * behaviour is undocumented (emulator/variants.ts: a bulk create on an existing id, what a bulk
 * delete item must carry, how a bulk call counts against the quota, webhook URLs in replies).
 * Under each, against the emulator through Microsoft's service SDK, the product must hold: no
 * enrollment it does not own is overwritten or re-keyed, no key it holds changes, every delete
 * and destroy completes, nothing is lost, the messages name the enrollment and what to do, and
 * pacing keeps DPS from ever answering 429. `npm run test:variants`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OWNER_TAG } from "../../components/enrollments/ownership";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import { resetRegistry } from "../../components/enrollments/sets/registry";
import { createEnrollmentSetProvider } from "../../components/enrollments/sets/set-provider";
import { forgetListings } from "../../components/enrollments/sets/snapshot";
import {
  decodeEntries,
  decodeKeys,
  decodeMetadata,
  type EnrollmentInputs,
  type EnrollmentOutputs,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  type SetEntry,
} from "@dps-as-code/contract";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { behaviourVariants } from "../../emulator/variants";
import { makeCertificate } from "../../testkit/certificates";
import { startTestEmulator } from "../../testkit/emulator";

const HUB = "hub-a.azure-devices.net";
const THIS_STACK = "organization/dps-as-code/dev";
const OTHER_STACK = "organization/dps-as-code/prod";
/** DPS's quota in these tests, which the sets pace to: small, so that pacing is what keeps 429s away. */
const QUOTA = 300;
const WEBHOOK = "https://alloc.azurewebsites.net/api/allocate?code=c2VjcmV0LWZ1bmN0aW9uLWtleQ";
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalBudgetMs: 5_000 },
};
const NEW_IDS = Array.from({ length: 12 }, (_, i) => `new-${String(i + 1).padStart(2, "0")}`);
const device = makeCertificate({ commonName: "x509-1" });

describe.each(behaviourVariants())("DPS answering with $name", ({ behaviour }) => {
  let emu: RunningEmulator;
  const sets = createEnrollmentSetProvider(FAST_RETRY);
  const individuals = createEnrollmentProvider("individual", FAST_RETRY);
  const sdk = () => serviceClientFor(emu);
  const dps = () => ({
    serviceEndpoint: emu.serviceHost,
    connectionString: emu.connectionString,
    trustedCaCertificate: emu.caCertPem,
  });
  const entry = (extra: Partial<SetEntry> = {}): SetEntry =>
    ({
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB],
      allocationPolicy: "static",
      initialTwin: { tags: { line: "a" } },
      ...extra,
    }) as SetEntry;
  const setOf = (entries: Record<string, SetEntry>, secrets = {}): EnrollmentSetInputs => ({
    dps: dps(),
    shard: "0-of-1",
    secrets,
    individuallyManaged: [],
    enrollments: entries,
    owner: THIS_STACK,
    operationsPerMinute: QUOTA,
  });
  const onDps = async (id: string) => (await sdk().getIndividualEnrollment(id)).responseBody;
  const keysOnDps = async (id: string) => {
    const k = (await sdk().getIndividualEnrollmentAttestationMechanism(id)).responseBody.symmetricKey;
    return { primaryKey: k?.primaryKey, secondaryKey: k?.secondaryKey };
  };
  const exists = (id: string) =>
    onDps(id).then(
      () => true,
      () => false,
    );

  // A DPS of its own per test: each starts with the whole minute's quota.
  beforeEach(async () => {
    resetRegistry();
    emu = await startTestEmulator({
      undocumented: behaviour,
      throttle: { operationsPerMinute: QUOTA, registrationsPerMinute: QUOTA, retryAfterSeconds: 1 },
      config: { linkedHubs: [{ hostName: HUB }] },
    });
  });
  afterEach(async () => emu?.stop());

  it("the batch path creates, takes over, refuses, updates and destroys exactly what it should", async () => {
    // Already on DPS: a person's enrollment, another stack's, this stack's (an IndividualEnrollment
    // before the manifest switched to the batch path, and a set's create whose run was killed),
    // and one the manifest adopts.
    await sdk().createOrUpdateIndividualEnrollment({
      registrationId: "person-1",
      attestation: { type: "symmetricKey" },
      initialTwin: { tags: { madeBy: "hand" } },
    } as never);
    await individuals.create!({
      ...entry(),
      registrationId: "theirs-1",
      dps: dps(),
      owner: OTHER_STACK,
    } as never);
    await individuals.create!({
      ...entry(),
      registrationId: "switch-1",
      dps: dps(),
      owner: THIS_STACK,
    } as never);
    await sets.create!(setOf({ "killed-1": entry() }));
    forgetListings(emu.serviceHost); // the killed run's provider process is gone with what it read
    await sdk().createOrUpdateIndividualEnrollment({
      registrationId: "adopt-1",
      attestation: { type: "symmetricKey" },
    } as never);
    const before = new Map<string, { etag?: string; keys: unknown; tags: unknown }>();
    for (const id of ["person-1", "theirs-1", "switch-1", "killed-1", "adopt-1"]) {
      const record = await onDps(id);
      before.set(id, { etag: record.etag, keys: await keysOnDps(id), tags: record.initialTwin?.tags });
    }

    const declared: Record<string, SetEntry> = {
      "person-1": entry(),
      "theirs-1": entry(),
      "switch-1": entry(),
      "killed-1": entry(),
      "adopt-1": entry({ adoptExisting: true }),
      "hook-1": entry({
        allocationPolicy: "custom",
        iotHubs: [HUB],
        customAllocationDefinition: { apiVersion: "2021-10-01" } as never,
      }),
      "x509-1": entry({
        attestation: {
          type: "x509",
          x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
        },
      } as never),
      ...Object.fromEntries(NEW_IDS.map((id) => [id, entry()])),
    };
    const secrets = { "hook-1": { webhookUrl: WEBHOOK } };
    const error = (await sets.create!(setOf(declared, secrets)).then(
      () => undefined,
      (e: unknown) => e,
    )) as (Error & { properties: EnrollmentSetOutputs; reasons: string[] }) | undefined;
    if (!error) throw new Error("expected the create to refuse the enrollments this stack does not own");

    // Refused, naming the enrollment, the operation and what to do; untouched on DPS.
    expect(error.reasons).toEqual([
      expect.stringMatching(
        /^individual enrollment "person-1": create failed: it already exists on DPS \S+ \(created [^,)]*\)\. Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true/,
      ),
      expect.stringMatching(
        /^individual enrollment "theirs-1": create failed: it already exists on DPS \S+ \(created .*, made by stack organization\/dps-as-code\/prod\)\. Pulumi will not overwrite/,
      ),
    ]);
    expect(error.message).not.toContain("c2VjcmV0");
    for (const id of ["person-1", "theirs-1"]) {
      const record = await onDps(id);
      expect(record.etag).toBe(before.get(id)?.etag);
      expect(record.initialTwin?.tags).toEqual(before.get(id)?.tags);
      expect(await keysOnDps(id)).toEqual(before.get(id)?.keys);
    }
    // Taken over or adopted: the keys its devices hold are kept, and the state holds them.
    const state = error.properties;
    const stateKeys = decodeKeys(state.keys);
    for (const id of ["switch-1", "killed-1", "adopt-1"]) {
      expect(await keysOnDps(id)).toEqual(before.get(id)?.keys);
      expect(stateKeys[id]).toEqual(before.get(id)?.keys);
    }
    // Created: on DPS with this stack's marker, the keys in state those DPS holds; nothing lost.
    expect(Object.keys(decodeEntries(state.enrollments)).sort()).toEqual(
      Object.keys(declared)
        .filter((id) => id !== "person-1" && id !== "theirs-1")
        .sort(),
    );
    for (const id of [...NEW_IDS, "hook-1"]) {
      expect((await onDps(id)).initialTwin?.tags).toEqual({ line: "a", [OWNER_TAG]: THIS_STACK });
      expect(stateKeys[id]).toEqual(await keysOnDps(id));
    }
    const metadata = decodeMetadata(state.metadata);
    for (const id of Object.keys(decodeEntries(state.enrollments)))
      expect(metadata[id]?.etag).toBe((await onDps(id)).etag);

    // Refresh, then an empty diff: the masked or clear webhook URL reads back as declared.
    const mine = Object.fromEntries(
      Object.entries(declared).filter(([id]) => id !== "person-1" && id !== "theirs-1"),
    );
    const read = (await sets.read!("0-of-1", state)).props as EnrollmentSetOutputs;
    expect(await sets.diff!("0-of-1", read, setOf(mine, secrets) as never)).toMatchObject({ changes: false });

    // An update (one twin changed, one entry removed): written with its ETag, keys unchanged.
    const { "new-01": _removed, ...kept } = mine;
    const changed = { ...kept, "new-02": entry({ initialTwin: { tags: { line: "b" } } }) };
    const keysBefore = await keysOnDps("new-02");
    const updated = (await sets.update!("0-of-1", read, setOf(changed, secrets) as never))
      .outs as EnrollmentSetOutputs;
    expect(await exists("new-01")).toBe(false);
    expect((await onDps("new-02")).initialTwin?.tags).toEqual({ line: "b", [OWNER_TAG]: THIS_STACK });
    expect(await keysOnDps("new-02")).toEqual(keysBefore);

    // Destroy: every entry of the set leaves DPS; what it does not own stays as it was.
    await sets.delete!("0-of-1", updated);
    expect(emu.inspect.enrollmentCount()).toBe(2);
    for (const id of ["person-1", "theirs-1"]) expect((await onDps(id)).etag).toBe(before.get(id)?.etag);
    // Paced to the quota by item: DPS never had to throttle, whichever way it counts.
    expect(emu.inspect.stats().byStatus[429]).toBeUndefined();
    expect(emu.inspect.stats().serviceOperations).toBeLessThanOrEqual(QUOTA);
    await sdk().deleteIndividualEnrollment("person-1");
    await sdk().deleteIndividualEnrollment("theirs-1");
  });

  it("the per-enrollment path refuses what it does not own, keeps keys, reads webhook URLs back and deletes", async () => {
    await sdk().createOrUpdateIndividualEnrollment({
      registrationId: "person-2",
      attestation: { type: "symmetricKey" },
    } as never);
    const personKeys = await keysOnDps("person-2");
    const inputs = (id: string, extra: Partial<EnrollmentInputs> = {}): EnrollmentInputs =>
      ({ ...entry(), registrationId: id, dps: dps(), owner: THIS_STACK, ...extra }) as EnrollmentInputs;
    await expect(individuals.create!(inputs("person-2"))).rejects.toThrow(
      /individual enrollment "person-2".*already exists.*adoptExisting: true/s,
    );
    expect(await keysOnDps("person-2")).toEqual(personKeys);

    const hooked = inputs("solo-1", {
      allocationPolicy: "custom",
      customAllocationDefinition: { webhookUrl: WEBHOOK, apiVersion: "2021-10-01" },
    });
    const created = await individuals.create!(hooked);
    const outs = created.outs as EnrollmentOutputs;
    expect({ primaryKey: outs.primaryKey, secondaryKey: outs.secondaryKey }).toEqual(
      await keysOnDps("solo-1"),
    );
    const read = await individuals.read!(created.id, outs);
    expect(await individuals.diff!(created.id, read.props as EnrollmentOutputs, hooked)).toMatchObject({
      changes: false,
    });
    await individuals.delete!(created.id, read.props as EnrollmentOutputs);
    expect(await exists("solo-1")).toBe(false);
    await sdk().deleteIndividualEnrollment("person-2");
    expect(emu.inspect.enrollmentCount()).toBe(0);
  });
});

describe("DPS's IP filter refusing this machine (a 401 whose body never mentions the rule)", () => {
  let emu: RunningEmulator;
  beforeEach(async () => {
    resetRegistry();
    emu = await startTestEmulator({
      config: {
        linkedHubs: [{ hostName: HUB }],
        ipFilterRules: [
          { filterName: "pipeline-egress", action: "Reject", ipMask: "127.0.0.0/8", target: "serviceApi" },
        ],
      },
    });
  });
  afterEach(async () => emu?.stop());
  const dps = () => ({
    serviceEndpoint: emu.serviceHost,
    connectionString: emu.connectionString,
    trustedCaCertificate: emu.caCertPem,
  });
  const key = () => /SharedAccessKey=([^;]+)/.exec(emu.connectionString)?.[1] as string;
  const advice =
    "Not retried: either dps.connectionString is wrong (its policy name and key must be those of a shared access policy of this DPS with EnrollmentWrite), " +
    "or the DPS's IP filter refuses this machine's address (DPS answers both with 401 and does not say which; run from an address its service-API rule admits).";

  it("a set's create names each enrollment, the operation, the 401 and both causes; nothing written, no secret shown", async () => {
    const sets = createEnrollmentSetProvider(FAST_RETRY);
    const inputs: EnrollmentSetInputs = {
      dps: dps(),
      shard: "0-of-1",
      secrets: {},
      individuallyManaged: [],
      enrollments: {
        "ip-1": { attestation: { type: "symmetricKey" } } as SetEntry,
        "ip-2": { attestation: { type: "symmetricKey" } } as SetEntry,
      },
      owner: THIS_STACK,
    };
    const error = (await sets.create!(inputs).then(
      () => undefined,
      (e: unknown) => e,
    )) as (Error & { reasons: string[] }) | undefined;
    expect(error?.reasons).toHaveLength(2);
    for (const [i, reason] of (error?.reasons ?? []).entries()) {
      expect(reason).toContain(
        `individual enrollment "ip-${i + 1}": create failed: reading it from DPS first failed, so nothing was written: `,
      );
      expect(reason).toContain("HTTP 401 (errorCode 401000; Unauthorized;");
      expect(reason).toContain(advice);
    }
    expect(error?.message).not.toContain(key());
    expect(emu.inspect.enrollmentCount()).toBe(0);
  });

  it("an IndividualEnrollment's create says the same", async () => {
    const individuals = createEnrollmentProvider("individual", FAST_RETRY);
    const error = (await individuals.create!({
      registrationId: "ip-3",
      attestation: { type: "symmetricKey" },
      dps: dps(),
      owner: THIS_STACK,
    } as EnrollmentInputs).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error | undefined;
    expect(error?.message).toMatch(
      /^get individual enrollment "ip-3" on DPS \S+ failed: HTTP 401 \(errorCode 401000; Unauthorized; trackingId [^)]+\)\. /,
    );
    expect(error?.message).toContain(advice);
    expect(error?.message).not.toContain(key());
  });
});
