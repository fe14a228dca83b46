/**
 * The engine floor: the same resources through a do-nothing dynamic provider, in a throwaway
 * Pulumi program on a private file backend, so a benchmark can print what the engine alone costs
 * beside what the enrollment provider costs. The provider stores its inputs and answers at once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { isolatedBackend, projectRoot, type Engine } from "../testkit/find-engine";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) { return { id: inputs.registrationId, outs: inputs }; },
  async diff(_id, olds, news) { return { changes: JSON.stringify(olds.initialTwin) !== JSON.stringify(news.initialTwin) }; },
  async update(_id, _olds, news) { return { outs: news }; },
  async delete() {},
};
const fleet = JSON.parse(require("fs").readFileSync(__dirname + "/fleet.json", "utf8"));
for (const inputs of fleet) new pulumi.dynamic.Resource(provider, inputs.registrationId, inputs);
`;

export interface EngineFloor {
  stack: Stack;
  /** Writes the inputs the next up applies. */
  setFleet(inputs: Array<Record<string, unknown>>): void;
  cleanup(): void;
}

export async function createEngineFloor(engine: Engine, stackName: string): Promise<EngineFloor> {
  const backend = isolatedBackend("dps-engine-floor");
  const dir = path.join(backend.dir, "program");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: engine-floor\nruntime: nodejs\nmain: index.js\n");
  fs.writeFileSync(path.join(dir, "index.js"), PROGRAM);
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  const pulumiCommand = await PulumiCommand.get({ root: engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: dir },
    { pulumiCommand, envVars: { ...backend.envVars, PATH: engine.env.PATH ?? "" } },
  );
  return {
    stack,
    setFleet: (inputs) => fs.writeFileSync(path.join(dir, "fleet.json"), JSON.stringify(inputs)),
    cleanup: () => fs.rmSync(backend.dir, { recursive: true, force: true }),
  };
}
