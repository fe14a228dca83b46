// A throwaway copy of the real Pulumi program (index.ts, components/, Pulumi.yaml) in a temp
// folder, with its own manifests folder and its own stack on a private file backend, wired to
// an emulator. Tests then drive it through the Automation API exactly as `pulumi` would, and
// may edit its manifests without touching the repository.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import type { RunningEmulator } from "../emulator";
import { type Engine, isolatedBackend, projectRoot } from "./find-engine";

/** What one run of the engine (up, refresh, destroy) reports. */
export interface EngineRun {
  readonly stdout: string;
  readonly stderr: string;
  /** The run's summary event: its result and the count of resources per operation. */
  readonly summary: { readonly result: string; readonly resourceChanges: OpMap };
}

export interface EngineRunOptions {
  /** Each chunk the CLI prints (program.onOutput keeps it for secret-leak checks). */
  onOutput?: (text: string) => void;
}

export interface UpOptions extends EngineRunOptions {
  /** Local policy packs (`--policy-pack`) and their config files (`--policy-pack-config`). */
  policyPacks?: string[];
  policyPackConfigs?: string[];
  /** `--diff`: the detailed diff in the output. */
  diff?: boolean;
}

export interface LocalProgram {
  readonly dir: string;
  /**
   * The stack, for what the Automation API does in one CLI run (preview, outputs, exportStack,
   * config). Run up, refresh and destroy through the program's own methods below instead.
   */
  readonly stack: Stack;
  /**
   * `pulumi up --yes --skip-preview` of the stack, as one CLI run. The Automation API's
   * stack.up() runs three more after it (`stack output` twice and `stack history`, each a CLI
   * start and a passphrase derivation) for outputs and a summary most tests never read: read the
   * outputs with stack.outputs() where a test asserts them. Fails as stack.up() does (CommandError).
   */
  up(options?: UpOptions): Promise<EngineRun>;
  /**
   * The stack's outputs with their values in plaintext, from one `stack output --json
   * --show-secrets`. stack.outputs() runs that and a masked `stack output` to tell which are
   * secret: use it where a test asserts that.
   */
  outputs(): Promise<Record<string, { value: unknown }>>;
  /** `pulumi refresh --yes --skip-preview` as one CLI run (stack.refresh() adds `stack history`). */
  refresh(options?: EngineRunOptions): Promise<EngineRun>;
  /** `pulumi destroy --yes --skip-preview` as one CLI run (stack.destroy() adds `stack history`). */
  destroy(options?: EngineRunOptions): Promise<EngineRun>;
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
  // The program's own package (`@dps-as-code/contract`): an older version's tree runs its own contract.
  "contract",
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

/**
 * The project's node_modules, each entry linked, except the project's own contract package: it
 * resolves to the copy's `contract/`, so a program copied from an older commit runs the contract
 * of that commit (a symlink of the whole folder would run this checkout's).
 */
function linkNodeModules(dir: string): void {
  const from = path.join(projectRoot, "node_modules");
  const to = path.join(dir, "node_modules");
  fs.mkdirSync(path.join(to, "@dps-as-code"), { recursive: true });
  for (const entry of fs.readdirSync(from))
    if (entry !== "@dps-as-code") fs.symlinkSync(path.join(from, entry), path.join(to, entry));
  fs.symlinkSync(path.join(dir, "contract"), path.join(to, "@dps-as-code", "contract"));
}

function copyProgramFiles(from: string, to: string): void {
  for (const entry of PROGRAM_FILES) {
    fs.rmSync(path.join(to, entry), { recursive: true, force: true });
    // An older version's tree (the state-upgrade test) may predate a file, e.g. shared/ or dynamic-providers.js.
    if (fs.existsSync(path.join(from, entry)))
      fs.cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

/** `pulumi version` runs once per engine and test worker, not once per program. */
const pulumiCommands = new Map<string, Promise<PulumiCommand>>();
function pulumiCommandOf(engine: Engine): Promise<PulumiCommand> {
  let command = pulumiCommands.get(engine.root);
  if (!command) pulumiCommands.set(engine.root, (command = PulumiCommand.get({ root: engine.root })));
  return command;
}

/**
 * The Automation API's own way to run the CLI (internal in its typings): the environment
 * stack.up() gives it, and a CommandError when the command fails.
 */
interface CliRunner {
  run(
    args: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput?: (text: string) => void,
  ): Promise<{ stdout: string; stderr: string }>;
}

/** The update's summary event in an engine event log (`--event-log`). */
function summaryIn(eventLog: string): EngineRun["summary"] {
  const summaries = fs
    .readFileSync(eventLog, "utf8")
    .split("\n")
    .filter((line) => line.includes('"summaryEvent"'))
    .map(
      (line) =>
        (
          JSON.parse(line) as {
            summaryEvent: { isPreview?: boolean; result: string; resourceChanges: OpMap };
          }
        ).summaryEvent,
    )
    .filter((event) => !event.isPreview);
  const summary = summaries.at(-1);
  if (!summary) throw new Error(`the engine's event log ${eventLog} holds no summary event`);
  return { result: summary.result, resourceChanges: summary.resourceChanges };
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
    linkNodeModules(dir);
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
  const pulumiCommand = await pulumiCommandOf(engine);
  const workspaceEnv = { ...backend.envVars, PATH: engine.env.PATH ?? "" };
  // Every CLI start costs about half a second of CPU, plus the passphrase's key derivation when
  // it reads config or state: the backend is new, so the stack is created without a `stack
  // select` first, and its config is set in one command.
  const stack = await LocalWorkspace.createStack(
    { stackName: options.stackName, workDir: dir },
    { pulumiCommand, envVars: workspaceEnv },
  );
  if (options.stackFile !== undefined) {
    if (options.config) await stack.setAllConfig(options.config);
  } else {
    // --path: the emulator's settings are fields of the committed `dps-as-code:emulator` object.
    await stack.setAllConfig(
      {
        "dps-as-code:enrollmentManifests": { value: manifestsFolder },
        "dps-as-code:emulatorConnectionString": { value: emulator.connectionString, secret: true },
        "dps-as-code:emulator.serviceHost": { value: emulator.serviceHost },
        "dps-as-code:emulator.caCertPath": { value: emulator.caCertPath },
        ...(options.config ?? {}),
      },
      true,
    );
  }
  const runCli = (args: string[], onOutput?: (text: string) => void) =>
    (pulumiCommand as unknown as CliRunner).run(
      [...args, "--stack", options.stackName],
      dir,
      { PULUMI_DEBUG_COMMANDS: "true", ...workspaceEnv },
      onOutput,
    );
  let runs = 0;
  const runEngine = async (
    command: "up" | "refresh" | "destroy",
    flags: string[],
    onOutput?: (text: string) => void,
  ): Promise<EngineRun> => {
    const eventLog = path.join(backend.dir, `${options.stackName}-${command}-${++runs}.events`);
    const args = [command, "--yes", "--skip-preview", ...flags, "--exec-kind", "auto.local"];
    try {
      const { stdout, stderr } = await runCli([...args, "--event-log", eventLog], onOutput);
      return { stdout, stderr, summary: summaryIn(eventLog) };
    } finally {
      fs.rmSync(eventLog, { force: true });
    }
  };
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
    up: (opts = {}) =>
      runEngine(
        "up",
        [
          ...(opts.diff ? ["--diff"] : []),
          ...(opts.policyPacks ?? []).flatMap((pack) => ["--policy-pack", pack]),
          ...(opts.policyPackConfigs ?? []).flatMap((file) => ["--policy-pack-config", file]),
        ],
        opts.onOutput,
      ),
    outputs: async () =>
      Object.fromEntries(
        Object.entries(
          JSON.parse((await runCli(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<
            string,
            unknown
          >,
        ).map(([name, value]) => [name, { value }]),
      ),
    refresh: (opts = {}) => runEngine("refresh", [], opts.onOutput),
    destroy: (opts = {}) => runEngine("destroy", [], opts.onOutput),
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
