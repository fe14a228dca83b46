import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  deviceSasAuthenticator,
  deviceX509Authenticator,
  serviceSasAuthenticator,
  tpmAuthenticator,
  type AuthContext,
} from "./auth/authenticators";
import { entraAuthenticator, parseEntraIdentities } from "./auth/entra";
import { ConfigError, loadConfigFile, OWNER_POLICY, resolvePolicies, resolveSettings } from "./config";
import { parseIpFilterRules } from "./ip-filter";
import { resolveBehaviour } from "./variants";
import type { EmulatorContext } from "./context";
import { DpsError } from "./errors";
import { hubsView, putCertificate } from "./handlers/admin";
import { DeviceOperations } from "./handlers/device-operations";
import { FaultInjector } from "./faults";
import { createRequestListener, type PipelineStats } from "./http/server";
import { registrationStateView } from "./model/enrollments";
import { settingsView } from "./model/settings";
import {
  DEFAULT_STATE_DIR,
  resolveOptions,
  type EmulatorConfig,
  type EmulatorOptions,
  type ScriptedFault,
} from "./options";
import { ScriptedFaults } from "./faults";
import { StateFile } from "./state/persistence";
import { MemoryStore } from "./state/store";
import type { HubDevice } from "./state/types";
import { ensureServerTls } from "./tls";

export type { EmulatorConfig, EmulatorOptions, ScriptedFault } from "./options";
export type { HubDevice } from "./state/types";
export { ConfigError } from "./config";
export { deriveDeviceKey } from "./auth/sas";
export { silentLogger, stderrLogger, type Logger } from "./logger";

/** A running emulator: what clients need to reach it, and accessors for tests. */
export interface RunningEmulator {
  /** Owner policy (all rights): `HostName=localhost:PORT;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=…`. */
  connectionString: string;
  /** One connection string per shared access policy, by policy name. */
  policyConnectionStrings: Record<string, string>;
  /** "localhost:PORT" (service API). */
  serviceHost: string;
  /** "localhost:PORT" (device API; the same port). */
  deviceHost: string;
  idScope: string;
  caCertPath: string;
  caCertPem: string;
  port: number;
  /** The folder with the certificates and (unless ephemeral) the state. */
  stateDir: string;
  stop(): Promise<void>;
  /** Replaces the injected faults from now on (undefined: none), e.g. to let a test's second run succeed. */
  setFaults(faults: EmulatorOptions["faults"]): void;
  inspect: EmulatorInspector;
  /** Replaces the scripted faults (EmulatorOptions.scriptedFaults) from now on. */
  scriptFaults(faults: ScriptedFault[]): void;
}

