// Every kind of command the project prints for a person works when pasted as printed: each is
// taken from the real output of the tool that prints it and run verbatim with `bash -c`, from
// the root of a copy of the project, with the project's environment, on a real stack; then what
// it says it does is checked. (The move plan's symmetric-key hand-over to a group is run the same
// way in enrollment-move.test.ts.)
//   - the advice's move command (npm run validate-manifests -- --stack <stack>);
//   - a move plan's key hand-over to individual enrollments (npm run plan-enrollment-move);
//   - the key of a batched enrollment (in no stack output) as the move and rotation plans copy it
//     (npm run enrollment-key);
//   - the recovery hint of a locked stack (npm run resolve-pending);
//   - what an exported manifest asks to run before `pulumi up` (npm run export);
//   - the rotation plans the certificate expiry report names (npm run certificate-expiry), with
//     its placeholders filled in by a real new certificate.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import { adminRequest } from "../../testkit/admin-client";
import { makeCertificate } from "../../testkit/certificates";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { addProjectScripts, runAsPasted, shellBlockCommands } from "../../testkit/printed-commands";
import {
  NEW_CA_FILE_PLACEHOLDER,
  NEW_CA_NAME_PLACEHOLDER,
  NEW_CERTIFICATE_FILE_PLACEHOLDER,
} from "@dps-as-code/contract";

const STACK = "printed";
const WEU = "dpsac-local-weu.azure-devices.net";
const SLOW = 600_000;

/** Valid base64 of the key's bytes, nothing before or after (no banner, no newline). */
const isCleanBase64 = (key: string) =>
  key.length > 0 && Buffer.from(key, "base64").toString("base64") === key;

