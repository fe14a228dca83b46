// `npm run demo`: the whole system on this machine, without Azure. Starts the DPS emulator,
// runs `pulumi up` of the `local` stack (Pulumi.local.yaml + enrollments/local), then
// onboards simulated devices with Microsoft's device SDK and prints where each one landed.
//
//   npm run demo                 first run creates everything; a second run changes nothing
//   npm run demo -- --keep       leave the emulator running afterwards (its JSON line says where)
//   npm run demo -- --destroy    tear the local stack down and stop
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as https from "node:https";
import * as readline from "node:readline";
import { ConnectionString, SharedAccessSignature } from "azure-iot-common";
import { deriveDeviceKey } from "../../components/enrollments/derived-keys";
import type { EmulatorEndpoint } from "../../emulator/clients";
import { demoCertificates } from "./certificates";
import { registerAll, type DeviceToRegister } from "./devices";
import { localStackCli } from "./pulumi-cli";
import { printSummary, type HubView } from "./summary";
import { startAllocationWebhook } from "./webhook";

const projectRoot = path.resolve(__dirname, "..", "..");
const dpsHome = process.env.DPS_HOME ?? "";
const STACK = "local";
const EMULATOR_PORT = Number(process.env.DPS_DEMO_EMULATOR_PORT ?? 18443);
const WEBHOOK_PORT = Number(process.env.DPS_DEMO_WEBHOOK_PORT ?? 18444);
/** Devices the demo onboards per enrollment group, by group id prefix (default 3). */
const DEVICES_PER_GROUP: Array<[prefix: string, count: number]> = [
  ["smart-meters", 250],
  ["lab-sensors", 4],
];
const devicesPerGroup = (groupId: string) =>
  DEVICES_PER_GROUP.find(([prefix]) => groupId.startsWith(prefix))?.[1] ?? 3;

const step = (text: string) => process.stderr.write(`\n==> ${text}\n`);

interface EmulatorLine extends EmulatorEndpoint {
  serviceHost: string;
  caCertPath: string;
  port: number;
}

