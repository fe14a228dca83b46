// A stack made by the version that embedded the provider's code in every enrollment's state
// (commit 81129c7, built here from git), upgraded in place by this version: the first preview
// shows a state-only update of each enrollment, the first up rewrites `__provider` small without
// one DPS request, replaces nothing and changes no key, and from then on nothing changes, also
// when `pulumi` runs from another directory (`-C`).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { kindInfo, kindOfType, providerReference } from "@dps-as-code/contract";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { operationLog } from "../../testkit/dps-operations";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import type { LocalProgram } from "../../testkit/local-program";
import { programFromOlderVersion, type OlderVersionStack } from "../../testkit/older-version";
import { outputsAnOlderVersionHad } from "../../testkit/program-at-commit";

/** The last commit whose enrollments embedded the provider's serialised code (~97 KB) in state. */
const EMBEDDED_PROVIDER_COMMIT = "81129c7";
const PROGRAM_FILES = ["index.ts", "Pulumi.yaml", "package.json", "tsconfig.json", "components", "schemas"];

/** Extracted when the engine is there (describeWithEngine asks only then). */
const legacy = programFromOlderVersion(EMBEDDED_PROVIDER_COMMIT, PROGRAM_FILES);

const MANIFEST = `
individualEnrollments:
  - registrationId: upgrade-device-1
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
  - registrationId: upgrade-device-2
    attestation: { type: symmetricKey }
    initialTwin: { tags: { fleet: upgrade } }
enrollmentGroups:
  - enrollmentGroupId: upgrade-meters
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`;
const ENROLLMENTS = [
  ["individual", "upgrade-device-1"],
  ["individual", "upgrade-device-2"],
  ["group", "upgrade-meters"],
] as const;
const ENROLLMENT_TYPES = [
  "pulumi-nodejs:dynamic/dps:IndividualEnrollment",
  "pulumi-nodejs:dynamic/dps:EnrollmentGroup",
];

interface StoredResource {
  type: string;
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describeWithEngine(
  "upgrading a stack whose enrollments embed the provider's code",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let upgrade: OlderVersionStack | undefined;
    const log = operationLog();
    const requests = () => emulator.inspect.stats().requests;
    const enrollmentsInState = async () =>
      ((await program.stack.exportStack()).deployment.resources as StoredResource[]).filter((r) =>
        ENROLLMENT_TYPES.includes(r.type),
      );

    /** Each enrollment's ETag and keys as DPS holds them. */
    async function dpsView(): Promise<Record<string, unknown>> {
      const sdk = serviceClientFor(emulator);
      const view: Record<string, unknown> = {};
      for (const [kind, id] of ENROLLMENTS) {
        const record =
          kind === "individual" ? await sdk.getIndividualEnrollment(id) : await sdk.getEnrollmentGroup(id);
        const keys =
          kind === "individual"
            ? await sdk.getIndividualEnrollmentAttestationMechanism(id)
            : await sdk.getEnrollmentGroupAttestationMechanism(id);
        view[id] = { etag: record.responseBody.etag, keys: keys.responseBody.symmetricKey };
      }
      return view;
    }

    beforeAll(async () => {
      upgrade = await legacy.start(engine, {
        stackName: "upgrade",
        manifests: { "upgrade.yaml": MANIFEST },
        emulator: { logger: log.logger, logRequests: true },
      });
      ({ program, emulator } = upgrade);
    });
    afterAll(() => upgrade?.cleanup());

    it("upgrades in place: one state-only update per enrollment, no DPS request, no replace, no key change", async () => {
      const made = await program.up({ onOutput: program.onOutput });
      expect(made.summary.resourceChanges).toEqual({ create: 6 });
      for (const resource of await enrollmentsInState())
        expect(String(resource.outputs?.__provider).length).toBeGreaterThan(50_000);
      const dpsBefore = await dpsView();
      const keysBefore = await program.stack.outputs();

      program.installProgramFrom(projectRoot);
      const before = requests();
      const preview = JSON.parse(await program.pulumi(["preview", "--json", "--diff"])) as {
        steps: { op: string; urn: string; replaceReasons?: string[] }[];
        changeSummary: Record<string, number>;
      };
      // The enrollment ledger is new in this version: created, beside the three state-only updates.
      expect(preview.changeSummary).toEqual({ create: 1, same: 3, update: 3 });
      expect(
        preview.steps.filter((s) => s.op !== "same").map((s) => [s.op, s.urn.split("::").pop()]),
      ).toEqual(
        expect.arrayContaining([
          ["update", "upgrade-device-1"],
          ["update", "upgrade-device-2"],
          ["update", "upgrade-meters"],
        ]),
      );
      // What a reviewer reads: three updates with no field marked as changed, and not the 97 KB of
      // embedded code each had (the CLI never prints __provider).
      const text = (await program.stack.preview({ diff: true, onOutput: program.onOutput })).stdout;
      expect(text).toContain("~ 3 to update");
      expect(text).not.toContain("__provider");
      expect(text.length).toBeLessThan(20_000);
      const upgraded = await program.up({ onOutput: program.onOutput });
      expect(upgraded.summary.resourceChanges).toEqual({ create: 1, same: 3, update: 3 });
      expect(requests() - before).toBe(0);

      expect(await dpsView()).toEqual(dpsBefore);
      expect(outputsAnOlderVersionHad(keysBefore, await program.stack.outputs())).toEqual(keysBefore);
      for (const resource of await enrollmentsInState()) {
        const kind = kindOfType(resource.type)!;
        expect(resource.inputs?.__provider).toBe(providerReference(kindInfo(kind).typeName));
        expect(resource.outputs?.__provider).toBe(resource.inputs?.__provider);
      }
    });

    it("then previews no change and refreshes with one GET per enrollment, also run from another directory (-C)", async () => {
      const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "dps-elsewhere-"));
      try {
        const before = requests();
        const preview = JSON.parse(
          await program.pulumi(["-C", program.dir, "preview", "--json"], {}, elsewhere),
        ) as { changeSummary: Record<string, number> };
        expect(preview.changeSummary).toEqual({ same: 7 });
        expect(requests() - before).toBe(0);

        const beforeRefresh = log.operations.length;
        await program.pulumi(["-C", program.dir, "refresh", "--yes", "--skip-preview"], {}, elsewhere);
        // One GET per enrollment: their ETags did not move, so no key is read.
        const counts = log.countsSince(beforeRefresh);
        expect(counts).toMatchObject({ IndividualEnrollment_Get: 2, EnrollmentGroup_Get: 1 });
        expect(
          Object.keys(counts)
            .filter((operation) => operation.includes("Enrollment"))
            .sort(),
        ).toEqual(["EnrollmentGroup_Get", "IndividualEnrollment_Get"]);
        const after = JSON.parse(await program.pulumi(["preview", "--json"])) as {
          changeSummary: Record<string, number>;
        };
        expect(after.changeSummary).toEqual({ same: 7 });
      } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  },
  legacy.missing,
);