describeWithEngine("commands the project prints, pasted as printed", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  let groupKeys: { primaryKey: string; secondaryKey: string };
  const secretOf = async (name: string) => (await program.stack.getConfig(`dps-as-code:${name}`)).value;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    const pilots = ["01", "02", "03", "04", "05"]
      .map((n) => `  - registrationId: pilot-${n}\n    attestation: { type: symmetricKey }`)
      .join("\n");
    program = await createLocalProgram(engine, emulator, {
      stackName: STACK,
      manifests: {
        "pilots.yaml": `defaults:\n  iotHubs: [weu]\n  allocationPolicy: static\nindividualEnrollments:\n${pilots}\n`,
        "meters.yaml": `enrollmentGroups:\n  - enrollmentGroupId: meters\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n`,
      },
    });
    addProjectScripts(program);
    const result = await program.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    groupKeys = ((await program.outputs())["enrollmentGroupKeys"]!.value as Record<string, typeof groupKeys>)[
      "meters"
    ]!;
  }, SLOW);

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it(
    "the advice's move command, as validate-manifests prints it for the stack, plans the move",
    async () => {
      const { stdout } = await runAsPasted(
        program,
        `npm run --silent validate-manifests -- --stack ${STACK}`,
      );
      const printed = /Move them safely: (.+)$/m.exec(stdout)?.[1];
      expect(printed).toBe(
        `npm run plan-enrollment-move -- --stack ${STACK} --to-group pilot-group pilot-01 pilot-02 pilot-03 pilot-04 pilot-05`,
      );
      const plan = await runAsPasted(program, printed!);
      expect(plan.stdout).toContain("3 pull request(s), in this order:");
      expect(
        fs.existsSync(
          path.join(program.dir, "enrollment-move-pilot-group", "1-add-derived-keys", "PULL_REQUEST.md"),
        ),
      ).toBe(true);
    },
    SLOW,
  );

  it(
    "a move plan's key hand-over to individual enrollments stores each device's derived keys as clean base64, and the device registers with its key",
    async () => {
      const out = path.join(program.dir, "to-individual");
      await runAsPasted(
        program,
        `npm run --silent plan-enrollment-move -- --stack ${STACK} --from-group meters meter-7 --out ${out}`,
      );
      const step = path.join(out, "1-create-individual-enrollments");
      const commands = shellBlockCommands(fs.readFileSync(path.join(step, "PULL_REQUEST.md"), "utf8"));
      expect(commands).toHaveLength(2);
      for (const command of commands) await runAsPasted(program, command);
      const primary = await secretOf("deviceKey-meter-7-primary");
      const secondary = await secretOf("deviceKey-meter-7-secondary");
      expect(isCleanBase64(primary)).toBe(true);
      expect(primary).toBe(deriveDeviceKey(groupKeys.primaryKey, "meter-7"));
      expect(secondary).toBe(deriveDeviceKey(groupKeys.secondaryKey, "meter-7"));

      const apply = spawnSync("git", ["apply", path.join(step, "changes.patch")], { cwd: program.dir });
      expect(apply.status).toBe(0);
      expect((await program.up({ onOutput: program.onOutput })).summary.resourceChanges).toMatchObject({
        create: 1,
      });
      // The device's key, unchanged, now matches its individual enrollment.
      const registration = await symmetricKeyDeviceClientFor(emulator, "meter-7", primary).register();
      expect(registration).toMatchObject({ assignedHub: WEU, deviceId: "meter-7" });
      expect(
        (registration as { symmetricKey?: { enrollmentGroupId?: string } }).symmetricKey?.enrollmentGroupId,
      ).toBeUndefined();
    },
    SLOW,
  );

  it(
    "a batched enrollment's key, in no stack output, is what the move and rotation plans' printed commands store: the key DPS holds",
    async () => {
      program.writeManifest(
        "batched.yaml",
        "mode: batch\nindividualEnrollments:\n  - registrationId: batched-01\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n",
      );
      expect((await program.up({ onOutput: program.onOutput })).summary.result).toBe("succeeded");
      const held = (
        await serviceClientFor(emulator).getIndividualEnrollmentAttestationMechanism("batched-01")
      ).responseBody.symmetricKey as { primaryKey: string; secondaryKey: string };
      // The batch path has one row per set in the outputs, none per enrollment, and no key.
      const outputs = await program.stack.outputs();
      expect(Object.keys(outputs["individualEnrollmentKeys"]!.value as object)).not.toContain("batched-01");
      expect((outputs["enrollments"]!.value as { id: string }[]).map((row) => row.id)).not.toContain(
        "batched-01",
      );
      const sets = Object.values(
        outputs["batchedEnrollments"]!.value as Record<string, { enrollments: number; sources: object }>,
      );
      expect(sets.reduce((sum, set) => sum + set.enrollments, 0)).toBe(1);
      expect(sets.flatMap((set) => Object.keys(set.sources))).toEqual([
        expect.stringMatching(/batched\.yaml$/),
      ]);

      // Moving it into a group: its current key becomes a stack secret, the derived one the other.
      await runAsPasted(
        program,
        `npm run --silent plan-enrollment-move -- --stack ${STACK} --to-group meters batched-01 --out move-batched`,
      );
      const moveStep = fs.readFileSync(
        path.join(program.dir, "move-batched", "1-add-derived-keys", "PULL_REQUEST.md"),
        "utf8",
      );
      const storing = shellBlockCommands(moveStep).filter((command) => command.includes("config set"));
      expect(storing).toHaveLength(2);
      expect(storing[0]).toContain(
        `npm run --silent enrollment-key -- --stack ${STACK} batched-01 primary |`,
      );
      for (const command of storing) await runAsPasted(program, command);
      expect(await secretOf("deviceKey-batched-01-primary")).toBe(held.primaryKey);
      expect(await secretOf("deviceKey-batched-01-secondary")).toBe(
        deriveDeviceKey(groupKeys.primaryKey, "batched-01"),
      );

      // Rotating its keys: both keys DPS generated become stack secrets first.
      await runAsPasted(
        program,
        `npm run --silent plan-rotation -- --stack ${STACK} --enrollment batched-01 --generation r2 --out rotation-batched`,
      );
      const declareStep = fs.readFileSync(
        path.join(program.dir, "rotation-batched", "1-declare-current-keys", "PULL_REQUEST.md"),
        "utf8",
      );
      const copying = shellBlockCommands(declareStep);
      expect(copying).toHaveLength(2);
      for (const command of copying) await runAsPasted(program, command);
      expect(await secretOf("deviceKey-batched-01-primary")).toBe(held.primaryKey);
      expect(await secretOf("deviceKey-batched-01-secondary")).toBe(held.secondaryKey);
      expect(isCleanBase64(held.secondaryKey)).toBe(true);
    },
    SLOW,
  );

  it(
    "the hint of a stack a killed pulumi left locked, as resolve-pending prints it, unlocks the stack",
    async () => {
      // The lock a killed `pulumi` leaves: this host, a process that no longer runs.
      const dead = spawnSync("true");
      const locks = path.join(program.backendDir, ".pulumi", "locks", "organization", "dps-as-code", STACK);
      fs.mkdirSync(locks, { recursive: true });
      fs.writeFileSync(
        path.join(locks, "killed.json"),
        JSON.stringify({
          pid: dead.pid,
          username: os.userInfo().username,
          hostname: os.hostname(),
          timestamp: new Date().toISOString(),
        }),
      );
      const refused = await runAsPasted(program, `npm run --silent resolve-pending -- --stack ${STACK}`).then(
        () => undefined,
        (error: Error) => error.message,
      );
      const hint = /\(then: (npm run [^)]+)\)/.exec(refused ?? "")?.[1];
      expect(hint).toBe(`npm run unlock-stale -- --stack ${STACK}`);
      await runAsPasted(program, hint!);
      expect(fs.readdirSync(locks)).toEqual([]);
      await expect(program.stack.preview({ onOutput: program.onOutput })).resolves.toBeDefined();
    },
    SLOW,
  );

  it(
    "what an exported manifest asks to run before `pulumi up` declares the CA it names",
    async () => {
      const ca = makeCertificate({ commonName: "Exported CA", isCa: true });
      const put = await adminRequest(emulator, "PUT", "/admin/certificates/exported-ca", {
        certificate: ca.certificatePem,
        isVerified: true,
      });
      expect(put.status).toBe(200);
      await serviceClientFor(emulator).createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "exported-cams",
        attestation: { type: "x509", x509: { caReferences: { primary: "exported-ca" } } },
      } as never);
      const out = path.join(program.dir, "exported", "cams.yaml");
      await runAsPasted(
        program,
        `npm run --silent export -- --connection-string-env DPS_CONNECTION_STRING --ca-cert ${emulator.caCertPath} --out ${out}`,
        {
          DPS_CONNECTION_STRING: emulator.connectionString,
        },
      );
      const actions = fs
        .readFileSync(out, "utf8")
        .split("\n")
        .map((line) => /: (pulumi config set --path .+)$/.exec(line)?.[1])
        .filter((c): c is string => c !== undefined);
      expect(actions).toEqual([
        `pulumi config set --path 'dps-as-code:dps.caCertificates.exported-ca.existing' true`,
      ]);
      for (const action of actions) await runAsPasted(program, action);
      expect(
        (await program.stack.getConfig("dps-as-code:dps.caCertificates.exported-ca.existing", true)).value,
      ).toBe("true");
    },
    SLOW,
  );

  it(
    "the rotation plans the certificate expiry report names, placeholders filled with a real new certificate, write their pull requests",
    async () => {
      const day = 86_400_000;
      const inFiveDays = new Date(Date.now() + 5 * day + 3_600_000);
      const certs = path.join(program.dir, "certs");
      fs.mkdirSync(certs, { recursive: true });
      const ca = makeCertificate({ commonName: "Printed Root", isCa: true, notAfter: inFiveDays });
      fs.writeFileSync(path.join(certs, "printed-root.pem"), ca.certificatePem);
      const device = makeCertificate({ commonName: "printed-cam", issuer: ca, notAfter: inFiveDays });
      fs.writeFileSync(path.join(program.manifestsDir, "printed-cam.pem"), device.certificatePem);
      program.writeManifest(
        "expiring.yaml",
        [
          "defaults: { iotHubs: [weu], allocationPolicy: static }",
          "individualEnrollments:",
          "  - { registrationId: printed-cam, attestation: { type: x509, x509: { clientCertificates: { primary: { certificateFile: printed-cam.pem } } } } }",
          "enrollmentGroups:",
          "  - { enrollmentGroupId: printed-cams, attestation: { type: x509, x509: { caReferences: { primary: printed-root } } } }",
          "",
        ].join("\n"),
      );
      await program.stack.setConfig(
        "dps-as-code:dps.caCertificates.printed-root.certificatePath",
        { value: "certs/printed-root.pem" },
        true,
      );
      const { stdout } = await runAsPasted(
        program,
        `npm run --silent certificate-expiry -- --stack ${STACK}`,
      );
      const printed = [...stdout.matchAll(/^ {2}run: (.+)$/gm)].map((m) => m[1]!);
      expect(printed).toEqual([
        `npm run plan-rotation -- --stack ${STACK} --enrollment printed-cams --kind ca --new-ca ${NEW_CA_NAME_PLACEHOLDER} --certificate ${NEW_CA_FILE_PLACEHOLDER} --out rotation-printed-cams`,
        `npm run plan-rotation -- --stack ${STACK} --enrollment printed-cam --kind certificate --certificate ${NEW_CERTIFICATE_FILE_PLACEHOLDER} --out rotation-printed-cam`,
      ]);

      // What the person has: a new CA, and the device's new certificate (same CN) from it.
      const newCa = makeCertificate({ commonName: "Printed Root 2027", isCa: true, validDays: 730 });
      fs.writeFileSync(path.join(certs, "printed-root-2027.pem"), newCa.certificatePem);
      const renewed = makeCertificate({ commonName: "printed-cam", issuer: newCa, validDays: 365 });
      fs.writeFileSync(path.join(certs, "printed-cam-2027.pem"), renewed.certificatePem);
      const filled = printed.map((command) =>
        command
          .replace(NEW_CA_NAME_PLACEHOLDER, "printed-root-2027")
          .replace(NEW_CA_FILE_PLACEHOLDER, "certs/printed-root-2027.pem")
          .replace(NEW_CERTIFICATE_FILE_PLACEHOLDER, "certs/printed-cam-2027.pem"),
      );
      const caPlan = await runAsPasted(program, filled[0]!);
      expect(caPlan.stdout).toContain("3 pull request(s), in this order:");
      const addCa = fs.readFileSync(
        path.join(program.dir, "rotation-printed-cams", "1-add-new-ca", "PULL_REQUEST.md"),
        "utf8",
      );
      expect(addCa).toContain("certs/printed-root-2027.pem");
      const certificatePlan = await runAsPasted(program, filled[1]!);
      expect(certificatePlan.stdout).toContain("2 pull request(s), in this order:");
      const patch = fs.readFileSync(
        path.join(program.dir, "rotation-printed-cam", "1-add-secondary-certificate", "changes.patch"),
        "utf8",
      );
      expect(patch).toMatch(/^\+.*printed-cam-2027\.pem/m);
    },
    SLOW,
  );
});
