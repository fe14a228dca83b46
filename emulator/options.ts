import type { EntraIdentity } from "./auth/entra";
import type { AccessRight, DpsAllocationPolicy } from "./state/types";
import { stderrLogger, type Logger } from "./logger";
import type { UndocumentedBehaviour } from "./variants";

/** DPS-level settings and policies; from a config file (JSON or YAML) or passed in-process. */
export interface EmulatorConfig {
  /** Default: generated once ("0ne" + 8 hex digits) and kept in the state folder. */
  idScope?: string;
  /** Extra SAS audiences accepted besides localhost:PORT / 127.0.0.1:PORT (e.g. "mydps.azure-devices-provisioning.net"). */
  serviceHostNames?: string[];
  /** Default: "hashed", like a new DPS. */
  allocationPolicy?: DpsAllocationPolicy;
  linkedHubs?: Array<{
    hostName: string;
    location?: string;
    allocationWeight?: number;
    applyAllocationPolicy?: boolean;
    connectionString?: string;
  }>;
  /** Default: provisioningserviceowner (all rights) plus one read-only policy per area (see README). */
  policies?: Array<{ name: string; rights: AccessRight[]; primaryKey?: string; secondaryKey?: string }>;
  /** CA certificates for `caReferences`, as PUT /admin/certificates/{name} would store them. */
  certificates?: Array<{ name: string; certificate: string; isVerified?: boolean }>;
  /** Location model for geoLatency allocation. */
  geoLatency?: GeoLatencyModel;
  /** DPS's IP filter (ARM `properties.ipFilterRules`), see ip-filter.ts. Default: none (every address). */
  ipFilterRules?: IpFilterRule[];
  /** How to answer where DPS's behaviour is undocumented (variants.ts); in-process options win. */
  undocumented?: Partial<UndocumentedBehaviour>;
  /** Microsoft Entra ID identities the service API accepts as bearer tokens (auth/entra.ts). Default: none. */
  entraIdentities?: EntraIdentity[];
}

/** As ARM's DPS resource spells a rule: first match wins; no match accepts. */
export interface IpFilterRule {
  filterName: string;
  action: "Accept" | "Reject";
  /** An IPv4 address or CIDR range ("203.0.113.7", "10.0.0.0/8"), or an exact IPv6 address. */
  ipMask: string;
  /** Default "all". */
  target?: "all" | "serviceApi" | "deviceApi";
}

export interface GeoLatencyModel {
  /** Where devices are unless `deviceLocations` says otherwise. Default: the first linked hub's location. */
  defaultDeviceLocation?: string;
  /** Registration-id prefix → Azure region of the device ("plant-eu-" → "westeurope"); longest prefix wins. */
  deviceLocations?: Record<string, string>;
  /** Measured latencies in ms, region → region; otherwise estimated from the regions' coordinates. */
  latencyMs?: Record<string, Record<string, number>>;
}

export interface ThrottleOptions {
  /**
   * DPS: 1,000 service operations per minute per service. A bulk operation counts one per item:
   * DPS does not say how a bulk call counts against this quota (its limits page only says, in an
   * earlier revision, that each API call is billed as one operation: MicrosoftDocs/azure-docs
   * includes/iot-dps-limits.md), so the emulator takes the stricter reading.
   */
  operationsPerMinute?: number;
  /** DPS: 1,000 device registrations per minute per service. */
  registrationsPerMinute?: number;
  /** Seconds in the 429's Retry-After header. Default 1. */
  retryAfterSeconds?: number;
}

export type FaultKind = "500" | "503" | "reset" | "slow";
export interface FaultOptions {
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Default: all kinds. */
  kinds?: FaultKind[];
  /** Delay of a "slow" response. Default 2000 ms. */
  slowMs?: number;
  /** Seed of the fault sequence, so runs repeat. Default 1. */
  seed?: number;
  /** Which API gets faults. Default "all". */
  apis?: Array<"service" | "device" | "admin">;
  /**
   * Share of the items of a bulk operation that fail on their own (0..1): the call answers 200 and
   * lists them in `errors` with 500000, the other items are applied. Default 0. Independent of `rate`.
   */
  bulkItemRate?: number;
}

/**
 * A fault aimed at chosen requests (tests of one error through the whole stack): the requests
 * whose path matches `path` (and `method`, when given) get `reply` instead of their answer.
 */
