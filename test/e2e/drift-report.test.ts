// The drift workflow's command through the real engine: `pulumi refresh --preview-only --event-log`
// after changes made on DPS by hand, turned by the drift report into what changed per
// enrollment (state -> DPS), while the state stays as it was.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { findDrift, renderDrift } from "../../scripts/drift/report";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const MANIFEST = `
individualEnrollments:
  - registrationId: drift-edited
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
    initialTwin: { tags: { site: plant-7 } }
  - registrationId: drift-deleted
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
enrollmentGroups:
  - enrollmentGroupId: drift-untouched
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`;

// The same enrollments on the batch path: the report names them as it names IndividualEnrollments.
const BATCH_MANIFEST = `
mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: drift-batch-edited
    attestation: { type: symmetricKey }
    initialTwin: { tags: { site: plant-7 } }
  - registrationId: drift-batch-deleted
    attestation: { type: symmetricKey }
  - registrationId: drift-batch-untouched
    attestation: { type: symmetricKey }
`;

describeWithEngine("the nightly drift report through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;

  /** What the workflow runs, then reads: the engine's event log of a refresh preview. */
  async function refreshPreview(): Promise<string> {
    const log = path.join(program.dir, "refresh-events.jsonl");
    fs.rmSync(log, { force: true });
    await program.pulumi(["refresh", "--preview-only", "--event-log", log], {
      PULUMI_DEBUG_COMMANDS: "true",
    });
    return fs.readFileSync(log, "utf8");
  }

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "drift",
      manifests: { "fleet.yaml": MANIFEST, "meters.yaml": BATCH_MANIFEST },
    });
    await program.stack.up({ onOutput: program.onOutput });
  }, 180_000);

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("reports nothing while DPS holds what the state says", async () => {
    const report = findDrift("drift", await refreshPreview());
    expect(report).toEqual({ stack: "drift", checked: 6, drifted: [] });
    expect(renderDrift(report)).toBe(
      "### No drift on stack drift\n\n6 enrollment(s) checked: DPS holds what the state says.\n",
    );
  }, 120_000);

  it("names each drifted enrollment and field, and changes no state", async () => {
    const sdk = serviceClientFor(emulator);
    for (const prefix of ["drift-", "drift-batch-"]) {
      const edited = (await sdk.getIndividualEnrollment(`${prefix}edited`)).responseBody;
      edited.provisioningStatus = "disabled";
      edited.initialTwin = {
        ...edited.initialTwin,
        tags: { ...edited.initialTwin?.tags, site: "plant-9" },
      } as typeof edited.initialTwin;
      await sdk.createOrUpdateIndividualEnrollment(edited);
      await sdk.deleteIndividualEnrollment(`${prefix}deleted`);
    }
    const stateBefore = await program.pulumi(["stack", "export"]);

    const report = findDrift("drift", await refreshPreview());
    const edited = (id: string) => ({
      kind: "individual enrollment",
      id,
      drift: [
        { path: "initialTwin.tags.site", state: "plant-7", dps: "plant-9" },
        { path: "provisioningStatus", state: undefined, dps: "disabled" },
      ],
    });
    expect(report.drifted).toEqual([
      { kind: "individual enrollment", id: "drift-batch-deleted", drift: "deleted" },
      edited("drift-batch-edited"),
      { kind: "individual enrollment", id: "drift-deleted", drift: "deleted" },
      edited("drift-edited"),
    ]);
    expect(renderDrift(report)).toContain("### Drift on stack drift: 4 of 6 enrollment(s) drifted");
    expect(renderDrift(report)).toContain(
      "| `drift-edited` | individual enrollment | `initialTwin.tags.site`: `plant-7` → `plant-9`<br>`provisioningStatus`: _(none)_ → `disabled` |",
    );
    expect(await program.pulumi(["stack", "export"])).toBe(stateBefore);
  }, 120_000);
});
