// A stack made by the version whose program sent each EnrollmentSet its entries as a map (hub host
// names resolved inside it) and its secrets as a secret map (commit 7402894, taken from git),
// upgraded in place by this version, which sends one canonical JSON text for the entries (hubs as
// the manifest names them, resolved by the set's small `hubHostNames`) and one secret text for the
// secrets (docs/design/set-text-input.md, step 4): the preview and the first up are no-ops with no
// DPS request and store the new inputs; a change of one entry then shows that entry and field in
// `pulumi preview --diff` and reaches DPS; a refresh changes nothing; no key moves.
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeEntries, decodeSetEntries, decodeSetSecrets } from "@dps-as-code/contract";
import { shardOf } from "../../components/enrollments";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, upgradeAsNoOp, type OlderVersionStack } from "../../testkit/older-version";
import { outputsAnOlderVersionHad, withoutBatchedRows } from "../../testkit/program-at-commit";

/** The last commit whose program sent a set's entries and secrets as maps. */
const ENTRIES_AS_MAP_INPUT_COMMIT = "7402894";

const previous = programFromOlderVersion(ENTRIES_AS_MAP_INPUT_COMMIT);

/** Three ids that fall in one set of the stack's 32 (the default): a change must leave the others be. */
const IDS = (() => {
  const byShard = new Map<string, string[]>();
  for (let n = 1; ; n++) {
    const id = `text-meter-${n}`;
    const shard = shardOf(id, 32);
    const ids = [...(byShard.get(shard) ?? []), id];
    if (ids.length === 3) return ids as [string, string, string];
    byShard.set(shard, ids);
  }
})();
const [GENERATED, DECLARED, CUSTOM] = IDS;
// Test-only values: base64 of 32 bytes, and a webhook that exists nowhere.
const DECLARED_KEYS = {
  primary: Buffer.alloc(32, 7).toString("base64"),
  secondary: Buffer.alloc(32, 8).toString("base64"),
};
const WEBHOOK = "https://allocation.example.net/api/allocate?code=not-a-real-key";

const manifest = (twinOfFirst?: string) => `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: ${GENERATED}
    attestation: { type: symmetricKey }
${twinOfFirst ? `    initialTwin: { tags: { wave: ${twinOfFirst} } }\n` : ""}  - registrationId: ${DECLARED}
    attestation:
      type: symmetricKey
      symmetricKey: { primaryKeySecret: textMeterPrimary, secondaryKeySecret: textMeterSecondary }
  - registrationId: ${CUSTOM}
    attestation: { type: symmetricKey }
    allocationPolicy: custom
    iotHubs: [weu]
    customAllocationDefinition: { webhookUrlSecret: textMeterWebhook, apiVersion: "2021-10-01" }
`;
const SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";

