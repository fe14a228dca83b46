// The engine floor of the batch path: the same set inputs (one resource per shard, the same
// `enrollments`) through a do-nothing dynamic provider, in a throwaway program on its own file
// backend. What remains of a measurement above this floor is the product's own cost.
//
// The entries arrive already encoded in the chosen shape (floor-inputs.ts, `encodeFloorSets`: the
// `text` shape is the contract's `encodeSetEntries`, the bytes the product sends), so the floor's
// program does nothing but declare the resources.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { isolatedBackend, projectRoot, type Engine } from "../../testkit/find-engine";
import { encodeFloorSets, type FloorSets, type InputShape } from "./floor-inputs";

export { INPUT_SHAPES, type InputShape } from "./floor-inputs";

const PROGRAM = `import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";

const sets = JSON.parse(fs.readFileSync(__dirname + "/floor-inputs.json", "utf8")) as Record<string, unknown>;
const options = JSON.parse(fs.readFileSync(__dirname + "/floor-options.json", "utf8")) as { secret: boolean };
const doNothing: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) { return { inputs: news }; },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return { changes: JSON.stringify(olds.enrollments) !== JSON.stringify(news.enrollments) };
  },
  async create(inputs: Record<string, unknown>) { return { id: String(inputs.shard), outs: inputs }; },
  async update(_id: string, _olds: unknown, news: Record<string, unknown>) { return { outs: news }; },
  async read(id: string, props: Record<string, unknown>) { return { id, props }; },
  async delete() {},
};
for (const [shard, enrollments] of Object.entries(sets)) {
  new pulumi.dynamic.Resource(doNothing, "enrollment-set-" + shard, { shard, enrollments: options.secret ? pulumi.secret(enrollments) : enrollments }, {}, "dps", "EnrollmentSetFloor");
}
`;

export interface FloorProgram {
  readonly dir: string;
  readonly stack: Stack;
  /** The sets the next command applies; `secret` marks each set's entries as a Pulumi secret. */
  writeInputs(sets: FloorSets, options?: { secret?: boolean }): void;
  /**
   * `pulumi <command> --yes --skip-preview` as one CLI run, as a person or pipeline runs it (the
   * Automation API's stack.up() adds three CLI runs after it: `stack output` twice and `stack
   * history`, each reading the whole state again).
   */
  run(command: "up" | "refresh" | "destroy"): Promise<string>;
  /** Bytes of the stack's state file on the backend (the checkpoint the file backend rewrites). */
  stateBytes(): number;
  cleanup(): void;
}

export async function createFloorProgram(
  engine: Engine,
  stackName: string,
  sets: FloorSets,
  shape: InputShape = "text",
): Promise<FloorProgram> {
  const backend = isolatedBackend(`dps-floor-${stackName}`);
  const dir = path.join(backend.dir, "program");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-floor\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.copyFileSync(path.join(projectRoot, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.copyFileSync(path.join(projectRoot, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  const writeInputs = (value: FloorSets, options: { secret?: boolean } = {}) => {
    fs.writeFileSync(path.join(dir, "floor-inputs.json"), JSON.stringify(encodeFloorSets(value, shape)));
    fs.writeFileSync(
      path.join(dir, "floor-options.json"),
      JSON.stringify({ secret: options.secret ?? false }),
    );
  };
  writeInputs(sets);
  const pulumiCommand = await PulumiCommand.get({ root: engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: dir },
    { pulumiCommand, envVars: { ...backend.envVars, PATH: engine.env.PATH ?? "" } },
  );
  // The file backend keeps a stack's checkpoint at .pulumi/stacks/<project>/<stack>.json.
  const stateFile = path.join(backend.dir, "state", ".pulumi", "stacks", "dps-floor", `${stackName}.json`);
  return {
    dir,
    stack,
    writeInputs,
    run: (command) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          path.join(engine.root, "bin", "pulumi"),
          [command, "--yes", "--skip-preview", "--stack", stackName, "--non-interactive"],
          { cwd: dir, env: { ...engine.env, ...backend.envVars }, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`pulumi ${command} (floor): ${stderr}`)) : resolve(stdout),
        ),
      ),
    stateBytes: () => fs.statSync(stateFile).size,
    cleanup: () => fs.rmSync(backend.dir, { recursive: true, force: true }),
  };
}