/** Read-only views of the emulator's state for tests (copies: changing them changes nothing). */
export interface EmulatorInspector {
  /** The simulated IoT Hub registries (same shape as GET /admin/hubs). */
  hubs(): Array<{ hostName: string; devices: HubDevice[] }>;
  device(hubHostName: string, deviceId: string): HubDevice | undefined;
  /** Which hub a device id is registered in, if any. */
  findDevice(deviceId: string): { hubHostName: string; device: HubDevice } | undefined;
  registration(registrationId: string): Record<string, unknown> | undefined;
  settings(): ReturnType<typeof settingsView>;
  /** Request counters by HTTP status. */
  stats(): PipelineStats;
  enrollmentCount(): number;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = resolveOptions(options);
  const logger = opts.logger;
  const stateDir = opts.ephemeral
    ? mkdtempSync(join(tmpdir(), "dps-emulator-"))
    : resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });

  const fileConfig: EmulatorConfig = opts.configFile ? loadConfigFile(opts.configFile) : {};
  const config: EmulatorConfig = { ...fileConfig, ...opts.config };
  const where = opts.configFile ?? "config";

  const stateFile = opts.ephemeral
    ? undefined
    : new StateFile(stateDir, (e) => logger.error(`could not save state: ${e.message}`));
  const loaded = stateFile?.load();
  const settings = resolveSettings(config, loaded?.settings(), where);
  const policies = resolvePolicies(config, loaded ? [...loaded.policies()] : undefined, where);
  const store = loaded ?? new MemoryStore(settings, policies);
  store.setSettings(settings);
  store.setPolicies(policies);
  for (const c of config.certificates ?? []) {
    try {
      putCertificate(store, c.name, c);
    } catch (e) {
      throw new Error(
        `${where}: certificates entry ${c.name}: ${e instanceof DpsError ? e.message : String(e)}`,
      );
    }
  }

  const tls = ensureServerTls(
    stateDir,
    opts.host === "127.0.0.1" || opts.host === "localhost" ? [] : [opts.host],
  );
  let port = opts.port;
  const audiences = () => {
    const names = [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `${opts.host}:${port}`,
      ...(config.serviceHostNames ?? []),
    ];
    return new Set(names.map((n) => n.toLowerCase()));
  };
  const authContext: AuthContext = { store, serviceAudiences: audiences };
  let behaviour: ReturnType<typeof resolveBehaviour>;
  let ipFilterRules: ReturnType<typeof parseIpFilterRules>;
  let entraIdentities: ReturnType<typeof parseEntraIdentities>;
  try {
    behaviour = resolveBehaviour(config.undocumented, opts.undocumented, where);
    ipFilterRules = parseIpFilterRules(config.ipFilterRules, where);
    entraIdentities = parseEntraIdentities(config.entraIdentities, where);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const ctx: EmulatorContext = {
    store,
    options: opts,
    logger,
    geo: config.geoLatency ?? {},
    webhook: opts.customAllocation,
    operations: new DeviceOperations(opts.operationTtlMs),
    faults: opts.faults ? new FaultInjector(opts.faults) : undefined,
    behaviour,
    ipFilterRules,
    authenticators: [
      entraAuthenticator(() => entraIdentities),
      serviceSasAuthenticator(authContext),
      deviceSasAuthenticator(authContext),
      tpmAuthenticator(),
      deviceX509Authenticator(authContext),
    ],
    validation: () => ({
      linkedHubs: store.settings().linkedHubs,
      caCertificateExists: (name) => store.certificates.get(name) !== undefined,
    }),
  };
  const stats: PipelineStats = { requests: 0, byStatus: {}, byOperation: {}, serviceOperations: 0 };
  const scripted = new ScriptedFaults(opts.scriptedFaults);
  const server: Server = createServer(
    {
      key: tls.serverKeyPem,
      cert: tls.serverCertPem,
      requestCert: opts.requestClientCertificate,
      // Device certificates are checked against enrollments by the X.509 authenticator, not by
      // the TLS layer (they are not signed by the emulator's CA).
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    },
    createRequestListener(ctx, stats, scripted),
  );
  server.on("tlsClientError", () => {
    // Aborted handshakes (benchmarks, injected resets) are normal; nothing to log.
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  if (stateFile) {
    stateFile.track(() => store.lines());
    store.onChange(() => stateFile.changed());
    stateFile.changed();
    // A new state folder is written before the emulator answers. A loaded one is on disk already
    // (the settings and CAs of the config file may have changed it): it is rewritten in the
    // background, a chunk at a time, so a restart at a million enrollments does not wait for it.
    if (!loaded) await stateFile.flush();
  }

  const host = `localhost:${port}`;
  const connectionStringOf = (name: string) => {
    const p = store.policies().find((x) => x.name === name);
    return p ? `HostName=${host};SharedAccessKeyName=${p.name};SharedAccessKey=${p.primaryKey}` : "";
  };
  const policyConnectionStrings = Object.fromEntries(
    store.policies().map((p) => [p.name, connectionStringOf(p.name)]),
  );
  const owner =
    store.policies().find((p) => p.rights.length === 6 && p.name === OWNER_POLICY) ?? store.policies()[0];
  logger.info(
    `DPS emulator listening on https://${host} (bound to ${opts.host}), id scope ${store.settings().idScope}, ` +
      `${store.settings().linkedHubs.length} linked hub(s), state ${opts.ephemeral ? "ephemeral" : stateDir}`,
  );

  let stopped = false;
  return {
    connectionString: owner ? connectionStringOf(owner.name) : "",
    policyConnectionStrings,
    serviceHost: host,
    deviceHost: host,
    idScope: store.settings().idScope,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    port,
    stateDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await stateFile?.flush();
      if (opts.ephemeral) rmSync(stateDir, { recursive: true, force: true });
      logger.info("DPS emulator stopped");
    },
    setFaults(faults) {
      const resolved = resolveOptions({ faults }).faults;
      ctx.faults = resolved ? new FaultInjector(resolved) : undefined;
    },
    scriptFaults: (faults) => scripted.replace(faults),
    inspect: {
      hubs: () => hubsView(store),
      device: (hub, deviceId) => structuredClone(store.hubDevices(hub).get(deviceId)),
      findDevice: (deviceId) => {
        for (const hub of hubsView(store)) {
          const device = hub.devices.find((d) => d.deviceId === deviceId);
          if (device) return { hubHostName: hub.hostName, device };
        }
        return undefined;
      },
      registration: (id) => {
        const r = store.registrations.get(id);
        return r ? registrationStateView(r) : undefined;
      },
      settings: () => settingsView(store.settings()),
      stats: () => structuredClone(stats),
      enrollmentCount: () => store.enrollments.size,
    },
  };
}