async function startEmulatorProcess(
  stateDir: string,
  extraCaPath: string,
): Promise<{ child: ChildProcess; info: EmulatorLine }> {
  const tsNode = path.join(projectRoot, "node_modules", ".bin", "ts-node");
  const child = spawn(
    tsNode,
    [
      "--transpile-only",
      path.join(projectRoot, "emulator", "cli.ts"),
      "--port",
      String(EMULATOR_PORT),
      "--state-dir",
      stateDir,
      "--retry-after",
      "1",
    ],
    {
      cwd: projectRoot,
      // The custom allocation webhook's certificate comes from the demo's own CA.
      env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaPath },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logPath = path.join(stateDir, "..", "emulator.log");
  const log = fs.createWriteStream(logPath);
  child.stderr!.pipe(log);
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`the emulator exited (code ${code}) before it was ready; its log: ${logPath}`)),
    );
  });
  const info = JSON.parse(firstLine) as EmulatorLine;
  return { child, info: { ...info, caCertPem: fs.readFileSync(info.caCertPath, "utf8") } };
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  if (!dpsHome)
    throw new Error(
      "DPS_HOME is not set: run the demo with `npm run demo` (scripts/demo.sh sets up the toolchain)",
    );
  const started = Date.now();
  const home = path.join(dpsHome, "local");
  const certs = demoCertificates(path.join(home, "certs"));

  step("certificates (generated once under $DPS_HOME/local/certs, never committed)");
  certs.medicalDevice("medical-monitor-001");
  certs.authority("ev-charger-root-ca");
  const webhookTls = certs.webhookServer();

  step(`starting the DPS emulator on localhost:${EMULATOR_PORT} (state in $DPS_HOME/local/emulator-state)`);
  const emulator = await startEmulatorProcess(path.join(home, "emulator-state"), webhookTls.caPath);
  const webhook = await startAllocationWebhook(webhookTls.server, WEBHOOK_PORT);
  const stopAll = async () => {
    await webhook.stop();
    if (!args.has("--keep")) emulator.child.kill("SIGTERM");
  };
  try {
    step("selecting the `local` stack");
    const cli = await localStackCli(
      projectRoot,
      path.join(projectRoot, "Pulumi.local.yaml"),
      path.join(home, "Pulumi.local.yaml"),
      STACK,
    );
    await cli.setConfig("dps-as-code:emulator.serviceHost", emulator.info.serviceHost, { path: true });
    await cli.setConfig("dps-as-code:emulator.caCertPath", emulator.info.caCertPath, { path: true });
    // The EV chargers' CA, uploaded to the DPS as verified (enrollments/local/ev-chargers.yaml references it).
    await cli.setConfig(
      "dps-as-code:dps.caCertificates.ev-charger-root-ca.certificatePath",
      path.join(certs.dir, "ev-charger-root-ca.pem"),
      { path: true },
    );
    await cli.setConfig("dps-as-code:emulatorConnectionString", emulator.info.connectionString, {
      secret: true,
    });
    await cli.setConfig("dps-as-code:labAllocationWebhookUrl", webhook.url, { secret: true });

    if (args.has("--destroy")) {
      step("pulumi destroy");
      await cli.run(["destroy", "--yes", "--skip-preview"], { echo: true });
      return;
    }
    step("pulumi up");
    await cli.run(["up", "--yes", "--skip-preview"], { echo: true });

    const outputs = JSON.parse(await cli.run(["stack", "output", "--json", "--show-secrets"])) as {
      idScope: string;
      enrollments: Array<{
        kind: "individual" | "group";
        id: string;
        attestation: string;
        allocationPolicy: string;
        provisioningStatus: string;
      }>;
      enrollmentGroupKeys: Record<string, { primaryKey?: string }>;
      individualEnrollmentKeys: Record<string, { primaryKey?: string }>;
    };
    const devices = devicesFor(outputs, certs);
    step(`onboarding ${devices.length} simulated devices with Microsoft's device SDK`);
    const endpoint: EmulatorEndpoint = { ...emulator.info, idScope: outputs.idScope };
    const step10 = Math.max(1, Math.ceil(devices.length / 10));
    const results = await registerAll(endpoint, devices, (done, total) => {
      if (done % step10 === 0 || done === total)
        process.stderr.write(`    ${done}/${total} devices registered\n`);
    });
    const hubs = await fetchHubs(emulator.info);
    const disabled = new Set(
      outputs.enrollments.filter((e) => e.provisioningStatus === "disabled").map((e) => e.id),
    );
    printSummary({
      results,
      hubs,
      settings: await fetchSettings(emulator.info),
      seconds: (Date.now() - started) / 1000,
      webhookCalls: webhook.calls,
      disabled,
    });
    if (args.has("--keep"))
      process.stdout.write(
        `\nThe emulator keeps running (pid ${emulator.child.pid}): ${JSON.stringify({ serviceHost: emulator.info.serviceHost, caCertPath: emulator.info.caCertPath })}\n`,
      );
    if (results.some((r) => !r.ok && !disabled.has(r.device.enrollment))) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

function devicesFor(
  outputs: {
    enrollments: Array<{ kind: "individual" | "group"; id: string; attestation: string }>;
    enrollmentGroupKeys: Record<string, { primaryKey?: string }>;
    individualEnrollmentKeys: Record<string, { primaryKey?: string }>;
  },
  certs: ReturnType<typeof demoCertificates>,
): DeviceToRegister[] {
  const devices: DeviceToRegister[] = [];
  // The demo's manifests (enrollments/local) use the per-enrollment path, whose enrollments are
  // rows of `enrollments` with their keys in `individualEnrollmentKeys`; a batched enrollment would
  // have neither (its set's row is in `batchedEnrollments`, its key from `npm run enrollment-key`).
  for (const enrollment of outputs.enrollments) {
    if (enrollment.kind === "individual") {
      const key = outputs.individualEnrollmentKeys[enrollment.id]?.primaryKey;
      if (enrollment.attestation === "symmetricKey" && key) {
        devices.push({
          registrationId: enrollment.id,
          enrollment: enrollment.id,
          credential: { kind: "symmetricKey", key },
        });
      } else if (enrollment.attestation === "x509") {
        const cert = certs.medicalDevice(enrollment.id);
        devices.push({
          registrationId: enrollment.id,
          enrollment: enrollment.id,
          credential: {
            kind: "x509",
            certificatePem: cert.certificatePem,
            privateKeyPem: cert.privateKeyPem,
          },
        });
      }
      continue;
    }
    const count = devicesPerGroup(enrollment.id);
    for (let i = 1; i <= count; i++) {
      const registrationId = `${enrollment.id.replace(/s$/, "")}-${i % 2 === 0 && enrollment.id === "lab-sensors" ? "north-" : ""}${String(i).padStart(4, "0")}`;
      const groupKey = outputs.enrollmentGroupKeys[enrollment.id]?.primaryKey;
      if (enrollment.attestation === "symmetricKey" && groupKey) {
        devices.push({
          registrationId,
          enrollment: enrollment.id,
          credential: { kind: "symmetricKey", key: deriveDeviceKey(groupKey, registrationId) },
        });
      } else if (enrollment.attestation === "x509") {
        const cert = certs.deviceIssuedBy("ev-charger-root-ca", registrationId);
        devices.push({
          registrationId,
          enrollment: enrollment.id,
          credential: {
            kind: "x509",
            certificatePem: cert.certificatePem,
            privateKeyPem: cert.privateKeyPem,
          },
        });
      }
    }
  }
  return devices;
}

async function adminGet<T>(emulator: EmulatorLine, route: string): Promise<T> {
  const cn = ConnectionString.parse(emulator.connectionString, [
    "HostName",
    "SharedAccessKeyName",
    "SharedAccessKey",
  ]);
  const sas = SharedAccessSignature.create(
    cn.HostName as string,
    cn.SharedAccessKeyName as string,
    cn.SharedAccessKey as string,
    Math.floor(Date.now() / 1000) + 600,
  ).toString();
  return new Promise<T>((resolve, reject) => {
    const req = https.request(
      {
        host: "localhost",
        port: emulator.port,
        path: route,
        method: "GET",
        ca: emulator.caCertPem,
        headers: { authorization: sas },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(JSON.parse(body) as T)
            : reject(new Error(`GET ${route}: HTTP ${res.statusCode} ${body.slice(0, 200)}`)),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const fetchHubs = (emulator: EmulatorLine) => adminGet<HubView[]>(emulator, "/admin/hubs");
const fetchSettings = (emulator: EmulatorLine) =>
  adminGet<{
    allocationPolicy: string;
    linkedHubs: Array<{ hostName: string; allocationWeight: number; location: string }>;
  }>(emulator, "/admin/config");

main().catch((error: Error) => {
  process.stderr.write(`\ndemo failed: ${error.message}\n`);
  process.exit(1);
});
