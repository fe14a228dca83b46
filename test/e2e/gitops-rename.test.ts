// Renaming an enrollment in a reviewed pull request: with the old id in `previousIds` the
// preview shows one replace of the same resource (a Pulumi alias), not an unrelated delete and
// create; `pulumi up` leaves only the new id in DPS and in the state, and the old id can then
// be dropped from the manifest without any change.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const manifest = (ids: { sensor: string; line: string }, previousIds?: { sensor: string; line: string }) => `
individualEnrollments:
  - registrationId: ${ids.sensor}
${previousIds ? `    previousIds: [${previousIds.sensor}]\n` : ""}    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
    initialTwin: { tags: { site: plant-7 } }
enrollmentGroups:
  - enrollmentGroupId: ${ids.line}
${previousIds ? `    previousIds: [${previousIds.line}]\n` : ""}    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`;
const OLD = { sensor: "plant-sensor-7", line: "plant-line-a" };
const NEW = { sensor: "plant-sensor-007", line: "plant-line-1" };

describeWithEngine("renaming enrollments through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const exists = async (kind: "individual" | "group", id: string) => {
    const sdk = serviceClientFor(emulator);
    try {
      await (kind === "individual" ? sdk.getIndividualEnrollment(id) : sdk.getEnrollmentGroup(id));
      return true;
    } catch (error) {
      if ((error as { response?: { statusCode?: number } }).response?.statusCode === 404) return false;
      throw error;
    }
  };

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "rename",
      manifests: { "plant.yaml": manifest(OLD) },
    });
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 6 }); // + the enrollment ledger
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("previews a rename without previousIds as an unrelated delete and create", async () => {
    program.writeManifest("plant.yaml", manifest(NEW));
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    // The ledger records the new ids in every rename.
    expect(preview.changeSummary).toEqual({ create: 2, delete: 2, same: 3, update: 1 });
  });

  it("previews a rename with previousIds as one replace per renamed enrollment", async () => {
    program.writeManifest("plant.yaml", manifest(NEW, OLD));
    const json = await program.pulumi(["preview", "--json"]);
    const digest = JSON.parse(json.slice(json.indexOf("{"))) as {
      changeSummary: Record<string, number>;
      steps: { op: string; urn: string; replaceReasons?: string[]; oldState?: { urn: string } }[];
    };
    expect(digest.changeSummary).toEqual({ replace: 2, same: 3, update: 1 });
    const replaces = digest.steps
      .filter((s) => s.op === "replace")
      .map((s) => [s.oldState?.urn.split("::").pop(), s.urn.split("::").pop(), s.replaceReasons]);
    expect(replaces.sort()).toEqual([
      [OLD.line, NEW.line, ["enrollmentGroupId"]],
      [OLD.sensor, NEW.sensor, ["registrationId"]],
    ]);
  });

  it("leaves only the new ids in DPS and in the state after `pulumi up`", async () => {
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges).toEqual({ replace: 2, same: 3, update: 1 });
    expect(await exists("individual", NEW.sensor)).toBe(true);
    expect(await exists("group", NEW.line)).toBe(true);
    expect(await exists("individual", OLD.sensor)).toBe(false);
    expect(await exists("group", OLD.line)).toBe(false);
    const state = await program.pulumi(["stack", "export"]);
    expect(state).toContain(`::${NEW.sensor}"`);
    expect(state).not.toContain(`::${OLD.sensor}"`);
    expect(state).not.toContain(`::${OLD.line}"`);
  });

  it("needs no change once deployed, with or without the previousIds", async () => {
    expect((await program.stack.preview({ onOutput: program.onOutput })).changeSummary).toEqual({ same: 6 });
    program.writeManifest("plant.yaml", manifest(NEW));
    expect((await program.stack.preview({ onOutput: program.onOutput })).changeSummary).toEqual({ same: 6 });
  });
});
