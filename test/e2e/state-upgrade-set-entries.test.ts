// A stack made by the version whose EnrollmentSets stored their entries twice, as the inputs' map
// and again as a map in the outputs (commit 95f9b1c, taken from git), upgraded in place by this
// version, which stores the outputs' copy (and the secrets) as the canonical text
// (contract/resources/set-text.ts, set-stored-form.ts): the preview and the first up are no-ops
// with no DPS request (the provider reads the maps; the same step stores the program's texts as
// inputs); a change of one entry shows that entry and
// field in `pulumi preview --diff`, and its update stores the text; a refresh stores it for every
// set, and the refreshed inputs as texts too (still secret where they were); nothing changes after
// that, and no key.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  decodeEntries,
  decodeSetEntries,
  encodePackedEntries,
  resolveEntryHubs,
  type SetEntry,
} from "@dps-as-code/contract";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, upgradeAsNoOp, type OlderVersionStack } from "../../testkit/older-version";
import { outputsAnOlderVersionHad, withoutBatchedRows } from "../../testkit/program-at-commit";
import { keysInState } from "../../scripts/enrollment-key/keys-in-state";
import type { StackExport } from "../../scripts/recover/pending-plan";

/** The last commit whose sets' outputs repeated the entries as a map. */
const ENTRIES_AS_MAP_COMMIT = "95f9b1c";

const previous = programFromOlderVersion(ENTRIES_AS_MAP_COMMIT);

const IDS = ["entries-meter-1", "entries-meter-2", "entries-meter-3", "entries-meter-4"];
const manifest = (twinOfFirst?: string) => `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
${IDS.map(
  (id, i) =>
    `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n` +
    (i === 0 && twinOfFirst ? `    initialTwin: { tags: { wave: ${twinOfFirst} } }\n` : ""),
).join("")}`;
const SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";

/** A stored set's input entries with their hubs resolved as the provider resolves them. */
const resolvedInputs = (set: { inputs?: Record<string, unknown> }): Record<string, SetEntry> =>
  resolveEntryHubs(
    decodeSetEntries(set.inputs?.enrollments),
    set.inputs?.hubHostNames as Record<string, string> | undefined,
  );

describeWithEngine(
  "upgrading a stack whose sets' outputs repeated the entries as a map",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const requests = () => emulator.inspect.stats().requests;
    const heldSets = async () =>
      (
        JSON.parse(await program.pulumi(["stack", "export"])) as {
          deployment: {
            resources: {
              type: string;
              inputs?: Record<string, unknown>;
              outputs?: Record<string, unknown>;
            }[];
          };
        }
      ).deployment.resources.filter(
        (r) => r.type === SET_TYPE && Object.keys(decodeEntries(r.outputs?.enrollments)).length > 0,
      );
    /** Each set entry's keys as `npm run enrollment-key` reads them from the state (no stack output holds them). */
    async function keysInTheState(): Promise<Record<string, unknown>> {
      const state = JSON.parse(await program.pulumi(["stack", "export", "--show-secrets"])) as StackExport;
      return Object.fromEntries(IDS.map((id) => [id, keysInState(state.deployment, id).map((f) => f.keys)]));
    }
    async function dpsView(): Promise<Record<string, unknown>> {
      const sdk = serviceClientFor(emulator);
      const view: Record<string, unknown> = {};
      for (const id of IDS) {
        const record = await sdk.getIndividualEnrollment(id);
        const keys = await sdk.getIndividualEnrollmentAttestationMechanism(id);
        view[id] = { etag: record.responseBody.etag, keys: keys.responseBody.symmetricKey };
      }
      return view;
    }

    beforeAll(async () => {
      upgrade = await previous.start(engine, {
        stackName: "set-entries",
        manifests: { "meters.yaml": manifest() },
      });
      ({ program, emulator } = upgrade);
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades in place: a no-op preview and up, no DPS request, no key changed, outputs only without the batched rows", async () => {
      await program.up({ onOutput: program.onOutput });
      const sets = await heldSets();
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) expect(typeof set.outputs?.enrollments).toBe("object"); // the old form
      const dpsBefore = await dpsView();
      const outputsBefore = await program.stack.outputs();

      await upgradeAsNoOp(upgrade!);
      expect(await dpsView()).toEqual(dpsBefore);
      // The older version listed each set entry in `enrollments` and `individualEnrollmentKeys`;
      // this one has a row per set (batchedEnrollments) and the keys in the state only, unchanged.
      const expected = withoutBatchedRows(outputsBefore, IDS);
      const outputsAfter = await program.stack.outputs();
      expect(outputsAnOlderVersionHad(expected, outputsAfter)).toEqual(expected);
      const setRows = Object.values(
        outputsAfter["batchedEnrollments"]!.value as Record<string, { enrollments: number }>,
      );
      expect(setRows.reduce((sum, row) => sum + row.enrollments, 0)).toBe(IDS.length);
      const keysBefore = outputsBefore["individualEnrollmentKeys"]!.value as Record<string, unknown>;
      expect(await keysInTheState()).toEqual(Object.fromEntries(IDS.map((id) => [id, [keysBefore[id]]])));
    });

    it("previews a change of one entry by entry and field, and its update stores the text", async () => {
      program.writeManifest("meters.yaml", manifest("two"));
      const printed = await program.pulumi(["preview", "--diff"]);
      // The set's part of the diff (the stack's outputs follow, with every entry's source line).
      const diff = printed.slice(printed.indexOf("EnrollmentSet: (update)"), printed.indexOf("--outputs:--"));
      expect(diff).toMatch(/~ entries-meter-1: \{/); // an update of the set naming the entry ...
      expect(diff).toMatch(/\+ initialTwin\s*: \{/); // ... and the field
      expect(diff).not.toContain(IDS[1]); // unchanged entries do not appear
      expect(printed).not.toMatch(/\+-.*EnrollmentSet/); // not a replace
      await program.up({ onOutput: program.onOutput });
      const updated = (await heldSets()).find((set) => IDS[0]! in decodeEntries(set.outputs?.enrollments))!;
      // The outputs hold the entries sent, hubs resolved to host names, as the canonical text packed.
      expect(updated.outputs?.enrollments).toBe(encodePackedEntries(resolvedInputs(updated)));
      expect(JSON.stringify(updated.outputs?.secrets)).toContain("ciphertext"); // secret in state
    });

    it("then a refresh stores every set's text, inputs as texts too, and nothing changes", async () => {
      const dpsBefore = await dpsView();
      const keysBefore = await keysInTheState();
      await program.refresh({ onOutput: program.onOutput });
      for (const set of await heldSets()) {
        expect(set.outputs?.enrollments).toBe(encodePackedEntries(resolvedInputs(set)));
        for (const secrets of [set.inputs?.secrets, set.outputs?.secrets])
          expect(JSON.stringify(secrets)).toContain("ciphertext"); // secret in state
      }
      const before = requests();
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
      expect(requests() - before).toBe(0);
      expect(await dpsView()).toEqual(dpsBefore);
      expect(await keysInTheState()).toEqual(keysBefore);
    });
  },
  previous.missing,
);
