/**
 * What one `pulumi preview` of a small stack costs in CPU, split by process: the program process
 * (@pulumi/pulumi's cmd/run, which loads index.ts and its imports), the dynamic-provider process,
 * and the whole `pulumi` process tree; beside the engine floor (a plain JavaScript program with the
 * same number of do-nothing dynamic resources, benchmarks/engine-floor.ts) in the same run.
 *
 * Every `node` the engine starts goes through a wrapper first on PATH that runs it under
 * /usr/bin/time, so each node process's own user+sys CPU is recorded; the tree's CPU is that of
 * `pulumi` and every process it waited for. CPU seconds, not wall time: the machine is shared.
 *
 * With --policy-pack the program's previews run the project's policy pack too, in its own process,
 * which the engine kills when the preview ends: /usr/bin/time records nothing for a killed
 * process, so the pack's CPU is in no column (benchmarks/README.md gives it, measured by hand).
 *
 *   bash scripts/with-env.sh --engine node -r ./scripts/register-typescript.js benchmarks/program-start.ts [--previews 3] [--enrollments 2] [--policy-pack]
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { findEngine, projectRoot } from "../testkit/find-engine";
import { createLocalProgram } from "../testkit/local-program";
import { startTestEmulator } from "../testkit/emulator";
import { symmetricKeyDevicesManifest } from "../testkit/manifests";
import { createEngineFloor } from "./engine-floor";
import { loadAverage, positiveInteger, runBenchmark } from "./support/run";

interface Sample {
  kind: "program" | "provider" | "other";
  cpu: number;
}

/** A folder with a `node` that records each run's CPU in `log`, then runs the real node. */
function timedNode(): { dir: string; log: string; read(): Sample[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-timed-node-"));
  const log = path.join(dir, "cpu.log");
  fs.writeFileSync(
    path.join(dir, "node"),
    `#!/bin/sh\nexec /usr/bin/time -a -o "${log}" -f "%U %S|$*" "${process.execPath}" "$@"\n`,
    { mode: 0o755 },
  );
  return {
    dir,
    log,
    read() {
      if (!fs.existsSync(log)) return [];
      const lines = fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.includes("|"));
      fs.rmSync(log);
      return lines.map((line) => {
        const [times, args] = line.split("|", 2) as [string, string];
        const [user, sys] = times.split(" ").map(Number) as [number, number];
        const kind =
          args.includes("cmd/run/index.js") || args.includes("cmd/run ")
            ? "program"
            : args.includes("dynamic-provider")
              ? "provider"
              : "other";
        return { kind, cpu: user + sys };
      });
    },
  };
}

/** Runs `pulumi <args>` under /usr/bin/time; returns the CPU of its process tree. */
function timedPulumi(
  pulumiPath: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = path.join(os.tmpdir(), `dps-timed-pulumi-${process.pid}.txt`);
    execFile(
      "/usr/bin/time",
      ["-o", out, "-f", "%U %S", pulumiPath, ...args],
      { cwd, env, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`pulumi ${args.join(" ")}: ${stderr}`));
        const [user, sys] = fs.readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ").map(Number) as [
          number,
          number,
        ];
        fs.rmSync(out);
        resolve(user + sys);
      },
    );
  });
}

function summarise(label: string, tree: number[], samples: Sample[][]): void {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const per = (kind: Sample["kind"]) =>
    mean(samples.map((s) => s.filter((x) => x.kind === kind).reduce((a, x) => a + x.cpu, 0)));
  console.log(
    JSON.stringify({
      stack: label,
      previews: tree.length,
      treeCpuSeconds: +mean(tree).toFixed(2),
      programCpuSeconds: +per("program").toFixed(2),
      providerCpuSeconds: +per("provider").toFixed(2),
      otherNodeCpuSeconds: +per("other").toFixed(2),
      loadAverage: loadAverage(),
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      previews: { type: "string", default: "3" },
      enrollments: { type: "string", default: "2" },
      "policy-pack": { type: "boolean", default: false },
    },
  });
  const previews = positiveInteger("--previews", values.previews);
  const enrollments = positiveInteger("--enrollments", values.enrollments);
  // With the project's policy pack, as the PR workflow previews (policy/ runs its own node process).
  const policy = values["policy-pack"]
    ? [
        "--policy-pack",
        path.join(projectRoot, "policy"),
        "--policy-pack-config",
        path.join(projectRoot, "policy", "config", "local.json"),
      ]
    : [];
  const engine = findEngine();
  if (!engine) throw new Error("no Pulumi CLI: run `npm run setup`");
  const pulumiPath = path.join(engine.root, "bin", "pulumi");
  const node = timedNode();
  const ids = Array.from({ length: enrollments }, (_, i) => `start-${i}`);
  const emulator = await startTestEmulator();
  const program = await createLocalProgram(engine, emulator, {
    stackName: "start",
    manifests: { "devices.yaml": symmetricKeyDevicesManifest(ids, 1) },
  });
  const floor = await createEngineFloor(engine, "floor");
  try {
    const env = { ...program.cli.env, PATH: `${node.dir}:${program.cli.env.PATH}` };
    await program.stack.up();
    floor.setFleet(ids.map((registrationId) => ({ registrationId, initialTwin: { interval: 1 } })));
    await floor.stack.up();
    const floorEnv = { ...engine.env, ...floorBackend(floor), PATH: `${node.dir}:${engine.env.PATH}` };
    for (const [label, dir, stackName, runEnv] of [
      ["program", program.dir, "start", env],
      ["engine floor", floor.stack.workspace.workDir, "floor", floorEnv],
    ] as const) {
      const tree: number[] = [];
      const samples: Sample[][] = [];
      node.read();
      for (let i = 0; i < previews; i++) {
        const args = [
          "preview",
          "--stack",
          stackName,
          "--non-interactive",
          ...(label === "program" ? policy : []),
        ];
        tree.push(await timedPulumi(pulumiPath, args, dir, runEnv));
        samples.push(node.read());
      }
      summarise(label, tree, samples);
    }
  } finally {
    program.cleanup();
    floor.cleanup();
    await emulator.stop();
    fs.rmSync(node.dir, { recursive: true, force: true });
  }
}

/** The floor's backend settings, as its workspace holds them. */
function floorBackend(floor: {
  stack: { workspace: { envVars: Record<string, string> } };
}): Record<string, string> {
  return floor.stack.workspace.envVars;
}

runBenchmark(main);