interface StoredResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describeWithEngine(
  "upgrading a stack whose program sent a set's entries and secrets as maps",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const requests = () => emulator.inspect.stats().requests;
    /** The one set holding the ids, as the state stores it (secrets decrypted when asked). */
    const heldSet = async (showSecrets = false): Promise<StoredResource> => {
      const exported = JSON.parse(
        await program.pulumi(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]),
      ) as { deployment: { resources: StoredResource[] } };
      const sets = exported.deployment.resources.filter(
        (r) => r.type === SET_TYPE && GENERATED in decodeEntries(r.outputs?.enrollments),
      );
      expect(sets).toHaveLength(1);
      return sets[0]!;
    };
    async function dpsView(): Promise<Record<string, unknown>> {
      const sdk = serviceClientFor(emulator);
      const view: Record<string, unknown> = {};
      for (const id of IDS) {
        const record = await sdk.getIndividualEnrollment(id);
        const keys = await sdk.getIndividualEnrollmentAttestationMechanism(id);
        view[id] = {
          etag: record.responseBody.etag,
          keys: keys.responseBody.symmetricKey,
          webhook: record.responseBody.customAllocationDefinition?.webhookUrl,
        };
      }
      return view;
    }

    beforeAll(async () => {
      upgrade = await previous.start(engine, {
        stackName: "set-text",
        manifests: { "meters.yaml": manifest() },
        config: {
          "dps-as-code:textMeterPrimary": { value: DECLARED_KEYS.primary, secret: true },
          "dps-as-code:textMeterSecondary": { value: DECLARED_KEYS.secondary, secret: true },
          "dps-as-code:textMeterWebhook": { value: WEBHOOK, secret: true },
        },
      });
      ({ program, emulator } = upgrade);
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades in place: a no-op preview and up, no DPS request, the inputs stored as texts", async () => {
      await program.up({ onOutput: program.onOutput });
      const old = await heldSet();
      expect(typeof old.inputs?.enrollments).toBe("object"); // the map the older program sent
      const dpsBefore = await dpsView();
      expect(dpsBefore[DECLARED]).toMatchObject({
        keys: { primaryKey: DECLARED_KEYS.primary, secondaryKey: DECLARED_KEYS.secondary },
      });
      expect(dpsBefore[CUSTOM]).toMatchObject({ webhook: WEBHOOK });
      const outputsBefore = await program.stack.outputs();

      await upgradeAsNoOp(upgrade!);
      expect(await dpsView()).toEqual(dpsBefore);
      // Since the older version, batched enrollments have no row of their own in the outputs.
      const expected = withoutBatchedRows(outputsBefore, IDS);
      expect(outputsAnOlderVersionHad(expected, await program.stack.outputs())).toEqual(expected);

      // The same step stored the new inputs: one text naming the hub by key, the key's host name
      // beside it, the secrets one secret text (a ciphertext in state) holding only what was declared.
      const set = await heldSet();
      expect(typeof set.inputs?.enrollments).toBe("string");
      const entries = decodeSetEntries(set.inputs?.enrollments);
      expect(Object.keys(entries).sort()).toEqual([...IDS].sort());
      // The local stack's loader knows its hubs' host names and leaves them in the entries (on
      // Azure they stay keys until the hubs exist), so the set resolves nothing here.
      expect(entries[GENERATED]!.iotHubs).toEqual([(await program.stack.outputs()).hubHostNames!.value.weu]);
      expect(set.inputs?.hubHostNames).toEqual({});
      expect(JSON.stringify(set.inputs?.secrets)).toContain("ciphertext");
      expect(JSON.stringify(set.inputs)).not.toContain(DECLARED_KEYS.primary);
      expect(JSON.stringify(set.inputs)).not.toContain(WEBHOOK);
      // `stack export --show-secrets` shows a secret as { <signature>, plaintext: <its JSON> }.
      const shown = (await heldSet(true)).inputs?.secrets as { plaintext: string };
      const secrets = decodeSetSecrets(JSON.parse(shown.plaintext));
      expect(secrets).toEqual({
        [DECLARED]: { primaryKey: DECLARED_KEYS.primary, secondaryKey: DECLARED_KEYS.secondary },
        [CUSTOM]: { webhookUrl: WEBHOOK },
      });
    });

    it("previews a change of one entry by entry and field, and the update reaches DPS alone", async () => {
      const dpsBefore = await dpsView();
      program.writeManifest("meters.yaml", manifest("two"));
      const printed = await program.pulumi(["preview", "--diff"]);
      const diff = printed.slice(printed.indexOf("EnrollmentSet: (update)"), printed.indexOf("--outputs:--"));
      expect(diff).toMatch(/~ enrollments\s*: \(json\)/); // the text, decoded by the CLI ...
      expect(diff).toMatch(new RegExp(`~ ${GENERATED}\\s*: \\{`)); // ... naming the entry ...
      expect(diff).toMatch(/\+ initialTwin\s*: \{/); // ... and the field
      expect(printed).not.toMatch(/\+-.*EnrollmentSet/); // not a replace
      for (const value of [DECLARED_KEYS.primary, DECLARED_KEYS.secondary, WEBHOOK])
        expect(printed).not.toContain(value);

      const before = requests();
      await program.up({ onOutput: program.onOutput });
      const calls = requests() - before;
      const dpsAfter = await dpsView();
      expect(dpsAfter[GENERATED]).not.toEqual(dpsBefore[GENERATED]); // a new ETag ...
      expect((dpsAfter[GENERATED] as { keys: unknown }).keys).toEqual(
        (dpsBefore[GENERATED] as { keys: unknown }).keys,
      ); // ... the same keys
      expect(dpsAfter[DECLARED]).toEqual(dpsBefore[DECLARED]);
      expect(dpsAfter[CUSTOM]).toEqual(dpsBefore[CUSTOM]);
      const twin = await serviceClientFor(emulator).getIndividualEnrollment(GENERATED);
      expect(twin.responseBody.initialTwin?.tags).toMatchObject({ wave: "two" });
      expect(calls).toBeLessThanOrEqual(4); // a bulk write and its read-back, not one call per entry
      const set = await heldSet();
      // The outputs hold what DPS holds: the text sent, with the new twin.
      expect(decodeEntries(set.outputs?.enrollments)).toEqual(decodeSetEntries(set.inputs?.enrollments));
    });

    it("then a refresh keeps the texts as the program sends them, and nothing changes", async () => {
      const dpsBefore = await dpsView();
      const sent = (await heldSet()).inputs?.enrollments;
      await program.refresh({ onOutput: program.onOutput });
      expect((await heldSet()).inputs?.enrollments).toBe(sent); // hubs named by key again
      const before = requests();
      const printed = await program.pulumi(["preview", "--diff"]);
      expect(printed, printed).toMatch(/\d+ unchanged/);
      expect(printed, printed).not.toMatch(/\d+ to (update|create|delete|replace)/);
      expect(requests() - before).toBe(0);
      expect(await dpsView()).toEqual(dpsBefore);
    });
  },
  previous.missing,
);