export interface ScriptedFault {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression (source text) matched case-insensitively against the path, e.g. "/enrollments/dev-7$". */
  path: string;
  /** DPS's error answer, or "hang": read the request and never answer (the client's timeout fires). */
  reply: { status: number; errorCode: number; message: string; retryAfterSeconds?: number } | "hang";
  /** How many matching requests get it. Default: all of them. */
  times?: number;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1 (the emulator never listens on other interfaces unless told). */
  host?: string;
  /** Default 0: a free port is picked. The CLI defaults to DEFAULT_CLI_PORT. */
  port?: number;
  /** Where the CA, server certificate and state live. Default ./.emulator-state (CLI) or a temporary folder when ephemeral. */
  stateDir?: string;
  /** Nothing is written except a temporary folder for the certificates, removed by stop(). */
  ephemeral?: boolean;
  config?: EmulatorConfig;
  configFile?: string;
  /** Ask TLS clients for a certificate (X.509 attestation). Default true; clients without one still connect. */
  requestClientCertificate?: boolean;
  /** Retry-After on 202 device replies. Real DPS: 3. Tests use 0. */
  retryAfterSeconds?: number;
  throttle?: ThrottleOptions;
  faults?: FaultOptions;
  /** Faults for chosen requests; also settable while running (RunningEmulator.scriptFaults). */
  scriptedFaults?: ScriptedFault[];
  logger?: Logger;
  /** Log one line per request (operation, status, time; never headers). Default false; the CLI turns it on. */
  logRequests?: boolean;
  /**
   * How enrollment replies show `customAllocationDefinition.webhookUrl`. "masked" replaces the
   * query (where an Azure Functions key lives) with `****`, as DPS does in the records it hands
   * out (the enrollment in a custom allocation request: learn.microsoft.com/azure/iot-dps/
   * concepts-custom-allocation); whether DPS's GET does the same is not documented, so clients
   * must work with both. Default "clear". The same as `undocumented.webhookUrlsInReplies`.
   */
  webhookUrlsInReplies?: WebhookUrlDisplay;
  /** Answers where DPS's behaviour is undocumented (variants.ts); over the config file's. */
  undocumented?: Partial<UndocumentedBehaviour>;
  /** Custom allocation webhook behaviour; defaults are DPS's documented ones. */
  customAllocation?: {
    timeoutMs?: number;
    retryCount?: number;
    retryIntervalMs?: number;
    retryIncrementMs?: number;
  };
}

export type WebhookUrlDisplay = "clear" | "masked";

export const DEFAULT_CLI_PORT = 8443;
export const DEFAULT_STATE_DIR = ".emulator-state";

/** Options with every default applied: the only place defaults live. */
export interface ResolvedOptions {
  host: string;
  port: number;
  stateDir: string | undefined;
  ephemeral: boolean;
  config: EmulatorConfig;
  configFile: string | undefined;
  requestClientCertificate: boolean;
  retryAfterSeconds: number;
  throttle: Required<ThrottleOptions> | undefined;
  faults: Required<FaultOptions> | undefined;
  scriptedFaults: ScriptedFault[];
  logger: Logger;
  logRequests: boolean;
  /** Set explicitly (in-process or flags); index.ts merges the config file's and the defaults. */
  undocumented: Partial<UndocumentedBehaviour>;
  customAllocation: {
    timeoutMs: number;
    retryCount: number;
    retryIntervalMs: number;
    retryIncrementMs: number;
  };
  /** Largest accepted request body: DPS's 96 KB message limit. */
  maxBodyBytes: number;
  /** How long finished device operations stay pollable. */
  operationTtlMs: number;
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const t = options.throttle;
  const f = options.faults;
  if (f && !(f.rate >= 0 && f.rate <= 1))
    throw new Error(`faults.rate is ${f.rate}; allowed: a number from 0 to 1`);
  if (f?.bulkItemRate !== undefined && !(f.bulkItemRate >= 0 && f.bulkItemRate <= 1)) {
    throw new Error(`faults.bulkItemRate is ${f.bulkItemRate}; allowed: a number from 0 to 1`);
  }
  const c = options.customAllocation ?? {};
  return {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    stateDir: options.stateDir,
    ephemeral: options.ephemeral ?? false,
    config: options.config ?? {},
    configFile: options.configFile,
    requestClientCertificate: options.requestClientCertificate ?? true,
    retryAfterSeconds: options.retryAfterSeconds ?? 3,
    throttle: t
      ? {
          operationsPerMinute: t.operationsPerMinute ?? 1000,
          registrationsPerMinute: t.registrationsPerMinute ?? 1000,
          retryAfterSeconds: t.retryAfterSeconds ?? 1,
        }
      : undefined,
    faults: f
      ? {
          rate: f.rate,
          kinds: f.kinds ?? ["500", "503", "reset", "slow"],
          slowMs: f.slowMs ?? 2000,
          seed: f.seed ?? 1,
          apis: f.apis ?? ["service", "device", "admin"],
          bulkItemRate: f.bulkItemRate ?? 0,
        }
      : undefined,
    scriptedFaults: options.scriptedFaults ?? [],
    logger: options.logger ?? stderrLogger,
    logRequests: options.logRequests ?? false,
    undocumented: {
      ...(options.webhookUrlsInReplies ? { webhookUrlsInReplies: options.webhookUrlsInReplies } : {}),
      ...options.undocumented,
    },
    customAllocation: {
      timeoutMs: c.timeoutMs ?? 10_000,
      retryCount: c.retryCount ?? 10,
      retryIntervalMs: c.retryIntervalMs ?? 1_000,
      retryIncrementMs: c.retryIncrementMs ?? 9_000,
    },
    maxBodyBytes: 96 * 1024,
    operationTtlMs: 10 * 60_000,
  };
}
