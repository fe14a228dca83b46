// The set-up every state-upgrade test shares: an older commit's program files taken from git, an
// emulator, and a stack of that older program wired to it, which the test deploys, then upgrades
// in place to this checkout's program (program.installProgramFrom(projectRoot)), as a user's
// stack is upgraded.
import * as fs from "node:fs";
import type { PreviewResult } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import type { EmulatorOptions, RunningEmulator } from "../emulator";
import { startTestEmulator } from "./emulator";
import { projectRoot, type Engine } from "./find-engine";
import { createLocalProgram, PROGRAM_FILES, type LocalProgram } from "./local-program";
import { programAtCommit } from "./program-at-commit";

export interface OlderVersionStack {
  /** A stack of the older program (not deployed yet), on its own file backend. */
  readonly program: LocalProgram;
  readonly emulator: RunningEmulator;
  /** Removes the program copy, its backend and the older files, and stops the emulator. */
  cleanup(): Promise<void>;
}

export interface OlderVersion {
  /**
   * Takes the commit's files from git; why they cannot be had (a shallow clone), else undefined.
   * Pass it to describeWithEngine as `alsoMissing`, so a clone without the history skips the
   * suite loudly (or fails it under CI=true).
   */
  readonly missing: () => string | undefined;
  /**
   * Starts an emulator (startTestEmulator with `emulator`) and creates the older program's stack,
   * with `config` set over the committed local stack's.
   */
  start(
    engine: Engine,
    options: {
      stackName: string;
      manifests: Record<string, string>;
      config?: Record<string, { value: string; secret?: boolean }>;
      emulator?: EmulatorOptions;
    },
  ): Promise<OlderVersionStack>;
}

/**
 * The program as it was at `commit`: `files` (default: what a program copy holds today; an older
 * version may predate some of them) taken from git once per test file.
 */
export function programFromOlderVersion(
  commit: string,
  files: readonly string[] = PROGRAM_FILES,
): OlderVersion {
  let tree: ReturnType<typeof programAtCommit> | undefined;
  const missing = () => {
    tree ??= programAtCommit(commit, files);
    return "missing" in tree ? tree.missing : undefined;
  };
  return {
    missing,
    async start(engine, options) {
      const why = missing();
      if (why !== undefined) throw new Error(why);
      const sourceRoot = (tree as { dir: string }).dir;
      const removeTree = () => {
        fs.rmSync(sourceRoot, { recursive: true, force: true });
        tree = undefined; // a later start takes the files again
      };
      let emulator: RunningEmulator | undefined;
      try {
        emulator = await startTestEmulator(options.emulator);
        const program = await createLocalProgram(engine, emulator, {
          stackName: options.stackName,
          manifests: options.manifests,
          config: options.config,
          sourceRoot,
        });
        const running = emulator;
        return {
          program,
          emulator: running,
          async cleanup() {
            program.cleanup();
            removeTree();
            await running.stop();
          },
        };
      } catch (error) {
        removeTree();
        await emulator?.stop();
        throw error;
      }
    },
  };
}

/**
 * The upgrade every "upgrades in place" test makes: this checkout's program installed over the
 * older one, then its first preview and up, each of which must change nothing, with no DPS request
 * (the emulator's count). What else the upgrade must keep or store is the test's own to check.
 */
export async function upgradeAsNoOp({ program, emulator }: OlderVersionStack): Promise<{
  preview: PreviewResult;
  up: Awaited<ReturnType<LocalProgram["up"]>>;
}> {
  const dpsRequests = () => emulator.inspect.stats().requests;
  program.installProgramFrom(projectRoot);
  const before = dpsRequests();
  const preview = await program.stack.preview({ onOutput: program.onOutput });
  expect(Object.keys(preview.changeSummary), "the first preview after the upgrade").toEqual(["same"]);
  const up = await program.up({ onOutput: program.onOutput });
  expect(Object.keys(up.summary.resourceChanges ?? {}), "the first up after the upgrade").toEqual(["same"]);
  expect(dpsRequests() - before, "DPS requests of the upgrade's preview and up").toBe(0);
  return { preview, up };
}
