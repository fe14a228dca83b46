// `pulumi up` and `pulumi destroy` killed (SIGKILL to the CLI and all its children, as a
// cancelled pipeline or a dead runner does) before the lock, during creates, during updates and
// during deletes; then the next run converges with the commands the README and the workflows
// use: locally `npm run unlock-stale` (removes only locks of a pulumi that no longer runs, then
// resolves the operations the killed run left pending) then `pulumi up`; in the pipeline
// `npm run clear-dead-locks` as pulumi-up.yml runs it (it removes the killed run's lock: its
// process no longer runs), `npm run resolve-pending`, then `pulumi up --refresh`. Nothing lost,
// nothing duplicated, no key changed, no manifest edited, and no pending operation left in the
// state. The batch path: crash-recovery-sets.test.ts.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Logger, RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { findLocks } from "../../scripts/recover/locks";
import { describeWithEngine } from "../../testkit/engine";
import {
  clearDeadLocksAsThePipelineDoes,
  createdCount,
  exportedState,
  killWhen,
  runScript,
} from "../../testkit/interrupted-run";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { symmetricKeyDevicesManifest } from "../../testkit/manifests";
import { providersLeftAfter } from "../../testkit/provider-processes";

const COUNT = 24;
const ENROLLMENT = "dps:IndividualEnrollment::";
const ids = Array.from({ length: COUNT }, (_, i) => `crash-${String(i).padStart(2, "0")}`);
const manifest = (interval: number) => symmetricKeyDevicesManifest(ids, interval);

/** Counts the emulator's write requests ("PUT <operation> <status> <ms>" lines). */
function writeCounter(): Logger & { puts: number; deletes: number } {
  const counter = {
    puts: 0,
    deletes: 0,
    info(line: string) {
      if (/^PUT IndividualEnrollment_CreateOrUpdate 200/.test(line)) counter.puts++;
      if (/^DELETE IndividualEnrollment_Delete 204/.test(line)) counter.deletes++;
    },
    warn: () => {},
    error: () => {},
  };
  return counter;
}

