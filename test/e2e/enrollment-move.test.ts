// Moving devices between individual enrollments and an enrollment group, end to end.
// The real program on the real engine against the emulator; the move is planned by the
// project's command (npm run plan-enrollment-move), its pull requests applied with `git apply`
// in order and deployed with the policy pack; devices register with Microsoft's device SDK.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor, symmetricKeyDeviceClientFor, x509DeviceClientFor } from "../../emulator/clients";
import { makeCertificate, type KeyAndCertificate } from "../../testkit/certificates";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { addProjectScripts, runAsPasted, shellBlockCommands } from "../../testkit/printed-commands";
import { runProjectToolAsync } from "../../testkit/project-tool";
import {
  policyConfigPath,
  policyPackDir,
  policyPackMissingReason,
  previewWithPolicyPack,
  verdictKeys,
} from "../../testkit/policy-pack";

const WEU = "dpsac-local-weu.azure-devices.net";
const STACK = "move";
const run = promisify(execFile);
/** Each test drives up to three engine operations with the policy pack (a minute or more each on a busy machine). */
const SLOW = 1_200_000;
/** The enrollment group DPS used, from the device's own registration result (DeviceRegistrationResult's x509 / symmetricKey). */
const viaGroup = (result: unknown) => {
  const r = result as {
    x509?: { enrollmentGroupId?: string };
    symmetricKey?: { enrollmentGroupId?: string };
  };
  return r.x509?.enrollmentGroupId ?? r.symmetricKey?.enrollmentGroupId;
};

