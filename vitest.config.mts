import { defineConfig } from "vitest/config";

// Unit tests run in parallel; tests that drive the real Pulumi engine or a long-lived
// emulator live in test/e2e and run one file at a time (file backends lock per stack,
// and the machine has two cores).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "emulator/test/**/*.test.ts", "policy/test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/variants/**", "**/node_modules/**"],
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
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
