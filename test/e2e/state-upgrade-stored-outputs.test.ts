// A stack made by the version before issue #26's cuts to what an EnrollmentSet stores
// (docs/design/set-stored-outputs.md; commit 94e5377, taken from git), upgraded in place by this
// version. One stack for every cut, one `it` per cut after the shared upgrade: each pulumi
// command costs seconds of CPU, and the suite is over its time budget.
// - the upgrade: the first preview and up are no-ops with no DPS request, and no key moves;
// - cut 1, the ETag lines without times: a set's next update stores `["<id>", "<etag>"]` lines,
//   and a refresh of a set still stored with times shows no change and stores them too.
// - cut 2, the ledger's outputs as digests of its record: the upgrade keeps its full outputs,
//   against which a deletion is still found; its next update stores the digests.
// - cut 3, the outputs' entries packed: an updated set stores them packed, and the preview's
//   review, the refresh and the drift report read as before.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  decodeEntries,
  decodeKeys,
  decodeMetadata,
  decodeSetEntries,
  encodePackedEntries,
  PACKED_PREFIX,
  resolveEntryHubs,
} from "@dps-as-code/contract";
import { shardOf } from "../../components/enrollments";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { findDrift } from "../../scripts/drift/report";
import { describeWithEngine } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, upgradeAsNoOp, type OlderVersionStack } from "../../testkit/older-version";

/** The last commit before the cuts: its sets store ETag lines with DPS's times. */
const BEFORE_THE_CUTS_COMMIT = "94e5377";

const previous = programFromOlderVersion(BEFORE_THE_CUTS_COMMIT);

/**
 * Three ids in one set of the stack's 32 (the default), whose change the cuts' `it`s make, and
 * one id in another set that no update touches (what a refresh does to a set stored by the
 * older version).
 */
const { IDS, ELSEWHERE } = (() => {
  const byShard = new Map<string, string[]>();
  for (let n = 1; ; n++) {
    const id = `outputs-meter-${n}`;
    const shard = shardOf(id, 32);
    const ids = [...(byShard.get(shard) ?? []), id];
    byShard.set(shard, ids);
    if (ids.length === 3) {
      const other = [...byShard.entries()].find(([s]) => s !== shard)![1][0]!;
      return { IDS: ids as [string, string, string], ELSEWHERE: other };
    }
  }
})();
const [GENERATED, DECLARED, THIRD] = IDS;
const ALL_IDS = [...IDS, ELSEWHERE];
// Test-only values: base64 of 32 bytes.
const DECLARED_KEYS = {
  primary: Buffer.alloc(32, 5).toString("base64"),
  secondary: Buffer.alloc(32, 6).toString("base64"),
};

const manifest = (twinOfFirst?: string) => `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: ${GENERATED}
    attestation: { type: symmetricKey }
${twinOfFirst ? `    initialTwin: { tags: { wave: ${twinOfFirst} } }\n` : ""}  - registrationId: ${DECLARED}
    attestation:
      type: symmetricKey
      symmetricKey: { primaryKeySecret: outputsMeterPrimary, secondaryKeySecret: outputsMeterSecondary }
  - registrationId: ${THIRD}
    attestation: { type: symmetricKey }
  - registrationId: ${ELSEWHERE}
    attestation: { type: symmetricKey }
`;
const SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";

interface StoredResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** How many cells each of a set's stored metadata lines has (4: with DPS's times; 2: the ETag alone). */
const metadataCells = (set: StoredResource): number[] =>
  String(set.outputs?.metadata)
    .split("\n")
    .map((line) => (JSON.parse(line) as string[]).length);

