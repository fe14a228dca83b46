// The batch path killed in the middle of a bulk apply: `pulumi up` is SIGKILLed once
// the CLI has reported a set created while other sets' bulk writes are under way; then the
// pipeline's steps, in its order: `npm run clear-dead-locks`, `npm run resolve-pending`, the drift run's
// refresh preview and the PR's preview (both must pass), and the deploy's `pulumi up --refresh`.
// Asserted: the sets whose entries reached DPS with this stack's owner marker are in the state
// with their ids, holding exactly those entries; the others cleared; no pending operation
// anywhere; DPS holds exactly the manifest; the next preview changes nothing.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, silentLogger, type RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import {
  clearDeadLocksAsThePipelineDoes,
  createdCount,
  exportedState,
  killWhen,
  runScript,
  type ExportedState,
} from "../../testkit/interrupted-run";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { decodeEntries } from "@dps-as-code/contract";

const COUNT = 80;
const SHARDS = 4;
const ids = Array.from({ length: COUNT }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
const manifest =
  "mode: batch\ndefaults: { iotHubs: [weu], allocationPolicy: static }\nindividualEnrollments:\n" +
  ids.map((id) => `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n`).join("");
const SET = "dps:EnrollmentSet";
const BULK = "IndividualEnrollment_RunBulkOperation";

const setsIn = (state: ExportedState) => state.resources.filter((r) => r.type.endsWith(SET));
const heldIds = (state: ExportedState) =>
  setsIn(state)
    .flatMap((r) => Object.keys(decodeEntries(r.outputs?.enrollments)))
    .sort();

describeWithEngine(
  "a run killed in the middle of a bulk apply is repaired by the pipeline's next run",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;

    async function dpsIds(): Promise<string[]> {
      const query = serviceClientFor(emulator).createIndividualEnrollmentQuery({ query: "*" }, 100);
      const found: string[] = [];
      while (query.hasMoreResults) {
        const page = (await query.next()).responseBody as unknown as { registrationId: string }[];
        found.push(...page.map((e) => e.registrationId));
      }
      return found.sort();
    }

    beforeAll(async () => {
      emulator = await startEmulator({ ephemeral: true, retryAfterSeconds: 0, logger: silentLogger });
      program = await createLocalProgram(engine, emulator, {
        stackName: "bulkcrash",
        manifests: { "fleet.yaml": manifest },
        // Few sets of ~20 (two bulk calls each), paced slowly enough that a kill finds some mid-apply.
        config: {
          "dps-as-code:enrollmentSets": {
            value: JSON.stringify({ shards: SHARDS, operationsPerMinute: 600 }),
          },
        },
      });
    });

    afterAll(async () => {
      program?.cleanup();
      await emulator?.stop();
    });

    it("clear-dead-locks, resolve-pending, the drift and PR previews, then up --refresh: no pending operation, DPS as declared", async () => {
      const bulkCalls = () => emulator.inspect.stats().byOperation[BULK] ?? 0;
      await killWhen(
        program,
        "bulkcrash",
        ["up", "--yes", "--skip-preview"],
        (output) => createdCount(output, SET) >= 1 && bulkCalls() >= 3,
      );
      const killed = await exportedState(program);
      const pendingSets = killed.pendingOperations.filter(
        (op) => op.type === "creating" && op.urn.includes(SET),
      );
      expect(pendingSets.length).toBeGreaterThan(0);
      const onDps = await dpsIds();
      expect(onDps.length).toBeGreaterThan(heldIds(killed).length); // entries of pending sets reached DPS

      const cleared = await clearDeadLocksAsThePipelineDoes(program, "bulkcrash");
      expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
      expect(cleared.stdout).toMatch(
        /^removed the lock of a dead run: .*: its process \d+ no longer runs on this host$/m,
      );
      const resolve = await runScript(program, "resolve-pending", ["--stack", "bulkcrash"]);
      expect(resolve.code, resolve.stdout + resolve.stderr).toBe(0);
      for (const op of pendingSets) {
        const shard = op.urn.split("::").pop()!.replace("enrollment-set-", "");
        expect(resolve.stdout).toMatch(
          new RegExp(
            `^pending create of enrollment set ${shard}: (\\d+ of its \\d+ enrollments are on DPS with this stack's owner marker; taken into the state with id ${shard}, holding those|none of its \\d+ enrollments is on DPS with this stack's owner marker; cleared)`,
            "m",
          ),
        );
      }
      expect(resolve.stdout).toMatch(
        /^pending create of enrollment set \S+: \d+ of its \d+ enrollments are on DPS/m,
      );
      expect(resolve.stdout).toMatch(/\nno pending operation left\n$/);
      const resolved = await exportedState(program);
      expect(resolved.pendingOperations).toEqual([]);
      // Every entry the state holds is on DPS, read back (keys and ETags recorded).
      const held = heldIds(resolved);
      expect(held.filter((id) => !onDps.includes(id))).toEqual([]);
      expect(held.length).toBeGreaterThan(heldIds(killed).length);
      for (const set of setsIn(resolved)) expect(set.outputs?.metadata, set.urn).toEqual(expect.any(String));

      // The scheduled drift run and the PR preview, as their workflows run them: both pass.
      await program.pulumi(["refresh", "--preview-only"]);
      await program.pulumi(["preview", "--refresh"]);
      const up = await program.pulumi(["up", "--yes", "--skip-preview", "--refresh"]);
      expect(up).not.toMatch(/pending operations from previous deployment/);
      expect(await dpsIds()).toEqual(ids);
      const final = await exportedState(program);
      expect(final.pendingOperations).toEqual([]);
      expect(heldIds(final)).toEqual(ids);
      expect(
        setsIn(final)
          .map((r) => r.id)
          .sort(),
      ).toEqual(Array.from({ length: SHARDS }, (_, i) => `${i}-of-${SHARDS}`)); // shard ids: sharding.ts
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      expect(preview.changeSummary).toEqual({ same: SHARDS + 4 }); // + stack, platform (2), enrollment ledger
    }, 400_000);
  },
);
