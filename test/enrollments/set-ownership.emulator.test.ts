/**
 * The owner marker on the batch path, against the emulator through Microsoft's service SDK: every
 * record an EnrollmentSet writes carries this stack's marker, as IndividualEnrollment's do; a set
 * whose create finds an id already on DPS takes it over only when it carries this stack's marker
 * (a killed run, a manifest switching to the batch path), adopts it only with adoptExisting, and
 * otherwise refuses it with the per-enrollment message while the other entries land.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OWNER_TAG } from "../../components/enrollments/ownership";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import { resetRegistry } from "../../components/enrollments/sets/registry";
import { createEnrollmentSetProvider } from "../../components/enrollments/sets/set-provider";
import {
  decodeEntries,
  decodeKeys,
  type EnrollmentInputs,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  type SetEntry,
} from "@dps-as-code/contract";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { startTestEmulator } from "../../testkit/emulator";

const HUB = "hub-a.azure-devices.net";
const THIS_STACK = "organization/dps-as-code/dev";
const OTHER_STACK = "organization/dps-as-code/prod";
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalBudgetMs: 5_000 },
};
const sets = createEnrollmentSetProvider(FAST_RETRY);
const individuals = createEnrollmentProvider("individual", FAST_RETRY);

let emu: RunningEmulator;
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
const setOf = (entries: Record<string, SetEntry>, owner = THIS_STACK): EnrollmentSetInputs => ({
  dps: dps(),
  shard: "0-of-1",
  secrets: {},
  individuallyManaged: [],
  enrollments: entries,
  owner,
});
const onDps = async (id: string) => (await serviceClientFor(emu).getIndividualEnrollment(id)).responseBody;
const writes = () => {
  const byOperation = emu.inspect.stats().byOperation;
  return ["IndividualEnrollment_CreateOrUpdate", "IndividualEnrollment_Delete"].reduce(
    (sum, op) => sum + (byOperation[op] ?? 0),
    0,
  );
};
/** The engine's partial failure: the message, and the state it records. */
const partialFailure = async (work: Promise<unknown>) => {
  const error = (await work.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { properties: EnrollmentSetOutputs; reasons: string[] }) | undefined;
  if (!error) throw new Error("expected the set's create to fail");
  return error;
};

beforeAll(async () => {
  emu = await startTestEmulator({ config: { linkedHubs: [{ hostName: HUB }] } });
});
afterAll(async () => emu?.stop());
beforeEach(() => resetRegistry());