describeWithEngine(
  "upgrading a stack stored before the cuts to what an EnrollmentSet stores",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const requests = () => emulator.inspect.stats().requests;

    /** The set holding `id`, as the state stores it (secrets decrypted when asked). */
    const setHolding = async (id: string, showSecrets = false): Promise<StoredResource> => {
      const exported = JSON.parse(
        await program.pulumi(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]),
      ) as { deployment: { resources: StoredResource[] } };
      const sets = exported.deployment.resources.filter(
        (r) => r.type === SET_TYPE && id in decodeEntries(r.outputs?.enrollments),
      );
      expect(sets).toHaveLength(1);
      return sets[0]!;
    };
    /** Every batched id's keys as the state holds them (`stack export --show-secrets`: { plaintext: <JSON> }). */
    const keysInState = async () => {
      const keys: Record<string, unknown> = {};
      for (const id of [GENERATED, ELSEWHERE]) {
        const stored = (await setHolding(id, true)).outputs?.keys as { plaintext: string };
        Object.assign(keys, decodeKeys(JSON.parse(stored.plaintext)));
      }
      return keys;
    };
    /** A preview that changes nothing and asks DPS nothing. */
    async function previewIsNoOp(): Promise<void> {
      const beforePreview = requests();
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
      expect(requests() - beforePreview).toBe(0);
    }
    /** A refresh whose drift report names no drift and whose summary names no change. */
    async function refreshFindsNothing(): Promise<void> {
      const log = path.join(program.dir, "refresh-events.jsonl");
      await program.pulumi(["refresh", "--yes", "--skip-preview", "--event-log", log], {
        PULUMI_DEBUG_COMMANDS: "true",
      });
      const events = fs.readFileSync(log, "utf8");
      fs.rmSync(log);
      expect(findDrift("stored-outputs", events)).toMatchObject({ checked: ALL_IDS.length, drifted: [] });
      const summary = events
        .split("\n")
        .filter((line) => line.includes('"summaryEvent"'))
        .map((line) => (JSON.parse(line) as { summaryEvent: { resourceChanges: object } }).summaryEvent)
        .at(-1);
      expect(Object.keys(summary!.resourceChanges)).toEqual(["same"]);
    }
    /** Each enrollment's ETag and keys as DPS holds them. */
    async function dpsView(): Promise<Record<string, { etag?: string; keys: unknown }>> {
      const sdk = serviceClientFor(emulator);
      const view: Record<string, { etag?: string; keys: unknown }> = {};
      for (const id of ALL_IDS) {
        const record = await sdk.getIndividualEnrollment(id);
        const keys = await sdk.getIndividualEnrollmentAttestationMechanism(id);
        view[id] = { etag: record.responseBody.etag, keys: keys.responseBody.symmetricKey };
      }
      return view;
    }

    beforeAll(async () => {
      upgrade = await previous.start(engine, {
        stackName: "stored-outputs",
        manifests: { "meters.yaml": manifest() },
        config: {
          "dps-as-code:outputsMeterPrimary": { value: DECLARED_KEYS.primary, secret: true },
          "dps-as-code:outputsMeterSecondary": { value: DECLARED_KEYS.secondary, secret: true },
        },
      });
      ({ program, emulator } = upgrade);
      await program.up({ onOutput: program.onOutput });
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades in place: a no-op preview and up, no DPS request, no key moves", async () => {
      // The older version stored each set's ETags with DPS's created and last-updated times.
      for (const id of [GENERATED, ELSEWHERE]) expect(metadataCells(await setHolding(id))).toContain(4);
      const dpsBefore = await dpsView();
      expect(dpsBefore[DECLARED]!.keys).toEqual({
        primaryKey: DECLARED_KEYS.primary,
        secondaryKey: DECLARED_KEYS.secondary,
      });
      const keysBefore = await keysInState();

      await upgradeAsNoOp(upgrade!);
      expect(await dpsView()).toEqual(dpsBefore);
      expect(await keysInState()).toEqual(keysBefore);
    });

    it("cut 1: a set's next update stores its ETags without times; a refresh of an unchanged set shows no change", async () => {
      const dpsBefore = await dpsView();
      const keysBefore = await keysInState();
      program.writeManifest("meters.yaml", manifest("two"));
      const before = requests();
      await program.up({ onOutput: program.onOutput });
      expect(requests() - before).toBeGreaterThan(0);
      const dpsAfter = await dpsView();
      // The change reached DPS, for the changed entry alone; no key moved.
      expect(dpsAfter[GENERATED]!.etag).not.toBe(dpsBefore[GENERATED]!.etag);
      for (const id of [DECLARED, THIRD, ELSEWHERE]) expect(dpsAfter[id]).toEqual(dpsBefore[id]);
      expect(await keysInState()).toEqual(keysBefore);
      const twin = await serviceClientFor(emulator).getIndividualEnrollment(GENERATED);
      expect(twin.responseBody.initialTwin?.tags).toMatchObject({ wave: "two" });

      // The updated set stores `["<id>", "<etag>"]` lines, its unchanged entries' too, with the
      // ETags DPS holds; the set no update touched keeps the older form until something writes it.
      const updated = await setHolding(GENERATED);
      expect(metadataCells(updated)).toEqual([2, 2, 2]);
      expect(decodeMetadata(updated.outputs?.metadata)).toEqual(
        Object.fromEntries(IDS.map((id) => [id, { etag: dpsAfter[id]!.etag }])),
      );
      expect(metadataCells(await setHolding(ELSEWHERE))).toEqual([4]);

      // A refresh: DPS holds what the state says, so neither the drift report nor the refresh's
      // summary names a change, though the set stored with times is stored again without them.
      await refreshFindsNothing();
      const refreshed = await setHolding(ELSEWHERE);
      expect(metadataCells(refreshed)).toEqual([2]);
      expect(decodeMetadata(refreshed.outputs?.metadata)).toEqual({
        [ELSEWHERE]: { etag: dpsAfter[ELSEWHERE]!.etag },
      });
      expect(await keysInState()).toEqual(keysBefore);

      // And the next preview is a no-op that asks DPS nothing.
      await previewIsNoOp();
      expect(await dpsView()).toEqual(dpsAfter);
    });

    it("cut 2: the ledger keeps its full outputs through the upgrade and still finds a deletion; its next update stores digests, and nothing changes after", async () => {
      const LEDGER_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentLedger";
      const ledger = async (): Promise<StoredResource> => {
        const exported = JSON.parse(await program.pulumi(["stack", "export"])) as {
          deployment: { resources: StoredResource[] };
        };
        const found = exported.deployment.resources.filter((r) => r.type === LEDGER_TYPE);
        expect(found).toHaveLength(1);
        return found[0]!;
      };
      // The older version's outputs repeat the record (its lines, and the credential book as a
      // secret); the upgrade's no-op steps keep them (the engine keeps outputs on an unchanged step).
      const old = await ledger();
      expect(old.outputs?.individualEnrollments).toBe(old.inputs?.individualEnrollments);
      expect(JSON.stringify(old.outputs?.credentials)).toContain("ciphertext");
      expect(old.outputs?.recorded).toBeUndefined();

      // A deletion is found against the stored record (check() reads the old inputs): the
      // preview hands the pack the deleted entry, and the ledger is an update.
      const full = fs.readFileSync(path.join(program.manifestsDir, "meters.yaml"), "utf8");
      const third = `  - registrationId: ${THIRD}\n    attestation: { type: symmetricKey }\n`;
      expect(full).toContain(third);
      program.writeManifest("meters.yaml", full.replace(third, ""));
      const deleting = JSON.parse(await program.pulumi(["preview", "--json"])) as {
        steps: { op: string; urn: string; newState?: { inputs?: Record<string, unknown> } }[];
      };
      const step = deleting.steps.find((s) => s.urn.includes(LEDGER_TYPE))!;
      expect(step.op).toBe("update");
      expect(step.newState?.inputs?.deletedIndividualEnrollments).toEqual([
        { registrationId: THIRD, attestation: { type: "symmetricKey" } },
      ]);

      // A change of the record that asks nothing of DPS (a retirement acknowledged after the
      // fact) is the ledger's next update: it stores digests of the record, not the record.
      program.writeManifest(
        "meters.yaml",
        `${full}retiredEnrollments:\n  - registrationId: outputs-meter-retired\n    reason: "returned to the vendor"\n`,
      );
      const before = requests();
      const updated = await program.up({ onOutput: program.onOutput });
      expect(updated.summary.resourceChanges).toMatchObject({ update: 1 });
      expect(requests() - before).toBe(0);
      const now = await ledger();
      expect(now.inputs?.individualEnrollments).toBe(old.inputs?.individualEnrollments);
      expect(Object.keys(now.outputs ?? {}).sort()).toEqual([
        "__provider",
        "credentialChanges",
        "deletedIndividualEnrollments",
        "earlyCaRetirements",
        "recorded",
      ]);
      expect(JSON.stringify(now.outputs?.recorded)).toContain("ciphertext"); // a secret

      // The next preview is a no-op that asks DPS nothing, and a deletion is still found.
      await previewIsNoOp();
      const retired = fs.readFileSync(path.join(program.manifestsDir, "meters.yaml"), "utf8");
      program.writeManifest("meters.yaml", retired.replace(third, ""));
      const again = JSON.parse(await program.pulumi(["preview", "--json"])) as typeof deleting;
      expect(
        again.steps.find((s) => s.urn.includes(LEDGER_TYPE))!.newState?.inputs?.deletedIndividualEnrollments,
      ).toEqual([{ registrationId: THIRD, attestation: { type: "symmetricKey" } }]);
      program.writeManifest("meters.yaml", retired);
    });

    it("cut 3: an updated set stores its entries packed; the preview, up, refresh and drift report read as before", async () => {
      const dpsBefore = await dpsView();
      const keysBefore = await keysInState();
      // The manifest as cut 2 left it (its retirement kept), the first entry's twin changed.
      const current = fs.readFileSync(path.join(program.manifestsDir, "meters.yaml"), "utf8");
      expect(current).toContain("wave: two");
      program.writeManifest("meters.yaml", current.replace("wave: two", "wave: three"));
      // The review is the preview's diff of the inputs: the entry and the field, never the packed text.
      const printed = await program.pulumi(["preview", "--diff"]);
      const setDiff = printed.slice(
        printed.indexOf("EnrollmentSet: (update)"),
        printed.indexOf("--outputs:--"),
      );
      expect(setDiff).toMatch(new RegExp(`~ ${GENERATED}\\s*: \\{`));
      expect(setDiff).toMatch(/~ wave\s*: "two" => "three"/);
      for (const id of [DECLARED, THIRD]) expect(setDiff).not.toMatch(new RegExp(`~ ${id}\\s*:`));
      expect(printed).not.toContain(PACKED_PREFIX);

      // After the update, `up --diff` prints the set's outputs that changed: this one as the two
      // packed values, opaque (docs/design/set-stored-outputs.md, cut 3).
      const up = await program.pulumi(["up", "--yes", "--skip-preview", "--diff"]);
      expect(up).toMatch(
        /~ enrollments\s*: "gzip\+base64:[A-Za-z0-9+/=]+" => "gzip\+base64:[A-Za-z0-9+/=]+"/,
      );
      const dpsAfter = await dpsView();
      expect(dpsAfter[GENERATED]!.etag).not.toBe(dpsBefore[GENERATED]!.etag);
      for (const id of [DECLARED, THIRD, ELSEWHERE]) expect(dpsAfter[id]).toEqual(dpsBefore[id]);
      expect(await keysInState()).toEqual(keysBefore);

      // The updated set stores its entries as the canonical text packed: exactly what it sent DPS
      // (the inputs' entries, hubs resolved). So does the set cut 1's refresh stored again.
      for (const id of [GENERATED, ELSEWHERE]) {
        const set = await setHolding(id);
        expect(String(set.outputs?.enrollments).startsWith(PACKED_PREFIX)).toBe(true);
        expect(set.outputs?.enrollments).toBe(
          encodePackedEntries(
            resolveEntryHubs(
              decodeSetEntries(set.inputs?.enrollments),
              set.inputs?.hubHostNames as Record<string, string>,
            ),
          ),
        );
      }
      const twin = await serviceClientFor(emulator).getIndividualEnrollment(GENERATED);
      expect(twin.responseBody.initialTwin?.tags).toMatchObject({ wave: "three" });

      // A refresh reads the packed entries back: no drift, no change, nothing moves.
      await refreshFindsNothing();
      expect(await keysInState()).toEqual(keysBefore);

      // And the next preview is a no-op that asks DPS nothing.
      await previewIsNoOp();
      expect(await dpsView()).toEqual(dpsAfter);
    });

    // A later cut adds its `it` here, on the same stack: each starts from the state the `it`s
    // before it leave.
  },
  previous.missing,
);
