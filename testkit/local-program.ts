// A throwaway copy of the real Pulumi program (index.ts, components/, Pulumi.yaml) in a temp
// folder, with its own manifests folder and its own stack on a private file backend, wired to
// an emulator. Tests then drive it through the Automation API exactly as `pulumi` would, and
// may edit its manifests without touching the repository.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { RunningEmulator } from "../emulator";
import { type Engine, isolatedBackend, projectRoot } from "./find-engine";

export interface LocalProgram {
  readonly dir: string;
  readonly stack: Stack;
  /** Absolute path of the copy's manifests folder. */
  readonly manifestsDir: string;
  writeManifest(name: string, yaml: string): void;
  /** Deletes a manifest of the copy (a pull request that removes a file). */
  removeManifest(name: string): void;
  /**
   * Runs the CLI on this program's stack (same backend and settings) and returns its stdout; a
   * failure's error carries `stdout` too. `cwd` runs it from elsewhere (with `-C <dir>` in `args`).
   */
  pulumi(args: string[], env?: Record<string, string>, cwd?: string): Promise<string>;
  /** Replaces the copy's program files (index.ts, components/, ...) with those under `root`: an upgrade of the code. */
  installProgramFrom(root: string): void;
  /** The CLI's path and environment for this program (to start it by hand, e.g. to kill it). */
  readonly cli: { path: string; env: Record<string, string> };
  /** The folder of the file backend holding the stack (its `.pulumi/` lives there). */
  readonly backendDir: string;
  /** The backend's settings (URL, passphrase): what another stack on the same backend needs. */
  readonly backendEnv: Record<string, string>;
  /** Everything the CLI printed so far, for secret-leak checks. */
  readonly output: string[];
  readonly onOutput: (text: string) => void;
  cleanup(): void;
}

export const PROGRAM_FILES = [
  "index.ts",
  // Pulumi.yaml preloads it (nodeargs): the program loads through the cached transpiler.
  "scripts/register-typescript.js",
  "dynamic-providers.js",
  "Pulumi.yaml",
  "package.json",
  "tsconfig.json",
  "components",
  "shared",
  "schemas",
];

/**
 * Makes the checkout's tools reachable from a program copy, as links: `scripts` (what `npm run
 * <script>` runs), `policy`, `.nvmrc`, ... The copy already holds scripts/register-typescript.js
 * (the program's own preload): a folder the copy has gets links to the entries it lacks.
 */
export function linkCheckoutEntries(programDir: string, entries: readonly string[]): void {
  for (const entry of entries) {
    const target = path.join(programDir, entry);
    const source = path.join(projectRoot, entry);
    if (!fs.existsSync(target)) fs.symlinkSync(source, target);
    else if (fs.lstatSync(target).isDirectory())
      for (const child of fs.readdirSync(source))
        if (!fs.existsSync(path.join(target, child)))
          fs.symlinkSync(path.join(source, child), path.join(target, child));
  }
}

function copyProgramFiles(from: string, to: string): void {
  for (const entry of PROGRAM_FILES) {
    fs.rmSync(path.join(to, entry), { recursive: true, force: true });
    // An older version's tree (the state-upgrade test) may predate a file, e.g. shared/ or dynamic-providers.js.
    if (fs.existsSync(path.join(from, entry)))
      fs.cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

export async function createLocalProgram(
  engine: Engine,
  emulator: RunningEmulator,
  options: {
    stackName: string;
    manifests: Record<string, string>;
    config?: Record<string, { value: string; secret?: boolean }>;
    /** Where the program files come from (default: this checkout), e.g. an older version's tree. */
    sourceRoot?: string;
    /**
     * The stack's config file (YAML) instead of the committed local stack's: an enrollments-only
     * stack, which the caller configures itself (no emulator settings are added).
     */
    stackFile?: string;
    /** The manifests folder, relative to the program. @default "enrollments/e2e" */
    manifestsFolder?: string;
    /** Another stack of the same program copy and file backend (a StackReference reads it); its cleanup removes both. */
    sharedWith?: LocalProgram;
  },
): Promise<LocalProgram> {
  const shared = options.sharedWith;
  const backend = shared
    ? { dir: path.dirname(shared.dir), envVars: shared.backendEnv }
    : isolatedBackend(`dps-e2e-${options.stackName}`);
  const dir = path.join(backend.dir, "program");
  if (!shared) {
    fs.mkdirSync(dir);
    copyProgramFiles(options.sourceRoot ?? projectRoot, dir);
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  }
  const manifestsFolder = options.manifestsFolder ?? "enrollments/e2e";
  const manifestsDir = path.join(dir, manifestsFolder);
  fs.mkdirSync(manifestsDir, { recursive: true });
  const writeManifest = (name: string, yaml: string) => fs.writeFileSync(path.join(manifestsDir, name), yaml);
  for (const [name, yaml] of Object.entries(options.manifests)) writeManifest(name, yaml);

  // The stack's config file starts as the committed local stack's, so the test exercises the
  // real config shape; only the manifests folder and the emulator's address differ.
  const stackFile = path.join(dir, `Pulumi.${options.stackName}.yaml`);
  if (options.stackFile !== undefined) fs.writeFileSync(stackFile, options.stackFile);
  else fs.copyFileSync(path.join(projectRoot, "Pulumi.local.yaml"), stackFile);

  const output: string[] = [];
  const onOutput = (text: string) => {
    output.push(text);
    if (process.env.DPS_E2E_VERBOSE) process.stdout.write(text);
  };
  const pulumiCommand = await PulumiCommand.get({ root: engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stackName, workDir: dir },
    { pulumiCommand, envVars: { ...backend.envVars, PATH: engine.env.PATH ?? "" } },
  );
  if (options.stackFile !== undefined) {
    if (options.config) await stack.setAllConfig(options.config);
  } else {
    await stack.setAllConfig({
      "dps-as-code:enrollmentManifests": { value: manifestsFolder },
      "dps-as-code:emulatorConnectionString": { value: emulator.connectionString, secret: true },
      ...(options.config ?? {}),
    });
    await stack.setConfig("dps-as-code:emulator.serviceHost", { value: emulator.serviceHost }, true);
    await stack.setConfig("dps-as-code:emulator.caCertPath", { value: emulator.caCertPath }, true);
  }
  const pulumi = (args: string[], env: Record<string, string> = {}, cwd: string = dir) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        path.join(engine.root, "bin", "pulumi"),
        [...args, "--stack", options.stackName, "--non-interactive"],
        { cwd, env: { ...engine.env, ...backend.envVars, ...env }, maxBuffer: 64 * 1024 * 1024 },
        // A failed command still printed its JSON (a preview refused by a mandatory policy).
        (error, stdout, stderr) =>
          error
            ? reject(Object.assign(new Error(`pulumi ${args.join(" ")}: ${stderr}`), { stdout }))
            : resolve(stdout),
      ),
    );
  return {
    dir,
    stack,
    pulumi,
    cli: { path: path.join(engine.root, "bin", "pulumi"), env: { ...engine.env, ...backend.envVars } },
    backendDir: path.join(backend.dir, "state"),
    backendEnv: backend.envVars,
    manifestsDir,
    writeManifest,
    removeManifest: (name: string) => fs.rmSync(path.join(manifestsDir, name)),
    installProgramFrom: (root: string) => copyProgramFiles(root, dir),
    output,
    onOutput,
    cleanup: () => (shared ? undefined : fs.rmSync(backend.dir, { recursive: true, force: true })),
  };
}