describe("the owner marker on EnrollmentSet", () => {
  it("is written on every record a set sends (bulk create and bulk update), beside the declared tags, and never shows as drift", async () => {
    const created = await sets.create!(setOf({ "mk-1": entry(), "mk-2": entry() }));
    expect((await onDps("mk-1")).initialTwin?.tags).toEqual({ line: "a", [OWNER_TAG]: THIS_STACK });
    const changed = setOf({ "mk-1": entry({ initialTwin: { tags: { line: "b" } } }), "mk-2": entry() });
    const updated = await sets.update!(created.id, created.outs as EnrollmentSetOutputs, changed as never);
    expect((await onDps("mk-1")).initialTwin?.tags).toEqual({ line: "b", [OWNER_TAG]: THIS_STACK });
    const read = await sets.read!(created.id, updated.outs as EnrollmentSetOutputs);
    expect(decodeEntries((read.props as EnrollmentSetOutputs).enrollments)["mk-1"]?.initialTwin).toEqual({
      tags: { line: "b" },
    });
    expect(await sets.diff!(created.id, read.props as EnrollmentSetOutputs, changed as never)).toMatchObject({
      changes: false,
    });
    await sets.delete!(created.id, read.props as EnrollmentSetOutputs);
  });

  it("lets a rerun take over what a killed run of the same stack created: keys kept, no write when DPS holds the declaration", async () => {
    // The killed run: DPS made the enrollments (and the set generated their keys), the engine never saved the set.
    const lost = (await sets.create!(setOf({ "kill-1": entry(), "kill-2": entry() })))
      .outs as EnrollmentSetOutputs;
    const etag = (await onDps("kill-1")).etag;
    const before = writes();
    const again = (
      await sets.create!(
        setOf({ "kill-1": entry(), "kill-2": entry({ initialTwin: { tags: { line: "b" } } }) }),
      )
    ).outs as EnrollmentSetOutputs;
    expect(decodeKeys(again.keys)).toEqual(decodeKeys(lost.keys));
    expect((await onDps("kill-1")).etag).toBe(etag);
    // kill-2 differs from what DPS holds: written once, with its ETag, keys unchanged.
    expect(writes() - before).toBe(1);
    expect((await onDps("kill-2")).initialTwin?.tags).toEqual({ line: "b", [OWNER_TAG]: THIS_STACK });
    await sets.delete!("0-of-1", again);
  });

  it("takes over, without a write, an enrollment an IndividualEnrollment of this stack created (a manifest switching to the batch path)", async () => {
    const single = await individuals.create!({
      ...entry(),
      registrationId: "switch-1",
      dps: dps(),
      owner: THIS_STACK,
    } as EnrollmentInputs);
    const etag = (await onDps("switch-1")).etag;
    const before = writes();
    const outs = (await sets.create!(setOf({ "switch-1": entry() }))).outs as EnrollmentSetOutputs;
    expect(writes() - before).toBe(0);
    expect((await onDps("switch-1")).etag).toBe(etag);
    expect(decodeKeys(outs.keys)["switch-1"]).toEqual({
      primaryKey: single.outs.primaryKey,
      secondaryKey: single.outs.secondaryKey,
    });
    await sets.delete!("0-of-1", outs);
  });

  it("refuses an id another stack made or a person made, naming the maker, while the other entries land; adoptExisting adopts what a person made, never another stack's", async () => {
    await individuals.create!({
      ...entry(),
      registrationId: "theirs-1",
      dps: dps(),
      owner: OTHER_STACK,
    } as EnrollmentInputs);
    await serviceClientFor(emu).createOrUpdateIndividualEnrollment({
      registrationId: "manual-1",
      attestation: { type: "symmetricKey" },
    } as never);
    const [theirs, manual] = [await onDps("theirs-1"), await onDps("manual-1")];
    const error = await partialFailure(
      sets.create!(setOf({ "theirs-1": entry(), "manual-1": entry(), "mine-1": entry() })),
    );
    expect(error.reasons).toEqual([
      expect.stringMatching(
        /^individual enrollment "manual-1": create failed: it already exists on DPS \S+ \(created [^,)]*\)\. Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true/,
      ),
      expect.stringMatching(
        /^individual enrollment "theirs-1": create failed: it already exists on DPS \S+ \(created .*, made by stack organization\/dps-as-code\/prod\)\. Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true/,
      ),
    ]);
    // The state records what landed, and nothing else; the refused enrollments are untouched.
    expect(Object.keys(decodeEntries(error.properties.enrollments))).toEqual(["mine-1"]);
    expect((await onDps("theirs-1")).etag).toBe(theirs.etag);
    expect((await onDps("manual-1")).etag).toBe(manual.etag);

    // adoptExisting adopts what a person made: taken over, keys kept, the declared settings
    // written (with the ETag). Another stack's enrollment stays refused: no stack takes over another's.
    const manualKeys = (await serviceClientFor(emu).getIndividualEnrollmentAttestationMechanism("manual-1"))
      .responseBody.symmetricKey;
    const refused = await partialFailure(
      sets.update!(
        "0-of-1",
        error.properties,
        setOf({
          "theirs-1": entry({ adoptExisting: true }),
          "manual-1": entry({ adoptExisting: true }),
          "mine-1": entry(),
        }) as never,
      ),
    );
    expect(refused.reasons).toEqual([
      expect.stringMatching(
        /^individual enrollment "theirs-1": create failed: cannot adopt: it is managed by stack organization\/dps-as-code\/prod on DPS \S+ \(its owner marker, initialTwin\.tags\.dpsAsCodeOwner\), and no stack takes over another's enrollment, even with adoptExisting\./,
      ),
    ]);
    expect((await onDps("theirs-1")).etag).toBe(theirs.etag);
    const adopted = refused.properties as EnrollmentSetOutputs;
    expect(decodeKeys(adopted.keys)["manual-1"]).toEqual({
      primaryKey: manualKeys?.primaryKey,
      secondaryKey: manualKeys?.secondaryKey,
    });
    await sets.delete!("0-of-1", adopted);
    await serviceClientFor(emu).deleteIndividualEnrollment("theirs-1");
    expect(emu.inspect.enrollmentCount()).toBe(0);
  });
});
