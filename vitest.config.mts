import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

// Two test files at a time even on two cores (vitest's default, one less than the cores, runs
// them one by one there): a file's time is mostly spent waiting on its subprocesses (the
// engine, the language host, the project's CLIs, emulator round trips), and the other file
// fills that time. Every project uses the same count, so vitest queues unit, variants and e2e
// files in one pool (by project name, e2e first; in a project, the last run's slowest file
// first, or the largest when it has no record). End-to-end files may run side by side: each
// has its own file backend (testkit/find-engine.ts isolatedBackend), program copy in a temp
// folder and emulator on a free port; they share what they only read (the CLI, node_modules,
// the policy pack), PULUMI_HOME (workspace files named after their own folder, and logs), and
// the content-keyed transpile cache, which is written by rename.
const workers = Math.max(2, availableParallelism() - 1);

const UNIT_FILES = ["test/**/*.test.ts", "emulator/test/**/*.test.ts", "policy/test/**/*.test.ts"];
const NOT_UNIT = ["test/e2e/**", "test/variants/**", "**/node_modules/**"];

// Unit files share one module graph per worker (isolate: false): re-importing the product and
// @pulumi/pulumi for every file was most of the unit run's CPU (187 s -> 106 s on two cores).
// Files that start Pulumi's mock runtime (pulumi.runtime.setMocks), themselves or through a
// helper, keep a graph of their own: that runtime lives in module-global state (the stack
// resource, registered resources, config), which the next file in the worker would inherit.
// They are found by what they call and import, so a new one cannot be missed.
const callsSetMocks = (file: string) => fs.readFileSync(file, "utf8").includes("runtime.setMocks(");
const mockHelpers = fs
  .globSync(["testkit/**/*.ts", "test/**/*.ts"])
  .filter((file) => !file.endsWith(".test.ts") && callsSetMocks(file))
  .map((file) => `/${path.basename(file, ".ts")}"`);
const STARTS_PULUMI_MOCKS = fs
  .globSync(UNIT_FILES)
  .filter((file) => !/^test\/(e2e|variants)\//.test(file))
  .filter((file) => {
    const text = fs.readFileSync(file, "utf8");
    return callsSetMocks(file) || mockHelpers.some((helper) => text.includes(helper));
  })
  .sort();

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: UNIT_FILES,
          exclude: [...NOT_UNIT, ...STARTS_PULUMI_MOCKS],
          isolate: false,
          maxWorkers: workers,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "unit-pulumi-mocks",
          include: STARTS_PULUMI_MOCKS,
          maxWorkers: workers,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The product under every answer DPS might give where it is undocumented
        // (emulator/variants.ts): `npm run test:variants`, a step of its own in CI.
        test: {
          name: "variants",
          include: ["test/variants/**/*.test.ts"],
          maxWorkers: workers,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Tests that drive the real Pulumi engine or a long-lived emulator.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          maxWorkers: workers,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
