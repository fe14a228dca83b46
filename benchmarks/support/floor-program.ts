// The engine floor of the batch path: the same set inputs (one resource per shard, the same
// `enrollments` entries) through a do-nothing dynamic provider, in a throwaway program on its own
// file backend. What remains of a measurement above this floor is the product's own cost.
//
// `shape` is how a set's entries reach the engine (benchmarks/set-input-shape.ts compares them):
//   map   - an object of registration id -> entry object (what the product sends today);
//   text  - one string holding one JSON object, one entry per line, sorted by id, keys sorted
//           (`{\n"<id>":{entry},\n...\n}`): one property value instead of a tree of them;
//   lines - one string of JSON lines, `["<id>",{entry}]` each, sorted (the form the product's
//           set outputs store, contract/resources/set-stored-form.ts), which is not one JSON
//           document.
// The encoding runs in the program, as it would in a product that sent text, and it is the
// contract's (contract/resources/set-text.ts: `encodeSetEntries`, `canonicalJson`), so the floor
// carries the bytes the product sends: the program reaches the contract through a link in its folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { isolatedBackend, projectRoot, type Engine } from "../../testkit/find-engine";
import type { FloorSets } from "./floor-inputs";

export type InputShape = "map" | "text" | "lines";
export const INPUT_SHAPES: readonly InputShape[] = ["map", "text", "lines"];

const PROGRAM = `import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { canonicalJson, encodeSetEntries } from "./contract/resources/set-text";

const sets = JSON.parse(fs.readFileSync(__dirname + "/floor-inputs.json", "utf8")) as Record<string, Record<string, unknown>>;
const options = JSON.parse(fs.readFileSync(__dirname + "/floor-options.json", "utf8")) as { shape: string; secret: boolean };
const encode = (entries: Record<string, unknown>): unknown => {
  if (options.shape === "text") return encodeSetEntries(entries as Parameters<typeof encodeSetEntries>[0]);
  if (options.shape === "lines") return Object.keys(entries).sort().map((id) => canonicalJson([id, entries[id]])).join("\\n");
  return entries;
};
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
for (const [shard, entries] of Object.entries(sets)) {
  const enrollments = encode(entries);
  new pulumi.dynamic.Resource(doNothing, "enrollment-set-" + shard, { shard, enrollments: options.secret ? pulumi.secret(enrollments) : enrollments }, {}, "dps", "EnrollmentSetFloor");
}
`;

export interface FloorProgram {
  readonly dir: string;
  readonly stack: Stack;
  /** The sets the next command applies; `secret` marks each set's entries as a Pulumi secret. */
  writeInputs(sets: FloorSets, options?: { secret?: boolean }): void;
  /** Bytes of the stack's state file on the backend (the checkpoint the file backend rewrites). */
  stateBytes(): number;
  cleanup(): void;
}

export async function createFloorProgram(
  engine: Engine,
  stackName: string,
  sets: FloorSets,
  shape: InputShape = "map",
): Promise<FloorProgram> {
  const backend = isolatedBackend(`dps-floor-${stackName}`);
  const dir = path.join(backend.dir, "program");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-floor\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.copyFileSync(path.join(projectRoot, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.copyFileSync(path.join(projectRoot, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(projectRoot, "contract"), path.join(dir, "contract"));
  const writeInputs = (value: FloorSets, options: { secret?: boolean } = {}) => {
    fs.writeFileSync(path.join(dir, "floor-inputs.json"), JSON.stringify(value));
    fs.writeFileSync(
      path.join(dir, "floor-options.json"),
      JSON.stringify({ shape, secret: options.secret ?? false }),
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
    stateBytes: () => fs.statSync(stateFile).size,
    cleanup: () => fs.rmSync(backend.dir, { recursive: true, force: true }),
  };
}
