// Bytes of state per enrollment, through the real engine: a symmetric-key individual enrollment
// of ours against the engine floor (the same program and inputs through a do-nothing dynamic
// provider). The file backend rewrites the whole snapshot after every step, so these bytes are
// what makes a large `pulumi up` slow.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { installEngineFloor, stateBytes, type StateBytes } from "../../testkit/engine-floor";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const INDIVIDUAL = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
/** Within 3 KB of the floor per enrollment. */
const MAX_BYTES_ABOVE_FLOOR = 3 * 1024;

function manifest(count: number): string {
  const lines = ["defaults:", "  iotHubs: [weu]", "  allocationPolicy: static", "individualEnrollments:"];
  for (let i = 0; i < count; i++)
    lines.push(`  - registrationId: size-device-${i}`, "    attestation: { type: symmetricKey }");
  return lines.join("\n") + "\n";
}

describeWithEngine("state bytes per enrollment", (engine) => {
  let emulator: RunningEmulator;
  const programs: LocalProgram[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    for (const program of programs) program.cleanup();
    await emulator?.stop();
  });

  async function deployed(stackName: string, floor: boolean): Promise<StateBytes> {
    const program = await createLocalProgram(engine, emulator, {
      stackName,
      manifests: { "size.yaml": manifest(3) },
    });
    programs.push(program);
    if (floor) installEngineFloor(program.dir);
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 7 }); // 3 enrollments, stack, platform (2), enrollment ledger
    return stateBytes(await program.stack.exportStack(), INDIVIDUAL);
  }

  it("keeps a symmetric-key individual enrollment within 3 KB of the engine floor's", async () => {
    const floor = await deployed("size-floor", true);
    const ours = await deployed("size-ours", false);
    console.info(
      `state bytes per individual enrollment: ours ${ours.bytesPerResource}, engine floor ${floor.bytesPerResource}`,
    );
    expect(floor.count).toBe(3);
    expect(ours.count).toBe(3);
    expect(ours.bytesPerResource - floor.bytesPerResource).toBeLessThan(MAX_BYTES_ABOVE_FLOOR);
  });
});
