// Access to the real Pulumi engine for end-to-end tests: the pinned CLI that
// scripts/setup.sh installs (or a recent enough `pulumi` on PATH), with the project's
// offline settings from scripts/env.sh. Tests that need the engine declare their suite with
// `describeWithEngine()`: outside CI a missing CLI skips them with a loud reason; under
// CI=true it fails, so a broken set-up can never pass as green.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe } from "vitest";

export const projectRoot = path.resolve(__dirname, "..", "..");

export interface Engine {
  /** Directory holding bin/pulumi (for PulumiCommand.get({ root })). */
  root: string;
  version: string;
  /** Environment for child processes: PATH with Node 24 and pulumi first, offline settings. */
  env: Record<string, string>;
}

let cached: Engine | undefined | null = null;

/** Loads scripts/env.sh in a bash subshell and returns the resulting environment. */
function projectEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const out = execFileSync("bash", ["-c", `. "${projectRoot}/scripts/env.sh" && env -0`], {
    env: { ...process.env, ...extra } as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  const env: Record<string, string> = {};
  for (const entry of out.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export function findEngine(): Engine | undefined {
  if (cached !== null) return cached;
  const env = projectEnvironment();
  let pulumiPath: string | undefined;
  try {
    pulumiPath = execFileSync("bash", ["-c", "command -v pulumi"], { env, encoding: "utf8" }).trim();
  } catch {
    pulumiPath = undefined;
  }
  if (!pulumiPath) {
    cached = undefined;
    return cached;
  }
  const version = execFileSync(pulumiPath, ["version"], { env, encoding: "utf8" }).trim();
  cached = { root: path.dirname(path.dirname(fs.realpathSync(pulumiPath))), version, env };
  return cached;
}

export const engineMissingReason =
  "the Pulumi CLI is not installed: run `npm run setup` (it builds the pinned CLI from Go modules)";

/** A private file backend and PULUMI_HOME for one test file, removed by the caller's cleanup. */
export function isolatedBackend(prefix: string): { dir: string; envVars: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.mkdirSync(path.join(dir, "state"));
  return {
    dir,
    envVars: {
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // Types are checked by `npm run typecheck`; the engine only needs to run the program.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    },
  };
}

/**
 * A suite that needs the engine (and whatever else `alsoMissing` reports, e.g. the policy
 * pack's dependencies). When something is missing the suite is skipped with a loud reason,
 * or, under CI=true, the test file fails. `body` gets the engine; in a skipped suite it is a
 * stand-in that throws if touched (no hook or test of a skipped suite runs).
 */
export function describeWithEngine(title: string, body: (engine: Engine) => void, alsoMissing?: () => string | undefined): void {
  const engine = findEngine();
  const missing = engine ? alsoMissing?.() : engineMissingReason;
  if (missing && process.env.CI === "true") throw new Error(`CI=true and ${missing}`);
  if (missing) console.warn(`\n*** SKIPPING ${title}: ${missing} ***\n`);
  const absent = new Proxy({} as Engine, {
    get() {
      throw new Error(`${title}: ${missing}`);
    },
  });
  describe.skipIf(missing !== undefined)(title, () => body(engine && !missing ? engine : absent));
}
