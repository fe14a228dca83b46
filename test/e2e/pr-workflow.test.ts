// The pull-request pipeline as written: .github/workflows/pr-preview.yml's preview and report
// jobs and pulumi-up.yml's deploy, run step by step from the workflows' own text
// (testkit/workflow-runner.ts) on a local stack against the emulator, through realistic pull
// requests: edits and an add on both paths, a deletion that is merged, and a change that makes
// the preview fail. Whatever flags the workflow passes (it previews with --refresh), the report
// must show each change field by field, say when a preview failed, settle after one deploy, give
// the validator's and the policy pack's advice, and nothing the workflows upload, write or print
// may hold a key of the stack.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, linkCheckoutEntries, type LocalProgram } from "../../testkit/local-program";
import { type JobRun, runWorkflowJob } from "../../testkit/workflow-runner";
import { BASELINE, SCENARIO_CONFIG, devicesManifest, stackSecrets } from "../fixtures/preview-json/scenarios";

const STACK = "dev";
const TYPECHECK =
  "Type-check the program and the policy pack (the previews below load them without checking)";

/** Five batch-path enrollments sharing one configuration: the advice's case for a group. */
const sensorsManifest = ({ editedTwin = false, added = false } = {}) => `
mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
${["001", "002", "003", "004", "005", ...(added ? ["006"] : [])]
  .map(
    (n) =>
      `  - registrationId: sensor-${n}\n    attestation: { type: symmetricKey }\n` +
      (editedTwin && n === "003" ? "    initialTwin: { tags: { site: plant-9 } }\n" : ""),
  )
  .join("")}`;

const MANIFESTS = { ...BASELINE, "sensors.yaml": sensorsManifest() };

interface WorkflowRun {
  readonly jobs: JobRun[];
  readonly dir: string;
  /** Every file the run uploaded or wrote for a reader: artifacts, report forms. */
  readonly files: string[];
  read(file: string): string;
}