describeWithEngine("a run killed at any moment is repaired by the next one", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const log = writeCounter();
  const sdk = () => serviceClientFor(emulator);

  /** Kills `pulumi <args>` of the stack once `when()` holds (see killWhen). */
  const killDuring = (args: string[], when: (output: string) => boolean) =>
    killWhen(program, "crash", args, when);

  async function keysOnDps(): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    for (const id of ids) {
      try {
        const mechanism = (await sdk().getIndividualEnrollmentAttestationMechanism(id)).responseBody;
        keys.set(id, `${mechanism.symmetricKey?.primaryKey}/${mechanism.symmetricKey?.secondaryKey}`);
      } catch {
        // absent
      }
    }
    return keys;
  }

  async function enrollmentsInState(): Promise<string[]> {
    return (await exportedState(program)).resources
      .filter((r) => r.type.endsWith("dps:IndividualEnrollment"))
      .map((r) => r.id ?? "");
  }

  /** The registration id a URN of an IndividualEnrollment names (its resource name). */
  const idOf = (urn: string) => urn.split("::").pop()!;

  async function dpsIds(): Promise<string[]> {
    const page = await sdk().createIndividualEnrollmentQuery({ query: "*" }, 1000).next();
    return (page.responseBody as unknown as { registrationId: string }[]).map((e) => e.registrationId).sort();
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ logger: log, logRequests: true });
    program = await createLocalProgram(engine, emulator, {
      stackName: "crash",
      manifests: { "fleet.yaml": manifest(30) },
    });
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("before the lock: the next `pulumi up` just runs", async () => {
    let started = false;
    setTimeout(() => (started = true), 1);
    await killDuring(["up", "--yes", "--skip-preview"], () => started);
    expect(findLocks(program.backendDir, "crash")).toEqual([]);
    const result = await program.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(await dpsIds()).toEqual(ids);
    await program.destroy({ onOutput: program.onOutput });
    expect(await dpsIds()).toEqual([]);
  }, 300_000);

  it("during creates, after the CLI reported some: `npm run unlock-stale` takes the creates that reached DPS into the state, clears the others; then `pulumi up` ends clean", async () => {
    const before = log.puts;
    await killDuring(
      ["up", "--yes", "--skip-preview"],
      (output) => createdCount(output, "dps:IndividualEnrollment") >= 4 && log.puts >= before + COUNT / 2,
    );
    // The engine starts providers in process groups of their own, so the kill above did not
    // reach them: they end by themselves once their pulumi is gone (orphan-watchdog.js).
    expect(await providersLeftAfter(program.dir, 15_000)).toEqual([]);
    const killed = await exportedState(program);
    const pendingCreates = killed.pendingOperations
      .filter((op) => op.type === "creating" && op.urn.includes(ENROLLMENT))
      .map((op) => idOf(op.urn));
    expect(pendingCreates.length).toBeGreaterThan(0); // the case the recovery is for: creates in flight
    const onDps = await dpsIds();
    const reached = pendingCreates.filter((id) => onDps.includes(id));
    expect(reached.length).toBeGreaterThan(0); // created on DPS, not recorded by the engine
    const keysBefore = await keysOnDps();
    expect(findLocks(program.backendDir, "crash")).toHaveLength(1);

    const unlock = await runScript(program, "unlock-stale", ["--stack", "crash"]);
    expect(unlock.code, unlock.stdout + unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/^removed the lock of a pulumi that no longer runs: /m);
    for (const id of pendingCreates)
      expect(unlock.stdout).toContain(
        reached.includes(id)
          ? `pending create of individual enrollment "${id}": on DPS with this stack's owner marker; taken into the state with id ${id}\n`
          : `pending create of individual enrollment "${id}": not on DPS; cleared`,
      );
    expect(unlock.stdout).toMatch(/\nno pending operation left\n$/);
    // It read the stack's decrypted inputs to reach DPS: none of their secrets is printed.
    const printed = unlock.stdout + unlock.stderr;
    expect(printed).not.toContain(emulator.connectionString);
    expect(printed).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/); // no key (DPS generates 64 bytes: 88 base64 characters)
    const recovered = await exportedState(program);
    expect(recovered.pendingOperations).toEqual([]);
    for (const id of reached) {
      const resource = recovered.resources.find(
        (r) => r.type.endsWith("dps:IndividualEnrollment") && r.id === id,
      );
      // Read back from DPS by the tool's refresh: the keys DPS generated, and its ETag.
      expect(resource?.outputs, id).toMatchObject({ registrationId: id, etag: expect.any(String) });
      expect(resource?.outputs?.primaryKey, id).toBeDefined();
    }

    const result = await program.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(result.stdout).not.toMatch(/pending operations from previous deployment/);
    expect(await dpsIds()).toEqual(ids);
    expect((await enrollmentsInState()).sort()).toEqual(ids);
    expect((await exportedState(program)).pendingOperations).toEqual([]);
    const keysAfter = await keysOnDps();
    for (const [id, keys] of keysBefore) expect(keysAfter.get(id), id).toBe(keys);
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: COUNT + 4 }); // + stack, platform (2), enrollment ledger
  }, 420_000); // under load on two shared cores it has taken 146 s

  it("during updates: in the pipeline, `npm run clear-dead-locks`, `npm run resolve-pending`, then `pulumi up --refresh` (keys unchanged)", async () => {
    const keysBefore = await keysOnDps();
    program.writeManifest("fleet.yaml", manifest(60));
    const before = log.puts;
    await killDuring(["up", "--yes", "--skip-preview"], () => log.puts >= before + COUNT / 2);
    const killed = await exportedState(program);
    expect(killed.pendingOperations.map((op) => op.type)).toContain("updating");
    const cleared = await clearDeadLocksAsThePipelineDoes(program, "crash");
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(
      /^removed the lock of a dead run: .*: its process \d+ no longer runs on this host$/m,
    );
    const resolve = await runScript(program, "resolve-pending", ["--stack", "crash"]);
    expect(resolve.code, resolve.stdout + resolve.stderr).toBe(0);
    for (const op of killed.pendingOperations.filter((op) => op.urn.includes(ENROLLMENT)))
      expect(resolve.stdout).toContain(
        `pending update of individual enrollment "${idOf(op.urn)}": cleared; read back from DPS\n`,
      );
    expect((await exportedState(program)).pendingOperations).toEqual([]);
    await program.pulumi(["up", "--yes", "--skip-preview", "--refresh"]);
    for (const id of ids) {
      const record = (await sdk().getIndividualEnrollment(id)).responseBody;
      expect(record.initialTwin?.properties?.desired, id).toMatchObject({ interval: 60 });
    }
    expect(await keysOnDps()).toEqual(keysBefore);
    expect((await exportedState(program)).pendingOperations).toEqual([]);
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: COUNT + 4 }); // + stack, platform (2), enrollment ledger
  }, 300_000);

  it("during deletes: `npm run clear-dead-locks`, `npm run resolve-pending` (drops from the state what DPS no longer holds), then `pulumi destroy` leaves DPS empty", async () => {
    const before = log.deletes;
    await killDuring(["destroy", "--yes", "--skip-preview"], () => log.deletes >= before + COUNT / 2);
    expect((await dpsIds()).length).toBeLessThan(COUNT);
    const killed = await exportedState(program);
    expect(killed.pendingOperations.map((op) => op.type)).toContain("deleting");
    const cleared = await clearDeadLocksAsThePipelineDoes(program, "crash");
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(
      /^removed the lock of a dead run: .*: its process \d+ no longer runs on this host$/m,
    );
    const resolve = await runScript(program, "resolve-pending", ["--stack", "crash"]);
    expect(resolve.code, resolve.stdout + resolve.stderr).toBe(0);
    expect(resolve.stdout).toMatch(
      /^pending delete of individual enrollment "crash-\d\d": cleared; read back from DPS$/m,
    );
    const resolved = await exportedState(program);
    expect(resolved.pendingOperations).toEqual([]);
    // What the killed destroy had deleted is no longer in the state: the state is what DPS holds.
    expect((await enrollmentsInState()).sort()).toEqual(await dpsIds());
    await program.pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(await dpsIds()).toEqual([]);
    expect(await enrollmentsInState()).toEqual([]);
    expect((await exportedState(program)).pendingOperations).toEqual([]);
  }, 300_000);
});
