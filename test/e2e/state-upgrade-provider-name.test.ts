// A stack made by the version whose `__provider` references named folders of the project
// (enrollments, sets, ledger) and whose LocalProvisioningService stored its provider's serialised
// code (commit fba4631, taken from git), upgraded in place by this version, which stores each
// provider's stable name (contract/resources/provider-reference.ts): the preview and the first up
// are no-ops with no DPS request; the host keeps the stored texts in the outputs (it loads read and
// delete from them), so the older references keep loading for refresh and destroy; a real update
// of a resource stores its stable name; destroy removes everything.
import { afterAll, beforeAll, expect, it } from "vitest";
import { providerReference, storedProviderForm, type DynamicTypeName } from "@dps-as-code/contract";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, upgradeAsNoOp, type OlderVersionStack } from "../../testkit/older-version";

/** The last commit whose references named folders (and whose local DPS stored its code). */
const FOLDER_REFERENCE_COMMIT = "fba4631";

const previous = programFromOlderVersion(FOLDER_REFERENCE_COMMIT);

const MANIFESTS = {
  "batch.yaml": `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: named-meter-1
    attestation: { type: symmetricKey }
  - registrationId: named-meter-2
    attestation: { type: symmetricKey }
`,
  "single.yaml": `mode: individual
individualEnrollments:
  - registrationId: named-single-1
    attestation: { type: symmetricKey }
    initialTwin: { tags: { fleet: before } }
enrollmentGroups:
  - enrollmentGroupId: named-group
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`,
};

interface StoredResource {
  type: string;
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

const typeName = (r: StoredResource) => r.type.split(":").pop() as DynamicTypeName;

describeWithEngine(
  "upgrading a stack whose provider references name folders",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const dynamicResources = async () =>
      ((await program.stack.exportStack()).deployment.resources as StoredResource[]).filter((r) =>
        r.type.startsWith("pulumi-nodejs:dynamic/dps:"),
      );
    const held = (read: Promise<unknown>) =>
      read.then(
        () => true,
        () => false,
      );

    beforeAll(async () => {
      upgrade = await previous.start(engine, { stackName: "provider-name", manifests: MANIFESTS });
      ({ program, emulator } = upgrade);
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades with a no-op preview and up: no update, no replace, no DPS request", async () => {
      await program.up({ onOutput: program.onOutput });
      const made = await dynamicResources();
      const forms = Object.fromEntries(
        made.map((r) => [typeName(r), storedProviderForm(String(r.outputs?.__provider))]),
      );
      expect(forms).toEqual({
        LocalProvisioningService: "code",
        IndividualEnrollment: "folder",
        EnrollmentGroup: "folder",
        EnrollmentSet: "folder",
        EnrollmentLedger: "folder",
      });

      await upgradeAsNoOp(upgrade!);

      // The checked inputs carry the program's stable name; the outputs keep what was stored
      // until the resource's next update (the host loads read and delete from them).
      for (const r of await dynamicResources()) {
        expect(r.inputs?.__provider, r.urn).toBe(providerReference(typeName(r)));
        expect(storedProviderForm(String(r.outputs?.__provider)), r.urn).toBe(forms[typeName(r)]);
      }
    });

    it("then refreshes through the stored references, and previews no change", async () => {
      await program.refresh({ onOutput: program.onOutput });
      const preview = JSON.parse(await program.pulumi(["preview", "--json"])) as {
        changeSummary: Record<string, number>;
      };
      expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    });

    it("stores the stable name with a resource's next real update", async () => {
      program.writeManifest("single.yaml", MANIFESTS["single.yaml"].replace("fleet: before", "fleet: after"));
      const edited = await program.up({ onOutput: program.onOutput });
      expect(edited.summary.resourceChanges).toMatchObject({ update: 1 });
      const single = (await dynamicResources()).find((r) => r.urn.endsWith("::named-single-1"))!;
      expect(single.outputs?.__provider).toBe(providerReference("IndividualEnrollment"));
    });

    it("destroys everything, older stored forms included", async () => {
      await program.destroy({ onOutput: program.onOutput });
      const sdk = serviceClientFor(emulator);
      for (const id of ["named-meter-1", "named-meter-2", "named-single-1"])
        expect(await held(sdk.getIndividualEnrollment(id)), id).toBe(false);
      expect(await held(sdk.getEnrollmentGroup("named-group"))).toBe(false);
      expect(emulator.inspect.settings().linkedHubs).toEqual([]); // the local DPS's stored code ran
    });
  },
  previous.missing,
);