describeWithEngine(
  "moving devices between individual enrollments and a group",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    let ca: KeyAndCertificate;
    let otherCa: KeyAndCertificate;
    const cameras: Record<string, KeyAndCertificate> = {};
    let rogue: KeyAndCertificate;
    let pilotIndividualKey = "";
    let derivedPilotKey = "";

    /** `npm run plan-enrollment-move -- --stack move ...`, run where the stack's Pulumi.<stack>.yaml is. */
    const planMove = async (args: string[], out: string) => {
      const { stdout } = await runProjectToolAsync(
        "plan-enrollment-move",
        ["--stack", STACK, ...args, "--out", out],
        {
          cwd: program.dir,
          env: { ...engine.env },
        },
      );
      return stdout;
    };
    /** One pull request of the plan: its patch applied to the program's manifests, as `git apply` does in a checkout. */
    const applyStep = (step: string) =>
      run("git", ["apply", path.join(step, "changes.patch")], { cwd: program.dir });
    const upWithPolicy = () =>
      program.up({
        policyPacks: [policyPackDir],
        policyPackConfigs: [policyConfigPath("local")],
        onOutput: program.onOutput,
      });
    const registerCamera = (id: string, cert: KeyAndCertificate) =>
      x509DeviceClientFor(emulator, id, cert.certificatePem, cert.privateKeyPem).register();

    beforeAll(async () => {
      emulator = await startTestEmulator();
      ca = makeCertificate({ commonName: "Contoso Camera CA", isCa: true });
      otherCa = makeCertificate({ commonName: "Fabrikam Camera CA", isCa: true });
      for (const id of ["lab-cam-001", "lab-cam-002"])
        cameras[id] = makeCertificate({ commonName: id, issuer: ca });
      rogue = makeCertificate({ commonName: "rogue-cam-001", issuer: otherCa });
      program = await createLocalProgram(engine, emulator, { stackName: STACK, manifests: {} });
      addProjectScripts(program);
      const certFile = (name: string, pem: string) => {
        const file = path.join(program.dir, "certs", `${name}.pem`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, pem);
        return file;
      };
      await program.stack.setAllConfig(
        {
          "dps-as-code:dps.caCertificates.camera-ca.certificatePath": {
            value: certFile("camera-ca", ca.certificatePem),
          },
          "dps-as-code:dps.caCertificates.camera-ca.verified": { value: "true" },
        },
        true,
      );
      const camera = (id: string, cert: KeyAndCertificate) => `
  - registrationId: ${id}
    attestation:
      type: x509
      x509: { clientCertificates: { primary: { certificateFile: ${certFile(id, cert.certificatePem)} } } }`;
      program.writeManifest(
        "cameras.yaml",
        `defaults:
  iotHubs: [weu]
  allocationPolicy: static
  reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true }
  initialTwin:
    tags: { fleet: lab-cameras }
individualEnrollments:${camera("lab-cam-001", cameras["lab-cam-001"]!)}${camera("lab-cam-002", cameras["lab-cam-002"]!)}${camera("rogue-cam-001", rogue)}
`,
      );
      program.writeManifest(
        "pilots.yaml",
        `individualEnrollments:
  - registrationId: pilot-sensor-01
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
    initialTwin:
      tags: { fleet: pilots }
`,
      );
    });

    afterAll(async () => {
      program?.cleanup();
      await emulator?.stop();
    });

    it(
      "starts with every device enrolled individually",
      async () => {
        const result = await upWithPolicy();
        expect(result.summary.result).toBe("succeeded");
        for (const [id, cert] of Object.entries(cameras)) {
          const registration = await registerCamera(id, cert);
          expect(registration).toMatchObject({ assignedHub: WEU, deviceId: id });
          expect(viaGroup(registration)).toBeUndefined();
        }
        const keys = (await program.outputs())["individualEnrollmentKeys"]!.value as Record<
          string,
          { primaryKey: string }
        >;
        pilotIndividualKey = keys["pilot-sensor-01"]!.primaryKey;
        expect(
          await symmetricKeyDeviceClientFor(emulator, "pilot-sensor-01", pilotIndividualKey).register(),
        ).toMatchObject({ assignedHub: WEU, deviceId: "pilot-sensor-01" });
      },
      SLOW,
    );

    /** A stack secret as the program reads it. */
    const secretOf = async (name: string) => (await program.stack.getConfig(`dps-as-code:${name}`)).value;
    const registerPilot = (key: string) =>
      symmetricKeyDeviceClientFor(emulator, "pilot-sensor-01", key).register();

    // The symmetric-key move has three pull requests, the X.509 move two; each `up` deploys the
    // next pull request of both moves (they touch different files), which keeps the test within
    // the suite's time on two cores.
    it(
      "plans the moves; the symmetric-key device's individual enrollment first accepts its future derived key too, stored by the plan's commands run as printed",
      async () => {
        const cameraPlan = path.join(program.dir, "plan-cameras");
        const printed = await planMove(
          ["--to-group", "lab-cameras", "lab-cam-001", "lab-cam-002"],
          cameraPlan,
        );
        expect(printed).toContain("1. Create enrollment group lab-cameras");
        expect(printed).toContain("2. Retire 2 individual enrollment(s) now covered by lab-cameras");
        const group = fs.readFileSync(
          path.join(cameraPlan, "1-create-group", "files", "enrollments", "e2e", "lab-cameras.yaml"),
          "utf8",
        );
        expect(group).toContain("caReferences:\n          primary: camera-ca");

        const pilotPlan = path.join(program.dir, "plan-pilots");
        expect(await planMove(["--to-group", "pilot-sensors", "pilot-sensor-01"], pilotPlan)).toContain(
          "3 pull request(s), in this order:\n" +
            "  1. Let 1 device(s) switch to their key derived from pilot-sensors  (" +
            path.join(pilotPlan, "1-add-derived-keys") +
            ")\n  2. Create enrollment group pilot-sensors  (" +
            path.join(pilotPlan, "2-create-group") +
            ")\n  3. Retire 1 individual enrollment(s) now covered by pilot-sensors  (" +
            path.join(pilotPlan, "3-retire-individual-enrollments") +
            ")\n",
        );
        expect(fs.readFileSync(path.join(pilotPlan, "1-add-derived-keys", "device-ids.txt"), "utf8")).toBe(
          "pilot-sensor-01\n",
        );
        // The key hand-over, pasted as printed: group keys chosen, the device's current key kept
        // as its primary, its derived key stored as its secondary.
        const description = fs.readFileSync(
          path.join(pilotPlan, "1-add-derived-keys", "PULL_REQUEST.md"),
          "utf8",
        );
        const [setUp, factory] = description.split("After this step deploys");
        const commands = shellBlockCommands(setUp!);
        expect(commands).toHaveLength(4);
        for (const command of commands) await runAsPasted(program, command);
        const groupKey = await secretOf("groupKey-pilot-sensors-primary");
        expect(Buffer.from(groupKey, "base64")).toHaveLength(64);
        expect(await secretOf("deviceKey-pilot-sensor-01-primary")).toBe(pilotIndividualKey);
        derivedPilotKey = await secretOf("deviceKey-pilot-sensor-01-secondary");
        expect(derivedPilotKey).toBe(deriveDeviceKey(groupKey, "pilot-sensor-01"));
        // What the factory gets, pasted as printed from the step's folder (where device-ids.txt is).
        const [forFactory] = shellBlockCommands(factory!);
        const { stdout } = await runAsPasted(
          program,
          `cd ${path.join(pilotPlan, "1-add-derived-keys")} && ${forFactory}`,
        );
        expect(stdout).toBe(`pilot-sensor-01 ${derivedPilotKey}\n`);

        await applyStep(path.join(cameraPlan, "1-create-group"));
        await applyStep(path.join(pilotPlan, "1-add-derived-keys"));
        // The camera group, the pilot's enrollment (new keys), the ledger.
        expect((await upWithPolicy()).summary.resourceChanges).toMatchObject({ create: 1, update: 2 });

        const camera = await registerCamera("lab-cam-001", cameras["lab-cam-001"]!);
        expect(camera).toMatchObject({ assignedHub: WEU });
        expect(viaGroup(camera)).toBeUndefined();
        // Either key works now, through the device's individual enrollment: its hub and id stay.
        for (const key of [pilotIndividualKey, derivedPilotKey, pilotIndividualKey]) {
          const pilot = await registerPilot(key);
          expect(pilot).toMatchObject({ assignedHub: WEU, deviceId: "pilot-sensor-01" });
          expect(viaGroup(pilot)).toBeUndefined();
        }
      },
      SLOW,
    );

    it(
      "creates the symmetric-key group in the second pull request; devices still register through their individual enrollment with either key",
      async () => {
        await applyStep(path.join(program.dir, "plan-pilots", "2-create-group"));
        expect((await upWithPolicy()).summary.resourceChanges).toMatchObject({ create: 1, update: 1 });
        const groupKeys = (await program.outputs())["enrollmentGroupKeys"]!.value as Record<
          string,
          { primaryKey: string }
        >;
        expect(deriveDeviceKey(groupKeys["pilot-sensors"]!.primaryKey, "pilot-sensor-01")).toBe(
          derivedPilotKey,
        );
        for (const key of [derivedPilotKey, pilotIndividualKey]) {
          const pilot = await registerPilot(key);
          expect(pilot).toMatchObject({ assignedHub: WEU, deviceId: "pilot-sensor-01" });
          expect(viaGroup(pilot)).toBeUndefined();
        }
      },
      SLOW,
    );

    it(
      "retires the individual enrollments in the last pull requests; X.509 devices re-provision through the group with the same identity and hub, the symmetric-key device with its derived key",
      async () => {
        await applyStep(path.join(program.dir, "plan-cameras", "2-retire-individual-enrollments"));
        await applyStep(path.join(program.dir, "plan-pilots", "3-retire-individual-enrollments"));
        // The mandatory retirement policy runs in `up` too: a covered deletion passes it.
        expect((await upWithPolicy()).summary.resourceChanges).toMatchObject({ delete: 3, update: 1 });
        await expect(serviceClientFor(emulator).getIndividualEnrollment("lab-cam-001")).rejects.toThrow();

        for (const [id, cert] of Object.entries(cameras)) {
          const registration = await registerCamera(id, cert);
          expect(registration).toMatchObject({ assignedHub: WEU, deviceId: id });
          expect(viaGroup(registration)).toBe("lab-cameras");
          expect(emulator.inspect.device(WEU, id)?.twin.tags).toMatchObject({ fleet: "lab-cameras" });
        }
        // The registration state went with the individual enrollment: this is a first registration
        // through the group, placed by the group's one hub, the device's own.
        const moved = await registerPilot(derivedPilotKey);
        expect(moved).toMatchObject({
          assignedHub: WEU,
          deviceId: "pilot-sensor-01",
          substatus: "initialAssignment",
        });
        expect(viaGroup(moved)).toBe("pilot-sensors");
        await expect(registerPilot(pilotIndividualKey)).rejects.toThrow();
      },
      SLOW,
    );

    it(
      "refuses, before up, a change that deletes an individual enrollment no group covers, unless the change says so",
      async () => {
        const cameras = fs.readFileSync(path.join(program.manifestsDir, "cameras.yaml"), "utf8");
        expect(cameras).toContain("rogue-cam-001");
        // Skipping the order: the entry is deleted with no group for its CA.
        program.writeManifest(
          "cameras.yaml",
          cameras
            .replace(/\n {2}- registrationId: rogue-cam-001\n(?: {4}.*\n?)+/, "\n")
            .replace(/individualEnrollments:\s*$/, ""),
        );
        const preview = await previewWithPolicyPack(program, "local");
        expect(preview.passed).toBe(false);
        expect(verdictKeys(preview.verdicts).filter((v) => v.includes("retirement"))).toEqual([
          "mandatory dps-enrollment-retirement-covered enrollment-ledger",
        ]);
        expect(
          preview.verdicts.find((v) => v.policyName === "dps-enrollment-retirement-covered")!.message,
        ).toBe(
          'individual enrollment "rogue-cam-001" is deleted but no enrollment group of this stack covers its device (no enabled X.509 enrollment group holds the certificate that issued it (CN=Fabrikam Camera CA)): ' +
            "the device could no longer provision. Create or widen the group first, in an earlier change (npm run plan-enrollment-move), or, if the device is retired on purpose, list it under retiredEnrollments with the reason.",
        );
        await expect(upWithPolicy()).rejects.toThrow(/dps-enrollment-retirement-covered/);
        expect(
          (await serviceClientFor(emulator).getIndividualEnrollment("rogue-cam-001")).responseBody
            .registrationId,
        ).toBe("rogue-cam-001");

        // The same change, saying so explicitly.
        program.writeManifest(
          "retired.yaml",
          `retiredEnrollments:\n  - registrationId: rogue-cam-001\n    reason: "camera returned to the vendor (RMA 4711)"\n`,
        );
        // `up` runs the same mandatory policy the preview ran: passing it is the acknowledgement accepted.
        expect((await upWithPolicy()).summary.resourceChanges).toMatchObject({ delete: 1, update: 1 });
      },
      SLOW,
    );
  },
  policyPackMissingReason,
);
