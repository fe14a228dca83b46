/**
 * What a set's input shape costs the engine (issue #26): the batch path's engine floor (32 sets of
 * the same generated entries through a do-nothing dynamic provider, benchmarks/support/
 * floor-program.ts) with each set's entries sent as a map of objects or as one text (`text`: the
 * contract's canonical text, what the product sends; `lines`: JSON lines; see floor-inputs.ts).
 *
 * Per size and shape, through the real engine: first `pulumi up`, a no-op `pulumi preview` (wall,
 * peak RSS of engine, program and provider), the state file's bytes. At the `--diff-at` sizes, two
 * entries of one set change (one field each) and `pulumi preview --diff` is captured: does it name
 * the entries and fields, does it print unchanged entries, how many bytes. At the `--secret-at`
 * sizes the text shapes run again with each set's text a Pulumi secret (up, then the same change).
 *
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/set-input-shape.ts \
 *     [--enrollments 1000,10000,30000] [--shapes map,text] [--diff-at 10000] [--secret-at 1000] \
 *     [--out-dir DIR] [--deadline-minutes 30]
 *
 * One JSON line per phase as it ends (with the load average); each captured preview goes to
 * --out-dir. Shapes run one after the other within a size, so compare them within a size.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { engineMissingReason, findEngine, type Engine } from "../testkit/find-engine";
import { floorInputs, type FloorSets } from "./support/floor-inputs";
import {
  createFloorProgram,
  INPUT_SHAPES,
  type FloorProgram,
  type InputShape,
} from "./support/floor-program";
import type { PeakMemory } from "./support/peak-memory";
import {
  loadAverage,
  positiveInteger,
  positiveIntegers,
  printTable,
  runBenchmark,
  timedPhase,
  UsageError,
} from "./support/run";

const { values } = parseArgs({
  options: {
    enrollments: { type: "string" },
    shapes: { type: "string" },
    "diff-at": { type: "string" },
    "secret-at": { type: "string" },
    "out-dir": { type: "string" },
    "deadline-minutes": { type: "string" },
  },
});

const SIZES = positiveIntegers("--enrollments", values.enrollments ?? "1000,10000,30000");
const SHAPES = (values.shapes ?? "map,text").split(",").map((s) => {
  const shape = s.trim() as InputShape;
  if (!INPUT_SHAPES.includes(shape))
    throw new UsageError(`--shapes has "${s}"; allowed: ${INPUT_SHAPES.join(", ")}`);
  return shape;
});
const DIFF_AT = new Set(positiveIntegers("--diff-at", values["diff-at"] ?? "10000"));
const SECRET_AT = new Set(positiveIntegers("--secret-at", values["secret-at"] ?? "1000"));
const OUT_DIR = values["out-dir"] ?? fs.mkdtempSync(path.join(os.tmpdir(), "set-input-shape-"));
const DEADLINE_MS = positiveInteger("--deadline-minutes", values["deadline-minutes"] ?? "30") * 60_000;
const SHARDS = 32;

const emit = (line: Record<string, unknown>) =>
  process.stdout.write(JSON.stringify({ ...line, load: loadAverage() }) + "\n");

const timed = <T>(dir: string, run: () => Promise<T>) => timedPhase(dir, DEADLINE_MS, run);

/**
 * Two entries of the first set, one field each: the first's allocation policy, the second's hubs.
 * Returns the changed inputs and the ids changed.
 */
function changeTwo(sets: FloorSets): { sets: FloorSets; changed: [string, string]; shard: string } {
  const copy = structuredClone(sets);
  const shard = Object.keys(copy).sort()[0]!;
  const [first, second] = Object.keys(copy[shard]!).sort() as [string, string];
  copy[shard]![first]!.allocationPolicy = "hashed";
  copy[shard]![second]!.iotHubs = [...(copy[shard]![second]!.iotHubs as string[]), "neu"];
  return { sets: copy, changed: [first, second], shard };
}

/** What `pulumi preview --diff` printed, read for the questions the design asks. */
function readDiff(output: string, changed: [string, string], count: number) {
  const lines = output.split("\n");
  const ids = new Set(output.match(/bench-device-\d{5}/g) ?? []);
  const fieldLine = (field: string) =>
    lines.find((l) => new RegExp(`^\\s*[~+-]\\s*${field}\\b`).test(l.trimStart()));
  const start = Math.max(
    0,
    lines.findIndex((l) => l.includes("enrollment-set-")),
  );
  return {
    bytes: Buffer.byteLength(output),
    lines: lines.length,
    namesBothEntries: changed.every((id) => ids.has(id)),
    namesAllocationPolicyChange: fieldLine("allocationPolicy") !== undefined,
    namesIotHubsChange: fieldLine("iotHubs") !== undefined,
    unchangedEntriesPrinted: [...ids].filter((id) => !changed.includes(id)).length,
    ofEntries: count,
    showsSecret: output.includes("[secret]"),
    excerpt: lines.slice(start, start + 40).map((l) => (l.length > 160 ? l.slice(0, 160) + " ..." : l)),
  };
}

