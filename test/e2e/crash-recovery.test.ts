// `pulumi up` and `pulumi destroy` killed (SIGKILL to the CLI and all its children, as a
// cancelled pipeline or a dead runner does) before the lock, during creates, during updates and
// during deletes; then the next run converges with the commands the README and the workflows
// use: locally `npm run unlock-stale` (removes only locks of a pulumi that no longer runs) then
// `pulumi up`; in the pipeline `pulumi cancel --yes` (its runs are serialised per stack) then
// `pulumi up --refresh`. Nothing lost, nothing duplicated, no key changed, no manifest edited.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Logger, RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { clearStaleLocks, findLocks } from "../../scripts/recover/stale-locks";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { symmetricKeyDevicesManifest } from "../../testkit/manifests";
import { providersLeftAfter } from "../../testkit/provider-processes";

const COUNT = 24;
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

  /** Starts `pulumi <args>` in its own process group and SIGKILLs the whole group once `when()` holds. */
  async function killDuring(args: string[], when: () => boolean): Promise<void> {
    const child = spawn(program.cli.path, [...args, "--stack", "crash", "--non-interactive"], {
      cwd: program.dir,
      env: program.cli.env,
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 180_000;
    while (!when()) {
      if (Date.now() > deadline)
        throw new Error(`pulumi ${args.join(" ")}: the kill point was never reached`);
      await new Promise((r) => setTimeout(r, 5));
    }
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    await new Promise((r) => setTimeout(r, 300)); // let the kernel reap the rest of the group
  }

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
    const state = JSON.parse(await program.pulumi(["stack", "export"])) as {
      deployment: { resources?: { type: string; id?: string }[] };
    };
    return (state.deployment.resources ?? [])
      .filter((r) => r.type.endsWith("dps:IndividualEnrollment"))
      .map((r) => r.id ?? "");
  }

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
    const result = await program.stack.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(await dpsIds()).toEqual(ids);
    await program.stack.destroy({ onOutput: program.onOutput });
    expect(await dpsIds()).toEqual([]);
  }, 300_000);

  it("during creates: enrollments that reached DPS but not the state are recognised as this stack's own (locally: unlock-stale, then up)", async () => {
    const before = log.puts;
    await killDuring(["up", "--yes", "--skip-preview"], () => log.puts >= before + COUNT / 2);
    // The engine starts providers in process groups of their own, so the kill above did not
    // reach them: they end by themselves once their pulumi is gone (orphan-watchdog.js).
    expect(await providersLeftAfter(program.dir, 15_000)).toEqual([]);
    const onDps = await dpsIds();
    const inState = await enrollmentsInState();
    expect(onDps.length).toBeGreaterThan(inState.length); // the case the owner marker is for
    const keysBefore = await keysOnDps();
    expect(findLocks(program.backendDir, "crash")).toHaveLength(1);

    const { removed, kept } = clearStaleLocks(program.backendDir, "crash");
    expect([removed.length, kept.length]).toEqual([1, 0]);
    const result = await program.stack.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(await dpsIds()).toEqual(ids);
    expect((await enrollmentsInState()).sort()).toEqual(ids);
    const keysAfter = await keysOnDps();
    for (const [id, keys] of keysBefore) expect(keysAfter.get(id), id).toBe(keys);
    expect(program.output.join("")).toMatch(/already exists on DPS with this stack's owner marker/);
  }, 300_000);

  it("during updates: in the pipeline, `pulumi cancel --yes` then `pulumi up --refresh` (keys unchanged)", async () => {
    const keysBefore = await keysOnDps();
    program.writeManifest("fleet.yaml", manifest(60));
    const before = log.puts;
    await killDuring(["up", "--yes", "--skip-preview"], () => log.puts >= before + COUNT / 2);
    await program.pulumi(["cancel", "--yes"]);
    await program.pulumi(["up", "--yes", "--skip-preview", "--refresh"]);
    for (const id of ids) {
      const record = (await sdk().getIndividualEnrollment(id)).responseBody;
      expect(record.initialTwin?.properties?.desired, id).toMatchObject({ interval: 60 });
    }
    expect(await keysOnDps()).toEqual(keysBefore);
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: COUNT + 4 }); // + stack, platform (2), enrollment ledger
  }, 300_000);

  it("during deletes: `pulumi cancel --yes` then `pulumi destroy` leaves DPS empty", async () => {
    const before = log.deletes;
    await killDuring(["destroy", "--yes", "--skip-preview"], () => log.deletes >= before + COUNT / 2);
    expect((await dpsIds()).length).toBeLessThan(COUNT);
    await program.pulumi(["cancel", "--yes"]);
    await program.pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(await dpsIds()).toEqual([]);
    expect(await enrollmentsInState()).toEqual([]);
  }, 300_000);
});
