// Finding the real Pulumi engine: the pinned CLI that scripts/setup.sh installs (or a recent
// enough `pulumi` on PATH), with the project's offline settings from scripts/env.sh, and a private
// file backend per run. No test framework here: benchmarks and fixture generators run under plain
// ts-node, where vitest cannot be loaded (tests use engine.ts, which adds describeWithEngine).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const projectRoot = path.resolve(__dirname, "..");

export interface Engine {
  /** Directory holding bin/pulumi (for PulumiCommand.get({ root })). */
  root: string;
  /** `pulumi version`'s answer, asked for on first read. */
  readonly version: string;
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
  // The version is asked for only when read (benchmark headers, the memory-limit test): every
  // end-to-end file finds the engine, and the Automation API's PulumiCommand.get (local-program.ts)
  // runs its own `pulumi version`; a second one per file was a CLI start for nothing.
  const cli = pulumiPath;
  let version: string | undefined;
  cached = {
    root: path.dirname(path.dirname(fs.realpathSync(pulumiPath))),
    get version() {
      return (version ??= execFileSync(cli, ["version"], { env, encoding: "utf8" }).trim());
    },
    env,
  };
  return cached;
}

export const engineMissingReason =
  "the Pulumi CLI is not installed: run `npm run setup` (it builds the pinned CLI from Go modules)";

/**
 * A private file backend for one test file, removed by the caller's cleanup. PULUMI_HOME stays
 * the project's: test files that run side by side (vitest.config.mts) write there only workspace
 * files named after their own program folder, and logs.
 */
export function isolatedBackend(prefix: string): { dir: string; envVars: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.mkdirSync(path.join(dir, "state"));
  return {
    dir,
    envVars: {
      // As scripts/env.sh sets the local backend: no attribute sidecars a kill could tear.
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}?metadata=skip`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // Older versions of the program (the state-upgrade tests run them) still load through
      // ts-node (`typescript: true` in their Pulumi.yaml): without type-checking, as they did.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    },
  };
}
