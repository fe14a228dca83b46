// The offline validator on a large manifest: `validate-manifests --stack` (in-process, as the
// command runs) on N entries in one file, valid, then with every 10th entry broken (the
// contract's bounded output), then the same valid set split over 20 files. Several sizes in one
// run print the growth (time per entry should stay flat). No engine is involved, so there is no
// engine floor to print beside it; the aim is 100,000 entries in 15 s or less.
//   bash scripts/with-env.sh ts-node --transpile-only benchmarks/validate-manifests.ts \
//     [--entries 10000,30000,100000] [--scenarios valid,broken,split]
// Bounded: a few seconds per scenario and size on two cores; the folder is removed at the end.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runValidateManifests } from "../scripts/validate-manifests/command";
import { positiveIntegers, runBenchmark } from "./support/run";

const repo = path.resolve(__dirname, "..");

function entry(i: number, broken: boolean): string {
  const id = broken ? `sensor ${i}` : `sensor-${String(i).padStart(6, "0")}`;
  return [
    `  - registrationId: ${id}`,
    `    attestation: { type: symmetricKey }`,
    `    allocationPolicy: ${i % 3 === 0 ? "static" : "hashed"}`,
    `    iotHubs: [${i % 3 === 0 ? "weu" : "weu, neu"}]`,
    `    initialTwin: { tags: { site: site-${i % 50}, line: ${i % 7} }, properties: { desired: { interval: ${30 + (i % 5)} } } }`,
    `    labels: { batch: b${i % 20} }`,
  ].join("\n");
}

function write(dir: string, entries: number, files: number, breakEvery: number | undefined): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const perFile = Math.ceil(entries / files);
  for (let f = 0; f < files; f++) {
    const lines = ["individualEnrollments:"];
    for (let i = f * perFile; i < Math.min(entries, (f + 1) * perFile); i++)
      lines.push(entry(i, breakEvery !== undefined && i % breakEvery === 0));
    fs.writeFileSync(path.join(dir, `devices-${String(f).padStart(2, "0")}.yaml`), `${lines.join("\n")}\n`);
  }
}

function measure(name: string, dir: string, entries: number): void {
  let output = "";
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const code = runValidateManifests([dir, "--stack", "corpus"], {
    cwd: repo,
    stacksDir: path.join(repo, "test/fixtures/stacks"),
    env: {},
    write: (_stream, text) => (output += text),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // CPU time beside wall time: on a shared machine the wall time includes waiting for a core.
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const bytes = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  process.stdout.write(
    `${JSON.stringify({ scenario: name, entries, files: fs.readdirSync(dir).length, manifestBytes: bytes, exitCode: code, seconds: Number(seconds.toFixed(2)), cpuSeconds: Number(cpuSeconds.toFixed(2)), msPerEntry: Number(((seconds * 1000) / entries).toFixed(3)), outputBytes: Buffer.byteLength(output) })}\n`,
  );
}

function main(): void {
  const { values } = parseArgs({
    options: {
      entries: { type: "string", default: "10000" },
      scenarios: { type: "string", default: "valid,broken,split" },
    },
  });
  const sizes = positiveIntegers("--entries", values.entries);
  const scenarios = values.scenarios.split(",").filter(Boolean);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-bench-"));
  try {
    for (const entries of sizes) {
      if (scenarios.includes("valid")) {
        write(dir, entries, 1, undefined);
        measure("valid, one file", dir, entries);
      }
      if (scenarios.includes("broken")) {
        write(dir, entries, 1, 10);
        measure("every 10th entry broken, one file", dir, entries);
      }
      if (scenarios.includes("split")) {
        write(dir, entries, 20, undefined);
        measure("valid, 20 files", dir, entries);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
