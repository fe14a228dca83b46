/**
 * `npm run emulator -- [--port 8443] [--host 127.0.0.1] [--state-dir DIR] [--config FILE] [--ephemeral]
 *   [--retry-after SECONDS] [--throttle OPS_PER_MINUTE] [--fault-rate 0..1] [--no-client-cert] [--no-request-log]
 *   [--mask-webhook-urls] [--bulk-create-on-existing refuse|overwrite] [--bulk-delete-items record|id]
 *   [--bulk-quota-cost per-item|per-call] [--webhook-urls-in-replies clear|masked]
 *   [--registration-state-in-listings included|omitted]`
 * (the last five: DPS behaviours no public source pins down, see variants.ts)
 * First stdout line: one JSON object {connectionString, serviceHost, deviceHost, idScope, caCertPath, port, pid}.
 * Logs go to stderr.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./index";
import { stderrLogger } from "./logger";
import { DEFAULT_CLI_PORT, DEFAULT_STATE_DIR, type EmulatorOptions } from "./options";
import {
  BEHAVIOUR_NAMES,
  flagOf,
  resolveBehaviour,
  UNDOCUMENTED_CHOICES,
  type UndocumentedBehaviour,
} from "./variants";

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} is ${JSON.stringify(value)}; expected a number`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "state-dir": { type: "string" },
      config: { type: "string" },
      ephemeral: { type: "boolean" },
      "retry-after": { type: "string" },
      throttle: { type: "string" },
      "fault-rate": { type: "string" },
      "no-client-cert": { type: "boolean" },
      "no-request-log": { type: "boolean" },
      "mask-webhook-urls": { type: "boolean" },
      ...Object.fromEntries(BEHAVIOUR_NAMES.map((name) => [flagOf(name), { type: "string" as const }])),
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    process.stderr.write(
      "usage: npm run emulator -- [--port 8443] [--host 127.0.0.1] [--state-dir DIR] [--config FILE.json|yaml] [--ephemeral]\n" +
        "                           [--retry-after 3] [--throttle 1000] [--fault-rate 0.05] [--no-client-cert] [--no-request-log]\n" +
        "                           [--mask-webhook-urls]\n" +
        "  where DPS's behaviour is undocumented (emulator/variants.ts):\n" +
        BEHAVIOUR_NAMES.map((n) => `    --${flagOf(n)} ${UNDOCUMENTED_CHOICES[n].join("|")}\n`).join(""),
    );
    return;
  }
  const throttle = number("throttle", values.throttle);
  const faultRate = number("fault-rate", values["fault-rate"]);
  const options: EmulatorOptions = {
    port: number("port", values.port) ?? DEFAULT_CLI_PORT,
    stateDir: values["state-dir"] ?? DEFAULT_STATE_DIR,
    ephemeral: values.ephemeral ?? false,
    logger: stderrLogger,
    logRequests: !values["no-request-log"],
    requestClientCertificate: !values["no-client-cert"],
  };
  if (values.host !== undefined) options.host = values.host;
  if (values.config !== undefined) options.configFile = values.config;
  const retryAfter = number("retry-after", values["retry-after"]);
  if (retryAfter !== undefined) options.retryAfterSeconds = retryAfter;
  if (throttle !== undefined)
    options.throttle = { operationsPerMinute: throttle, registrationsPerMinute: throttle };
  if (faultRate !== undefined) options.faults = { rate: faultRate };
  if (values["mask-webhook-urls"]) options.webhookUrlsInReplies = "masked";
  const undocumented: Partial<UndocumentedBehaviour> = {};
  for (const name of BEHAVIOUR_NAMES) {
    const value = (values as Record<string, unknown>)[flagOf(name)];
    if (typeof value === "string") (undocumented as Record<string, string>)[name] = value;
  }
  // Checked here so that a bad value names the flag (startEmulator would name the setting).
  for (const name of Object.keys(undocumented) as Array<keyof UndocumentedBehaviour>) {
    try {
      resolveBehaviour(undefined, { [name]: undocumented[name] });
    } catch {
      throw new Error(
        `--${flagOf(name)} is ${JSON.stringify(undocumented[name])}; allowed: ${UNDOCUMENTED_CHOICES[name].join(", ")}`,
      );
    }
  }
  if (Object.keys(undocumented).length > 0) options.undocumented = undocumented;

  const emu = await startEmulator(options);
  process.stdout.write(
    JSON.stringify({
      connectionString: emu.connectionString,
      serviceHost: emu.serviceHost,
      deviceHost: emu.deviceHost,
      idScope: emu.idScope,
      caCertPath: emu.caCertPath,
      port: emu.port,
      pid: process.pid,
    }) + "\n",
  );
  const shutdown = (signal: string) => {
    stderrLogger.info(`${signal} received, stopping`);
    emu.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((e: unknown) => {
  stderrLogger.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
