// A stack made by the version whose EnrollmentSets stored their ETags and keys as maps and whose
// enrollment ledger stored a list of records (commit 380c333, taken from git), upgraded in place
// by this version, which stores them as lines and the entries and secrets as the canonical text
// (contract/resources/set-stored-form.ts, components/fleet/ledger-lines.ts): the first up changes
// only the ledger's state, makes no DPS request, changes no key; a refresh then stores the sets'
// texts with one listing and no key read; nothing changes after that.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { operationLog } from "../../testkit/dps-operations";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, type OlderVersionStack } from "../../testkit/older-version";
import { outputsAnOlderVersionHad, withoutBatchedRows } from "../../testkit/program-at-commit";
import { enrollmentKey } from "../../scripts/enrollment-key/keys-in-state";
import type { StackExport } from "../../scripts/recover/pending-plan";
import { decodeEntries } from "@dps-as-code/contract";

/** The last commit whose sets and ledger stored objects per entry. */
const OBJECTS_PER_ENTRY_COMMIT = "380c333";

const previous = programFromOlderVersion(OBJECTS_PER_ENTRY_COMMIT);

const BATCH_IDS = ["stored-meter-1", "stored-meter-2", "stored-meter-3"];
const MANIFESTS = {
  "meters.yaml": `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
${BATCH_IDS.map((id) => `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n`).join("")}`,
  "single.yaml": `mode: individual
individualEnrollments:
  - registrationId: stored-single-1
    attestation: { type: symmetricKey }
`,
};
const SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
const LEDGER_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentLedger";

interface StoredResource {
  type: string;
  outputs?: Record<string, unknown>;
}

describeWithEngine(
  "upgrading a stack whose sets and ledger stored objects per entry",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const log = operationLog();
    const requests = () => emulator.inspect.stats().requests;
    // As stored: the CLI's export without --show-secrets (the Automation API's exportStack shows them).
    const resources = async (type: string) =>
      (
        JSON.parse(await program.pulumi(["stack", "export"])) as {
          deployment: { resources: StoredResource[] };
        }
      ).deployment.resources.filter((r) => r.type === type);
    const heldSets = async () =>
      (await resources(SET_TYPE)).filter(
        (set) => Object.keys(decodeEntries(set.outputs?.enrollments)).length > 0,
      );

    /** The batched enrollments' keys as `npm run enrollment-key` reads them from the state (no stack output holds them). */
    async function batchedKeys(): Promise<Record<string, { primaryKey: string; secondaryKey: string }>> {
      const state = JSON.parse(await program.pulumi(["stack", "export", "--show-secrets"])) as StackExport;
      const key = (id: string, slot: "primary" | "secondary") =>
        enrollmentKey(state.deployment, id, slot, "test");
      return Object.fromEntries(
        BATCH_IDS.map((id) => [id, { primaryKey: key(id, "primary"), secondaryKey: key(id, "secondary") }]),
      );
    }

    /** Each enrollment's ETag and keys as DPS holds them. */
    async function dpsView(): Promise<Record<string, unknown>> {
      const sdk = serviceClientFor(emulator);
      const view: Record<string, unknown> = {};
      for (const id of [...BATCH_IDS, "stored-single-1"]) {
        const record = await sdk.getIndividualEnrollment(id);
        const keys = await sdk.getIndividualEnrollmentAttestationMechanism(id);
        view[id] = { etag: record.responseBody.etag, keys: keys.responseBody.symmetricKey };
      }
      return view;
    }

    beforeAll(async () => {
      upgrade = await previous.start(engine, {
        stackName: "stored-form",
        manifests: MANIFESTS,
        emulator: { logger: log.logger, logRequests: true },
      });
      ({ program, emulator } = upgrade);
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades in place: only the ledger's state is rewritten, no DPS request, no key changed", async () => {
      await program.up({ onOutput: program.onOutput });
      const sets = await heldSets();
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) expect(typeof set.outputs?.metadata).toBe("object"); // the old form
      const [ledger] = await resources(LEDGER_TYPE);
      expect(Array.isArray(ledger!.outputs?.individualEnrollments)).toBe(true);
      const dpsBefore = await dpsView();
      const outputsBefore = await program.stack.outputs();

      program.installProgramFrom(projectRoot);
      const before = requests();
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      expect(preview.changeSummary).toEqual({ same: 36, update: 1 }); // the ledger
      const upgraded = await program.up({ onOutput: program.onOutput });
      expect(upgraded.summary.resourceChanges).toEqual({ same: 36, update: 1 });
      expect(requests() - before).toBe(0);
      const [after] = await resources(LEDGER_TYPE);
      // Its update stores today's outputs: digests of the record (a secret), not the record again.
      expect(after!.outputs?.individualEnrollments).toBeUndefined();
      expect(JSON.stringify(after!.outputs?.recorded)).toContain("ciphertext");
      expect(await dpsView()).toEqual(dpsBefore);
      // The older version listed each set entry in `enrollments` and `individualEnrollmentKeys`; this
      // one lists only the per-enrollment path there (the batch path: a row per set, keys in the state).
      const expected = withoutBatchedRows(outputsBefore, BATCH_IDS);
      expect(outputsAnOlderVersionHad(expected, await program.stack.outputs())).toEqual(expected);
      const keysBefore = outputsBefore["individualEnrollmentKeys"]!.value as Record<string, unknown>;
      expect(await batchedKeys()).toEqual(Object.fromEntries(BATCH_IDS.map((id) => [id, keysBefore[id]])));
    });

    it("then a refresh stores the sets' texts with one listing and no key read, and nothing changes", async () => {
      const dpsBefore = await dpsView();
      const keysBefore = (await program.outputs())["individualEnrollmentKeys"]!.value as Record<
        string,
        unknown
      >;
      const beforeRefresh = log.operations.length;
      await program.refresh({ onOutput: program.onOutput });
      const counts = log.countsSince(beforeRefresh);
      expect(counts.IndividualEnrollment_GetAttestationMechanism ?? 0).toBe(0);
      for (const set of await heldSets()) {
        expect(typeof set.outputs?.metadata).toBe("string");
        expect(String(set.outputs?.enrollments)).toMatch(/^gzip\+base64:/); // the canonical text packed
        expect(JSON.stringify(set.outputs?.keys)).toContain("ciphertext"); // still a secret
      }
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      expect(preview.changeSummary).toEqual({ same: 37 });
      await program.up({ onOutput: program.onOutput });
      expect(await dpsView()).toEqual(dpsBefore);
      const keysAfter = (await program.outputs())["individualEnrollmentKeys"]!.value as Record<
        string,
        unknown
      >;
      expect(keysAfter).toEqual(keysBefore);
      const batched = await batchedKeys();
      for (const id of BATCH_IDS)
        expect(batched[id]).toEqual(dpsBefore[id] && (dpsBefore[id] as { keys: unknown }).keys);
    });
  },
  previous.missing,
);