async function displayCheck(
  floor: FloorProgram,
  base: FloorSets,
  shape: InputShape,
  count: number,
  secret: boolean,
) {
  const { sets, changed, shard } = changeTwo(base);
  if (secret) {
    floor.writeInputs(base, { secret: true });
    const up = await timed(floor.dir, () => floor.stack.up({ onOutput: () => undefined }));
    emit({ enrollments: count, shape, phase: "upSecret", seconds: up.seconds, memory: up.memory });
  }
  floor.writeInputs(sets, { secret });
  const preview = await timed(floor.dir, () => floor.stack.preview({ diff: true, color: "never" }));
  const file = path.join(OUT_DIR, `preview-diff-${shape}${secret ? "-secret" : ""}-${count}.txt`);
  fs.writeFileSync(file, preview.result.stdout);
  emit({
    enrollments: count,
    shape,
    phase: secret ? "previewDiffSecret" : "previewDiff",
    seconds: preview.seconds,
    changed,
    set: `enrollment-set-${shard}`,
    output: file,
    ...readDiff(preview.result.stdout, changed, count),
  });
  floor.writeInputs(base);
}

async function runShape(engine: Engine, count: number, shape: InputShape, base: FloorSets) {
  const floor = await createFloorProgram(engine, `shape-${shape}-${count}`, base, shape);
  const quiet = { onOutput: () => undefined };
  try {
    const up = await timed(floor.dir, () => floor.stack.up(quiet));
    const stateBytes = floor.stateBytes();
    emit({ enrollments: count, shape, phase: "up", seconds: up.seconds, memory: up.memory, stateBytes });
    const preview = await timed(floor.dir, () => floor.stack.preview(quiet));
    const counts = preview.result.changeSummary;
    emit({
      enrollments: count,
      shape,
      phase: "noopPreview",
      seconds: preview.seconds,
      memory: preview.memory,
      steps: counts,
    });
    if (DIFF_AT.has(count)) await displayCheck(floor, base, shape, count, false);
    if (SECRET_AT.has(count) && shape !== "map") await displayCheck(floor, base, shape, count, true);
    return { up, preview, stateBytes };
  } finally {
    floor.cleanup();
  }
}

async function main(): Promise<void> {
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; engine floor, ${SHARDS} sets; sizes ${SIZES.join(", ")}; shapes ${SHAPES.join(", ")}; previews to ${OUT_DIR}\n`,
  );
  const rows: string[][] = [];
  for (const count of SIZES) {
    const base = floorInputs(count, SHARDS);
    const results: Partial<Record<InputShape, Awaited<ReturnType<typeof runShape>>>> = {};
    for (const shape of SHAPES) {
      results[shape] = await runShape(engine, count, shape, base);
      const r = results[shape]!;
      const mem = (p: { memory: PeakMemory }) =>
        `${p.memory.engineMiB} / ${p.memory.programMiB} / ${p.memory.providerMiB}`;
      rows.push([
        count.toLocaleString("en"),
        shape,
        `${r.up.seconds} s`,
        `${r.preview.seconds} s`,
        `${mem(r.preview)} MiB`,
        `${mem(r.up)} MiB`,
        r.stateBytes.toLocaleString("en"),
      ]);
    }
    const map = results.map;
    for (const shape of SHAPES.filter((s) => s !== "map")) {
      const r = results[shape]!;
      if (!map) continue;
      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      emit({
        enrollments: count,
        shape,
        phase: "vsMap",
        up: ratio(r.up.seconds, map.up.seconds),
        noopPreview: ratio(r.preview.seconds, map.preview.seconds),
        previewEngineMiB: ratio(r.preview.memory.engineMiB, map.preview.memory.engineMiB),
        previewProgramMiB: ratio(r.preview.memory.programMiB, map.preview.memory.programMiB),
        previewProviderMiB: ratio(r.preview.memory.providerMiB, map.preview.memory.providerMiB),
        stateBytes: ratio(r.stateBytes, map.stateBytes),
      });
    }
  }
  printTable(
    [
      "enrollments",
      "shape",
      "first up",
      "no-op preview",
      "preview peak engine / program / provider",
      "up peak engine / program / provider",
      "state bytes",
    ],
    rows,
  );
}

runBenchmark(main);