describeWithEngine("the pull-request pipeline, run from its workflow files", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  let runs = 0;
  const everything: { what: string; text: string }[] = [];

  const runJob = async (
    workflow: string,
    job: string,
    context: Record<string, string>,
    artifactsDir: string,
    skipSteps?: Record<string, string>,
  ) => {
    const run = await runWorkflowJob({
      workflow,
      job,
      cwd: program.dir,
      context,
      env: program.cli.env,
      artifactsDir,
      ...(skipSteps ? { skipSteps } : {}),
    });
    for (const step of run.steps)
      everything.push({ what: `${workflow} ${job} ${step.name} (log)`, text: step.stdout + step.stderr });
    everything.push({ what: `${workflow} ${job} job summary`, text: run.summary });
    return run;
  };

  /** pr-preview.yml's preview job, then its report job, as GitHub runs them for one affected stack. */
  const pullRequest = async (): Promise<WorkflowRun> => {
    const dir = fs.mkdtempSync(path.join(program.dir, "..", `pr-run-${runs++}-`));
    for (const file of ["report.md", "summary.md", "report-full.md"])
      fs.rmSync(path.join(program.dir, file), { force: true });
    fs.rmSync(path.join(program.dir, "previews"), { recursive: true, force: true });
    // The type-check reads the whole checkout (tests, emulator, benchmarks), not the program's
    // copy the stack runs from; CI runs the same `npm run typecheck` on this tree.
    const skipSteps = { [TYPECHECK]: "checks the whole checkout, which CI's own npm run typecheck does" };
    const preview = await runJob("pr-preview.yml", "preview", { "matrix.stack": STACK }, dir, skipSteps);
    const report = await runJob(
      "pr-preview.yml",
      "report",
      {
        "needs.affected.outputs.stacks": JSON.stringify([STACK]),
        "github.server_url": "https://github.com",
        "github.repository": "o/r",
        "github.run_id": "7",
        "github.event.pull_request.number": "24",
      },
      dir,
    );
    const files = [...Object.values(preview.uploaded), ...Object.values(report.uploaded)].flat();
    for (const file of ["report.md", "summary.md"]) files.push(path.join(program.dir, file));
    for (const file of files) everything.push({ what: file, text: fs.readFileSync(file, "utf8") });
    return {
      jobs: [preview, report],
      dir,
      files,
      read: (file) => fs.readFileSync(path.join(program.dir, file), "utf8"),
    };
  };

  const deploy = async (): Promise<JobRun> => {
    const run = await runJob(
      "pulumi-up.yml",
      "up",
      { "inputs.stack": STACK },
      fs.mkdtempSync(path.join(program.dir, "..", "deploy-")),
    );
    expect(run.failedAt, run.steps.map((s) => s.stdout + s.stderr).join("\n")).toBeUndefined();
    return run;
  };

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: STACK,
      manifests: MANIFESTS,
      config: SCENARIO_CONFIG,
    });
    // The workflows run tools of the checkout beside the program: the scripts and the policy pack.
    linkCheckoutEntries(program.dir, ["scripts", "policy", ".nvmrc"]);
    await deploy();
  }, 600_000);

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  let edits: WorkflowRun;
  it("shows every edited and added enrollment field by field, on both paths, from the --refresh preview the workflow runs", async () => {
    program.writeManifest("devices.yaml", devicesManifest({ interval: 60 }));
    program.writeManifest("sensors.yaml", sensorsManifest({ editedTwin: true, added: true }));
    edits = await pullRequest();
    const preview = edits.jobs[0]!;
    expect(preview.failedAt, preview.steps.map((s) => s.stdout + s.stderr).join("\n")).toBeUndefined();
    expect(preview.steps.find((s) => s.name === "Preview with the policy pack")?.status).toBe(0);
    expect(fs.readFileSync(path.join(program.dir, `preview-${STACK}.json`), "utf8")).toMatch(
      /"op": ?"refresh"/,
    );
    const full = edits.read("report-full.md");
    expect(full).toContain("**2 to update, 1 to create, 6 unchanged.**");
    expect(full).toContain("| ✏️ | update | enrollment | `gw-device-001` | 1 |");
    expect(full).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
    expect(full).toContain("| `initialTwin.tags.site` | _(none)_ | `plant-9` |");
    expect(full).toMatch(/\| ➕ \| create \| enrollment \| `sensor-006` \| [1-9]\d* \|/);
    expect(edits.read("report.md")).toBe(full);
  }, 600_000);

  it("gives the validator's group advice for the batch path in the comment, the full report and the policy pack", () => {
    const validator = edits.jobs[0]!.steps.find(
      (s) => s.name === "Validate manifests (no Azure access needed)",
    )!;
    const ids = ["sensor-001", "sensor-002", "sensor-004", "sensor-005"];
    const adviceOf = (text: string) =>
      text.split("\n").filter((l) => l.includes("individual enrollments share one configuration"));
    for (const [what, text] of [
      ["validate-manifests", validator.stdout],
      ["comment", edits.read("report.md")],
      ["full report", edits.read("report-full.md")],
      ["policy events", fs.readFileSync(path.join(program.dir, `events-${STACK}.jsonl`), "utf8")],
    ] as const) {
      const lines = adviceOf(text);
      expect([what, lines.length > 0]).toEqual([what, true]);
      for (const id of ids) expect([what, lines.some((l) => l.includes(id))]).toEqual([what, true]);
    }
  });

  it("shows a removed group as a delete, and after the merge's one deploy the next preview changes nothing", async () => {
    program.writeManifest("devices.yaml", BASELINE["devices.yaml"]);
    program.writeManifest("sensors.yaml", sensorsManifest());
    program.removeManifest("meters.yaml");
    const deletion = await pullRequest();
    const full = deletion.read("report-full.md");
    expect(full).toContain("**1 to delete");
    expect(full).toMatch(/\| ❌ \| delete \| enrollment group \| `meters` \| [1-9]\d* \|/);
    expect(full).toContain("| `enrollmentGroupId` | `meters` |");

    await deploy();
    const after = await pullRequest();
    const digest = JSON.parse(fs.readFileSync(path.join(program.dir, `preview-${STACK}.json`), "utf8")) as {
      changeSummary: Record<string, number>;
      steps: { op: string; urn: string }[];
    };
    expect(
      digest.steps.filter((s) => s.op !== "same" && s.op !== "refresh").map((s) => `${s.op} ${s.urn}`),
    ).toEqual([]);
    expect(after.read("report-full.md")).toContain("**No enrollment changes.**");
  }, 900_000);

  it("reports a preview that fails after validation as failed, with its errors and its stack, never as no changes", async () => {
    // The DPS's address changes to one where nothing answers: the manifests are valid, the refresh cannot reach DPS.
    const good = emulator.serviceHost;
    await program.stack.setConfig(
      "dps-as-code:emulator.serviceHost",
      { value: good.replace(/:\d+$/, ":1") },
      true,
    );
    try {
      const failed = await pullRequest();
      const preview = failed.jobs[0]!;
      expect(preview.failedAt).toBe("Fail when the preview failed (after the report data is saved)");
      expect(fs.readFileSync(path.join(program.dir, `exit-code-${STACK}.txt`), "utf8").trim()).not.toBe("0");
      for (const form of ["report.md", "summary.md", "report-full.md"]) {
        const text = failed.read(form);
        expect(text).toMatch(/The preview of `dev` failed \(exit \d+\)/);
        expect(text).toContain("Errors:");
        expect(text).not.toContain("No enrollment changes");
        expect(text).not.toContain("No policy violations");
      }
    } finally {
      await program.stack.setConfig("dps-as-code:emulator.serviceHost", { value: good }, true);
    }
  }, 600_000);

  it("uploads, writes and prints no key of the stack, and says which steps need GitHub or Azure", async () => {
    const secrets = await stackSecrets(program, emulator.connectionString);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    expect(everything.length).toBeGreaterThan(20);
    const leaks = everything.flatMap(({ what, text }) =>
      secrets.filter((s) => text.includes(s)).map(() => what),
    );
    expect(leaks).toEqual([]);
    // The uploaded event log is only policy events.
    const events = fs
      .readFileSync(path.join(program.dir, `events-${STACK}.jsonl`), "utf8")
      .trim()
      .split("\n");
    expect(events.every((line) => Object.keys(JSON.parse(line) as object).join() === "policyEvent")).toBe(
      true,
    );
    expect(edits.jobs[0]!.skipped).toEqual([
      "actions/checkout@v7: needs GitHub (the test runs in a copy of this checkout)",
      "actions/setup-node@v7: needs GitHub's tool cache (the project's Node is on PATH)",
      "Install dependencies: installs from the package registry (this checkout's dependencies are installed)",
      `${TYPECHECK}: checks the whole checkout, which CI's own npm run typecheck does`,
      "Install the Pulumi CLI: installs the CLI from GitHub (the pinned CLI is on PATH)",
      "./.github/actions/azure-federated-token: needs GitHub's OIDC token endpoint (the emulator stands in for DPS, a file backend for the state)",
    ]);
  });
});
