// Proves the toolchain is wired: the pinned Pulumi CLI, the Node.js language host, the
// dynamic-provider shim and Node 24 run a real program with one dynamic resource through
// up, a no-change preview, and destroy, on a local file backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithEngine, isolatedBackend, projectRoot } from "../../testkit/engine";

// A provider whose effect is visible from outside the engine: it writes a file.
const program = `
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) {
    require("fs").writeFileSync(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async diff(_id, olds, news) {
    return { changes: olds.content !== news.content || olds.path !== news.path, replaces: olds.path !== news.path ? ["path"] : [] };
  },
  async update(_id, _olds, news) {
    require("fs").writeFileSync(news.path, news.content);
    return { outs: news };
  },
  async delete(id) {
    require("fs").rmSync(id, { force: true });
  },
};
class MarkerFile extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(provider, name, args, opts, "smoke", "MarkerFile"); }
}
const file = new MarkerFile("marker", { path: process.env.SMOKE_MARKER_PATH, content: "hello from pulumi" });
exports.markerPath = file.id;
// What Pulumi.yaml's runtime options made of this process (the language host must apply them).
exports.preloaded = globalThis.smokePreloaded === true;
exports.typescript = process.env.PULUMI_NODEJS_TYPESCRIPT ?? "unset";
`;

describeWithEngine("Pulumi engine smoke test", (engine) => {
  const backend = isolatedBackend("dps-smoke");
  const workDir = path.join(backend.dir, "project");
  const markerPath = path.join(backend.dir, "marker.txt");
  let stack: Stack;
  const output: string[] = [];
  const onOutput = (line: string) => {
    output.push(line);
    process.stdout.write(line);
  };

  beforeAll(async () => {
    fs.mkdirSync(workDir);
    fs.writeFileSync(
      path.join(workDir, "Pulumi.yaml"),
      "name: smoke\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n    nodeargs: --require ./preload.js\nmain: index.js\n",
    );
    fs.writeFileSync(path.join(workDir, "preload.js"), "globalThis.smokePreloaded = true;\n");
    fs.writeFileSync(path.join(workDir, "index.js"), program);
    fs.writeFileSync(path.join(workDir, "package.json"), '{"name":"smoke","private":true}\n');
    // The dynamic-provider shim resolves @pulumi/pulumi from the program directory.
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(workDir, "node_modules"));
    const pulumiCommand = await PulumiCommand.get({ root: engine.root });
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "smoke", workDir },
      {
        pulumiCommand,
        envVars: { ...backend.envVars, PATH: engine.env.PATH!, SMOKE_MARKER_PATH: markerPath },
      },
    );
  });

  afterAll(() => {
    fs.rmSync(backend.dir, { recursive: true, force: true });
  });

  it("creates the resource with `up`", async () => {
    const result = await stack.up({ onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(fs.readFileSync(markerPath, "utf8")).toBe("hello from pulumi");
    expect(result.outputs.markerPath?.value).toBe(markerPath);
  });

  it("starts the program with Pulumi.yaml's runtime options: no ts-node, node with `nodeargs`", async () => {
    const outputs = await stack.outputs();
    expect(outputs.typescript?.value).toBe("unset");
    expect(outputs.preloaded?.value).toBe(true);
  });

  it("reports no changes on a second preview", async () => {
    const preview = await stack.preview({ onOutput });
    expect(preview.changeSummary).toEqual({ same: 2 });
  });

  it("removes the resource with `destroy`", async () => {
    const result = await stack.destroy({ onOutput });
    expect(result.summary.result).toBe("succeeded");
    expect(fs.existsSync(markerPath)).toBe(false);
    expect(output.join("")).toContain("marker");
  });
});
