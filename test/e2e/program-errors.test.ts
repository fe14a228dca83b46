// A bad manifest or a bad stack setting stops `pulumi preview` with the problems alone: no
// "unhandled exception", no stack trace through the project's files, nothing sent to DPS; a
// syntax error in the program with its file, line and column.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const GOOD =
  "individualEnrollments:\n  - registrationId: errors-device-1\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n";

describeWithEngine("errors in the program's inputs, as `pulumi preview` prints them", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "errors",
      manifests: { "fleet.yaml": GOOD },
    });
  });
  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  async function failedPreview(): Promise<string> {
    const failure = await program.pulumi(["preview"]).then(
      () => undefined,
      (error: Error & { stdout?: string }) => `${error.stdout ?? ""}\n${error.message}`,
    );
    expect(failure, "preview should have failed").toBeDefined();
    return failure!;
  }

  function expectNoStackTrace(output: string): void {
    expect(output).not.toMatch(/unhandled exception/);
    expect(output).not.toMatch(/^\s+at .+\(.*\.ts:\d+:\d+\)/m);
  }

  it("a bad manifest: its file, line, entry and field, and nothing else", async () => {
    program.writeManifest("fleet.yaml", GOOD.replace("allocationPolicy: static", "allocationPolicy: statc"));
    const output = await failedPreview();
    expect(output).toMatch(/enrollment manifests have 1 problem; nothing was sent to DPS/);
    expect(output).toMatch(/fleet\.yaml:5:\d+.*errors-device-1.*allocationPolicy/);
    expectNoStackTrace(output);
    expect(emulator.inspect.stats().serviceOperations).toBe(0);
    program.writeManifest("fleet.yaml", GOOD);
  }, 180_000);

  it("a syntax error in the program: its file, line and column; a type error is typecheck's, not preview's", async () => {
    const index = path.join(program.dir, "index.ts");
    const source = fs.readFileSync(index, "utf8");
    // Pulumi.yaml loads the program through the cached transpiler, which checks syntax only.
    fs.writeFileSync(index, `${source}\nexport const broken = ;\n`);
    const output = await failedPreview();
    const line = source.split("\n").length + 1;
    expect(output).toMatch(
      new RegExp(
        `Unable to compile TypeScript:\\s*\\n\\s*index\\.ts\\(${line},23\\): error TS1109: Expression expected\\.`,
      ),
    );
    expect(output).not.toMatch(/^\s+at .+\(.*\.[jt]s:\d+:\d+\)/m);
    expect(emulator.inspect.stats().serviceOperations).toBe(0);

    fs.writeFileSync(
      index,
      `${source}\nexport const mistyped: number = "not a number" as unknown as string;\n`,
    );
    const preview = await program.stack.preview();
    expect(preview.changeSummary).toMatchObject({ create: expect.any(Number) });
    program.installProgramFrom(projectRoot);
  }, 180_000);

  it("a bad stack setting: the key and what is allowed, and nothing else", async () => {
    await program.stack.setConfig("dps-as-code:enrollmentSets", { value: JSON.stringify({ shards: 0 }) });
    const output = await failedPreview();
    expect(output).toMatch(/Invalid stack configuration/);
    expect(output).toMatch(/dps-as-code:enrollmentSets\.shards: .*allowed/);
    expectNoStackTrace(output);
    await program.stack.removeConfig("dps-as-code:enrollmentSets");
  }, 180_000);
});
