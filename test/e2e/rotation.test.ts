// Credential rotations, end to end: the real program on the real engine against the emulator,
// each plan written by `npm run plan-rotation`, its pull requests applied with `git apply` in
// order, the commands their descriptions print run as printed (bash, from the repository root),
// and each step deployed with the policy pack. After every step devices register with Microsoft's
// device SDK: those on the old credential until the plan says they stop, those on the new one as
// soon as the plan says they can, each keeping its device id and hub. The four rotations share
// one stack and advance together (step 1 of each, then step 2, ...): they touch different
// manifests, and one `up` per round keeps the suite's time down.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
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
import { createLocalProgram, linkCheckoutEntries, type LocalProgram } from "../../testkit/local-program";
import { runProjectToolAsync } from "../../testkit/project-tool";
import {
  policyConfigPath,
  policyPackDir,
  policyPackMissingReason,
  previewWithPolicyPack,
  verdictKeys,
} from "../../testkit/policy-pack";

const WEU = "dpsac-local-weu.azure-devices.net";
const STACK = "rot";
const run = promisify(execFile);
/** Each round is one `up` with the policy pack plus device registrations (a minute or more on a busy machine). */
const SLOW = 900_000;
const newKey = () => randomBytes(64).toString("base64");

describeWithEngine(
  "rotating credentials step by step, with devices registering after every step",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    const meterKeys = { primary: newKey(), secondary: newKey() };
    const oldCa = makeCertificate({ commonName: "Contoso Charger CA 2024", isCa: true });
    const newCa = makeCertificate({ commonName: "Contoso Charger CA 2026", isCa: true });
    const charger = {
      old: makeCertificate({ commonName: "charger-001", issuer: oldCa }),
      new: makeCertificate({ commonName: "charger-001", issuer: newCa }),
    };
    const monitor = {
      old: makeCertificate({ commonName: "monitor-01" }),
      new: makeCertificate({ commonName: "monitor-01" }),
    };
    /** What each device holds: the keys it started with and those the plans hand it. */
    const held: { benchPrimary: string; benchNew: string; meterNew: Record<string, string> } = {
      benchPrimary: "",
      benchNew: "",
      meterNew: {},
    };

    const plans = {
      meters: "plans/meters",
      bench: "plans/bench",
      chargers: "plans/chargers",
      monitor: "plans/monitor",
    } as const;
    /** `npm run plan-rotation -- --stack rot ...`, where the stack's Pulumi.<stack>.yaml is. */
    const planRotation = async (args: string[]) =>
      (
        await runProjectToolAsync("plan-rotation", ["--stack", STACK, ...args], {
          cwd: program.dir,
          env: { ...engine.env },
        })
      ).stdout;
    const stepDir = (plan: string, prefix: string) => {
      const name = fs.readdirSync(path.join(program.dir, plan)).find((n) => n.startsWith(`${prefix}-`));
      if (!name) throw new Error(`${plan} has no step ${prefix}`);
      return path.join(plan, name);
    };
    /** The pull request's patch, applied as `git apply` does in a checkout (a step that only runs commands has none). */
    const applyStep = async (step: string) => {
      if (fs.existsSync(path.join(program.dir, step, "changes.patch")))
        await run("git", ["apply", path.join(step, "changes.patch")], { cwd: program.dir });
    };
    /** The `sh` blocks of the step's PULL_REQUEST.md, in order. */
    const commandBlocks = (step: string) =>
      [
        ...fs
          .readFileSync(path.join(program.dir, step, "PULL_REQUEST.md"), "utf8")
          .matchAll(/```sh\n([\s\S]*?)```/g),
      ].map((m) => m[1]!.trim().split("\n"));
    /** Runs a block's commands as printed, each in bash from the repository root (the program's copy). */
    const runCommands = async (lines: readonly string[]) => {
      for (const line of lines)
        await run("bash", ["-c", `set -euo pipefail; ${line}`], {
          cwd: program.dir,
          env: {
            ...program.cli.env,
            PATH: `${path.dirname(program.cli.path)}:${program.cli.env.PATH ?? process.env.PATH}`,
          },
        });
    };
    const upWithPolicy = async () => {
      const result = await program.up({
        policyPacks: [policyPackDir],
        policyPackConfigs: [policyConfigPath("local")],
        onOutput: program.onOutput,
      });
      expect(result.summary.result).toBe("succeeded");
      return result;
    };

    const keyDevice = (id: string, key: string) => symmetricKeyDeviceClientFor(emulator, id, key).register();
    const certDevice = (id: string, cert: KeyAndCertificate) =>
      x509DeviceClientFor(emulator, id, cert.certificatePem, cert.privateKeyPem).register();
    /** Registers, on its hub, under its own device id. */
    const registers = async (registration: Promise<unknown>, id: string) =>
      expect(await registration).toMatchObject({ assignedHub: WEU, deviceId: id });
    const refused = (registration: Promise<unknown>) => expect(registration).rejects.toThrow();

    beforeAll(async () => {
      emulator = await startTestEmulator();
      program = await createLocalProgram(engine, emulator, { stackName: STACK, manifests: {} });
      // The printed commands run `npm run ...` from the repository root: the copy gets the scripts.
      linkCheckoutEntries(program.dir, ["scripts"]);
      const certs = path.join(program.dir, "certs");
      fs.mkdirSync(certs);
      fs.writeFileSync(path.join(certs, "charger-ca.pem"), oldCa.certificatePem);
      fs.writeFileSync(path.join(certs, "charger-ca-2026.pem"), newCa.certificatePem);
      fs.writeFileSync(path.join(certs, "monitor-01.pem"), monitor.old.certificatePem);
      fs.writeFileSync(path.join(certs, "monitor-01-2026.pem"), monitor.new.certificatePem);
      fs.writeFileSync(path.join(program.dir, "meter-ids.txt"), "meter-001\nmeter-002\n");
      // One `config set-all --path` (each CLI start derives the passphrase's key again).
      await program.stack.setAllConfig(
        {
          "dps-as-code:meterKeyA": { value: meterKeys.primary, secret: true },
          "dps-as-code:meterKeyB": { value: meterKeys.secondary, secret: true },
          'dps-as-code:dps.caCertificates["charger-ca"].certificatePath': { value: "certs/charger-ca.pem" },
        },
        true,
      );
      const common = "    iotHubs: [weu]\n    allocationPolicy: static\n";
      program.writeManifest(
        "meters.yaml",
        `enrollmentGroups:\n  - enrollmentGroupId: meters\n    attestation:\n      type: symmetricKey\n      symmetricKey: { primaryKeySecret: meterKeyA, secondaryKeySecret: meterKeyB }\n${common}`,
      );
      program.writeManifest(
        "bench.yaml",
        `individualEnrollments:\n  - registrationId: bench-01\n    attestation: { type: symmetricKey }\n${common}`,
      );
      program.writeManifest(
        "chargers.yaml",
        `enrollmentGroups:\n  - enrollmentGroupId: chargers\n    attestation:\n      type: x509\n      x509:\n        caReferences: { primary: charger-ca }\n${common}`,
      );
      program.writeManifest(
        "monitors.yaml",
        `individualEnrollments:\n  - registrationId: monitor-01\n    attestation:\n      type: x509\n      x509:\n        clientCertificates:\n          primary: { certificateFile: ../../certs/monitor-01.pem }\n${common}`,
      );
    });

    afterAll(async () => {
      program?.cleanup();
      await emulator?.stop();
    });

    it(
      "starts with every device registering on its first credential; the plans are written",
      async () => {
        await upWithPolicy();
        held.benchPrimary = (
          (await program.outputs())["individualEnrollmentKeys"]!.value as Record<
            string,
            { primaryKey: string }
          >
        )["bench-01"]!.primaryKey;
        await registers(keyDevice("meter-001", deriveDeviceKey(meterKeys.primary, "meter-001")), "meter-001");
        await registers(
          keyDevice("meter-002", deriveDeviceKey(meterKeys.secondary, "meter-002")),
          "meter-002",
        );
        await registers(keyDevice("bench-01", held.benchPrimary), "bench-01");
        await registers(certDevice("charger-001", charger.old), "charger-001");
        await registers(certDevice("monitor-01", monitor.old), "monitor-01");

        // The four plans, written from the same starting point (the CLI reads; it changes nothing).
        const printed = await Promise.all([
          planRotation([
            "--enrollment",
            "meters",
            "--generation",
            "r2",
            "--ids-file",
            "meter-ids.txt",
            "--out",
            plans.meters,
          ]),
          planRotation(["--enrollment", "bench-01", "--generation", "r2", "--out", plans.bench]),
          planRotation([
            "--enrollment",
            "chargers",
            "--new-ca",
            "charger-ca-2026",
            "--certificate",
            "certs/charger-ca-2026.pem",
            "--out",
            plans.chargers,
          ]),
          planRotation([
            "--enrollment",
            "monitor-01",
            "--certificate",
            "certs/monitor-01-2026.pem",
            "--out",
            plans.monitor,
          ]),
        ]);
        expect(printed[0]).toContain("2. Replace the primary key of meters");
        expect(printed[1]).toContain("1. Name the current keys of bench-01 as stack secrets");
        expect(printed[2]).toContain("3. Retire CA charger-ca");
        expect(printed[3]).toContain("2. Make the new certificate of monitor-01 its only one");
      },
      SLOW,
    );

    it(
      "step 1: a new secondary key, the generated keys named, the new CA beside the old, the new certificate beside the old; devices on the new credentials register at once",
      async () => {
        const bench = await serviceClientFor(emulator).getIndividualEnrollment("bench-01");
        const steps = [
          stepDir(plans.meters, "1"),
          stepDir(plans.bench, "1"),
          stepDir(plans.chargers, "1"),
          stepDir(plans.monitor, "1"),
        ];
        for (const step of steps) {
          await applyStep(step);
          await runCommands(commandBlocks(step)[0] ?? []);
        }
        await upWithPolicy();
        // Naming the keys DPS generated changed nothing in DPS.
        const after = await serviceClientFor(emulator).getIndividualEnrollment("bench-01");
        expect(after.responseBody.etag).toBe(bench.responseBody.etag);

        // The factory's part, as the pull request prints it: each meter's key from the new secondary group key.
        await runCommands(commandBlocks(steps[0]!)[1]!);
        held.meterNew = Object.fromEntries(
          fs
            .readFileSync(path.join(program.dir, steps[0]!, "new-device-keys.txt"), "utf8")
            .trim()
            .split("\n")
            .map((line) => line.split(" ") as [string, string]),
        );
        expect(Object.keys(held.meterNew)).toEqual(["meter-001", "meter-002"]);

        await registers(keyDevice("meter-001", deriveDeviceKey(meterKeys.primary, "meter-001")), "meter-001");
        await refused(keyDevice("meter-002", deriveDeviceKey(meterKeys.secondary, "meter-002")));
        for (const id of ["meter-001", "meter-002"]) await registers(keyDevice(id, held.meterNew[id]!), id);
        await registers(keyDevice("bench-01", held.benchPrimary), "bench-01");
        await registers(certDevice("charger-001", charger.old), "charger-001");
        await registers(certDevice("charger-001", charger.new), "charger-001");
        await registers(certDevice("monitor-01", monitor.old), "monitor-01");
        await registers(certDevice("monitor-01", monitor.new), "monitor-01");

        // The ledger keeps the keys' fingerprints as a secret (encrypted in state); its findings are plain.
        const { deployment } = (await program.stack.exportStack()) as {
          deployment: {
            resources: {
              type: string;
              inputs?: Record<string, unknown>;
              outputs?: Record<string, unknown>;
            }[];
          };
        };
        const ledger = deployment.resources.find(
          (r) => r.type === "pulumi-nodejs:dynamic/dps:EnrollmentLedger",
        )!;
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
        expect(ledger.inputs!["credentials"]).toMatchObject(secret);
        // Its outputs hold digests of the record, the credential book's among them: a secret too.
        expect(ledger.outputs!["credentials"]).toBeUndefined();
        expect(ledger.outputs!["recorded"]).toMatchObject(secret);
        expect(ledger.inputs!["credentialChanges"]).toEqual([
          { kind: "group", id: "chargers", type: "x509", dropped: [], kept: 1, droppedCaNames: [] },
          {
            kind: "group",
            id: "meters",
            type: "symmetricKey",
            dropped: ["secondary"],
            kept: 1,
            droppedCaNames: [],
          },
          { kind: "individual", id: "monitor-01", type: "x509", dropped: [], kept: 1, droppedCaNames: [] },
        ]);
      },
      SLOW,
    );

    it(
      "step 2: a new primary key, the bench's new secondary, the group on the new CA only, the new certificate alone; the old credentials stop",
      async () => {
        const steps = [
          stepDir(plans.meters, "2"),
          stepDir(plans.bench, "2"),
          stepDir(plans.chargers, "2"),
          stepDir(plans.monitor, "2"),
        ];
        for (const step of steps) {
          await applyStep(step);
          await runCommands(commandBlocks(step)[0] ?? []);
        }
        await upWithPolicy();
        await runCommands(commandBlocks(steps[1]!)[1]!);
        held.benchNew = fs
          .readFileSync(path.join(program.dir, steps[1]!, "new-device-key.txt"), "utf8")
          .trim();

        await refused(keyDevice("meter-001", deriveDeviceKey(meterKeys.primary, "meter-001")));
        for (const id of ["meter-001", "meter-002"]) await registers(keyDevice(id, held.meterNew[id]!), id);
        await registers(keyDevice("bench-01", held.benchPrimary), "bench-01");
        await registers(keyDevice("bench-01", held.benchNew), "bench-01");
        await refused(certDevice("charger-001", charger.old));
        await registers(certDevice("charger-001", charger.new), "charger-001");
        await refused(certDevice("monitor-01", monitor.old));
        await registers(certDevice("monitor-01", monitor.new), "monitor-01");
      },
      SLOW,
    );

    it(
      "step 3: the bench's new primary key, the old CA retired; devices on the new credentials still register",
      async () => {
        for (const step of [stepDir(plans.bench, "3"), stepDir(plans.chargers, "3")]) {
          await applyStep(step);
          await runCommands(commandBlocks(step)[0] ?? []);
        }
        expect(fs.readFileSync(path.join(program.dir, `Pulumi.${STACK}.yaml`), "utf8")).not.toMatch(
          /charger-ca:/,
        );
        await upWithPolicy();
        await refused(keyDevice("bench-01", held.benchPrimary));
        await registers(keyDevice("bench-01", held.benchNew), "bench-01");
        await registers(certDevice("charger-001", charger.new), "charger-001");
        for (const id of ["meter-001", "meter-002"]) await registers(keyDevice(id, held.meterNew[id]!), id);
      },
      SLOW,
    );

    it(
      "refuses, before up, both keys replaced at once and a group switched to a new CA without the overlap, naming the skipped steps",
      async () => {
        const meters = fs.readFileSync(path.join(program.manifestsDir, "meters.yaml"), "utf8");
        const [, primary, secondary] = /primaryKeySecret: (\S+), secondaryKeySecret: (\S+) \}/.exec(meters)!;
        fs.writeFileSync(
          path.join(program.dir, "certs", "charger-ca-2030.pem"),
          makeCertificate({ commonName: "CA 2030", isCa: true }).certificatePem,
        );
        await program.stack.setAllConfig(
          {
            [`dps-as-code:${primary}`]: { value: newKey(), secret: true },
            [`dps-as-code:${secondary}`]: { value: newKey(), secret: true },
            'dps-as-code:dps.caCertificates["charger-ca-2030"].certificatePath': {
              value: "certs/charger-ca-2030.pem",
            },
          },
          true,
        );
        const chargers = fs.readFileSync(path.join(program.manifestsDir, "chargers.yaml"), "utf8");
        program.writeManifest(
          "chargers.yaml",
          chargers.replace("primary: charger-ca-2026", "primary: charger-ca-2030"),
        );

        const preview = await previewWithPolicyPack(program, "local");
        expect(preview.passed).toBe(false);
        expect(verdictKeys(preview.verdicts).filter((v) => v.includes("credential-rotation"))).toEqual([
          "mandatory dps-enrollment-credential-rotation enrollment-ledger",
          "mandatory dps-enrollment-credential-rotation enrollment-ledger",
        ]);
        const messages = preview.verdicts
          .filter((v) => v.policyName === "dps-enrollment-credential-rotation")
          .map((v) => v.message)
          .sort();
        expect(messages).toEqual([
          'enrollment group "chargers" stops referencing CA "charger-ca-2026" without keeping a CA its devices\' certificates chain to: every device whose certificate the old CA issued would be refused. ' +
            "Rotate the CA in steps (npm run plan-rotation -- --stack <stack> --enrollment chargers --kind ca --out <folder>): " +
            'this change skipped step "add-new-ca" (upload the new CA and reference it as the group\'s secondary CA, deployed before the switch).',
          'enrollment group "meters" replaces both its keys in one update: every device still on the current keys would be refused. ' +
            "Replace one key per deployment (npm run plan-rotation -- --stack <stack> --enrollment meters --out <folder>): " +
            'this change skipped step "replace-secondary-key" (deploy a new secondary key and move the devices to it before the primary key changes).',
        ]);
        // Nothing reached DPS: the devices' current credentials still work.
        await registers(keyDevice("meter-001", held.meterNew["meter-001"]!), "meter-001");
        await registers(certDevice("charger-001", charger.new), "charger-001");
      },
      SLOW,
    );
  },
  policyPackMissingReason,
);
