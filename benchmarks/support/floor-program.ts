// The engine floor of the batch path: the same set inputs (one resource per shard, the same
// `enrollments` maps) through a do-nothing dynamic provider, in a throwaway program on its own
// file backend. What remains of a measurement above this floor is the product's own cost.
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { isolatedBackend, projectRoot, type Engine } from "../../testkit/find-engine";

const PROGRAM = `import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";

const sets = JSON.parse(fs.readFileSync(__dirname + "/floor-inputs.json", "utf8")) as Record<string, Record<string, unknown>>;
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
  new pulumi.dynamic.Resource(doNothing, "enrollment-set-" + shard, { shard, enrollments }, {}, "dps", "EnrollmentSetFloor");
}
`;

export interface FloorProgram {
  readonly dir: string;
  readonly stack: Stack;
  writeInputs(sets: Record<string, Record<string, unknown>>): void;
  cleanup(): void;
}

export async function createFloorProgram(
  engine: Engine,
  stackName: string,
  sets: Record<string, Record<string, unknown>>,
): Promise<FloorProgram> {
  const backend = isolatedBackend(`dps-floor-${stackName}`);
  const dir = path.join(backend.dir, "program");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-floor\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.copyFileSync(path.join(projectRoot, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.copyFileSync(path.join(projectRoot, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  const writeInputs = (value: Record<string, Record<string, unknown>>) =>
    fs.writeFileSync(path.join(dir, "floor-inputs.json"), JSON.stringify(value));
  writeInputs(sets);
  const pulumiCommand = await PulumiCommand.get({ root: engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: dir },
    { pulumiCommand, envVars: { ...backend.envVars, PATH: engine.env.PATH ?? "" } },
  );
  return { dir, stack, writeInputs, cleanup: () => fs.rmSync(backend.dir, { recursive: true, force: true }) };
}
