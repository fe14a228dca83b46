// npm run export -- (--connection-string-env VAR | --endpoint HOST --entra-id) [--ca-cert FILE]
//                   [--hub-key KEY=HOST ...] [--page-size N] --out enrollments/<env>/exported.yaml
// Reads every individual enrollment and enrollment group of an existing DPS (query paging) and
// writes them as a manifest with adoptExisting: true. The connection string is read from an
// environment variable (never a command-line argument, which shows up in process lists).
import * as fs from "node:fs";
import * as path from "node:path";
import { manifestFromDps } from "../components/manifests/from-dps";
import type { DpsRecord } from "../components/manifests/from-dps";

export type DpsTarget =
  | { kind: "connectionString"; connectionString: string; caCertPem?: string }
  | { kind: "entraId"; endpoint: string; caCertPem?: string };

/** Scope of DPS data-plane tokens for Microsoft Entra ID. */
const DPS_TOKEN_SCOPE = "https://azure-devices-provisioning.net/.default";

interface SdkQuery {
  hasMoreResults: boolean;
  continuationToken?: string | null;
  /** Promise form: the SDK's ResultWithHttpResponse, `{ responseBody, httpResponse }`. */
  next(continuationToken?: string | null): Promise<{ responseBody: DpsRecord[] }>;
}
interface SdkClient {
  createIndividualEnrollmentQuery(spec: { query: string }, pageSize?: number): SdkQuery;
  createEnrollmentGroupQuery(spec: { query: string }, pageSize?: number): SdkQuery;
}

/** The SDK's client with a per-client agent: `host:port` endpoints (the emulator) and an extra CA. */
function serviceClient(target: DpsTarget): { client: SdkClient; host: string } {
  const https = require("node:https") as typeof import("node:https");
  const sdkDir = path.dirname(require.resolve("azure-iot-provisioning-service/package.json"));
  const fromSdk = (name: string) => require(require.resolve(name, { paths: [sdkDir] }));
  const { ProvisioningServiceClient } = require("azure-iot-provisioning-service");
  const { RestApiClient } = fromSdk("azure-iot-http-base");
  const { ConnectionString, SharedAccessSignature } = fromSdk("azure-iot-common");
  class PortAgent extends https.Agent {
    override createConnection(options: Record<string, unknown>, callback: unknown) {
      const m = /^(.*):(\d+)$/.exec(String(options.host ?? ""));
      const fixed = m ? { ...options, host: m[1], port: Number(m[2]), servername: m[1] } : options;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (https.Agent.prototype.createConnection as any).call(this, fixed, callback);
    }
  }
  let config: Record<string, unknown>;
  let host: string;
  if (target.kind === "connectionString") {
    const cn = ConnectionString.parse(target.connectionString, ["HostName", "SharedAccessKeyName", "SharedAccessKey"]);
    host = cn.HostName;
    config = { host, sharedAccessSignature: SharedAccessSignature.create(host, cn.SharedAccessKeyName, cn.SharedAccessKey, Date.now()) };
  } else {
    const { DefaultAzureCredential } = require("@azure/identity");
    host = target.endpoint;
    config = { host, tokenCredential: new DefaultAzureCredential(), tokenScope: DPS_TOKEN_SCOPE };
  }
  const rest = new RestApiClient(config, "azure-iot-provisioning-service/1.11.2");
  rest.setOptions({ http: { agent: new PortAgent({ keepAlive: false, ...(target.caCertPem ? { ca: target.caCertPem } : {}) }) } });
  return { client: new ProvisioningServiceClient(config, rest) as SdkClient, host };
}

async function drain(query: SdkQuery): Promise<DpsRecord[]> {
  const all: DpsRecord[] = [];
  const seen = new Set<string>();
  // DPS pages with x-ms-continuation; the SDK clears hasMoreResults after the last page. The
  // promise form of Query.next() (SDK 1.11.2) ignores the token it holds unless it is passed
  // back explicitly: `next()` alone asks for the first page again, forever.
  while (query.hasMoreResults) {
    const token = query.continuationToken ?? undefined;
    if (token !== undefined) {
      if (seen.has(token)) throw new Error("DPS returned the same continuation token twice; stopping instead of looping");
      seen.add(token);
    }
    const answer = await query.next(token);
    all.push(...answer.responseBody);
  }
  return all;
}

export async function readAllEnrollments(
  target: DpsTarget,
  pageSize = 100,
): Promise<{ host: string; individualEnrollments: DpsRecord[]; enrollmentGroups: DpsRecord[] }> {
  const { client, host } = serviceClient(target);
  try {
    const individualEnrollments = await drain(client.createIndividualEnrollmentQuery({ query: "*" }, pageSize));
    const enrollmentGroups = await drain(client.createEnrollmentGroupQuery({ query: "*" }, pageSize));
    return { host, individualEnrollments, enrollmentGroups };
  } catch (error) {
    // SDK errors carry the raw response; keep only the status and DPS's message (no headers, no SAS).
    const e = error as { message?: string; response?: { statusCode?: number } };
    const status = e.response?.statusCode ? ` (HTTP ${e.response.statusCode})` : "";
    throw new Error(`reading enrollments from DPS ${host} failed${status}: ${String(e.message ?? error).replace(/SharedAccessSignature [^\s"]+/g, "SharedAccessSignature …")}`);
  }
}

/** Reads the DPS and writes the manifest; returns what the user must still do. */
export async function exportEnrollments(options: {
  target: DpsTarget;
  out: string;
  hubKeys?: Record<string, string>;
  pageSize?: number;
}): Promise<{ actions: string[]; counts: { individualEnrollments: number; enrollmentGroups: number } }> {
  const records = await readAllEnrollments(options.target, options.pageSize);
  const schema = path.relative(path.dirname(path.resolve(options.out)), path.resolve(__dirname, "../schemas/enrollment-manifest.schema.json"));
  const result = manifestFromDps(records, {
    source: `DPS ${records.host}`,
    schemaPath: schema.split(path.sep).join("/"),
    ...(options.hubKeys ? { hubKeys: options.hubKeys } : {}),
  });
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, result.yaml);
  return { actions: result.actions, counts: result.counts };
}

function usage(message: string): never {
  process.stderr.write(
    `export: ${message}\nusage: export (--connection-string-env VAR | --endpoint HOST --entra-id) [--ca-cert FILE] [--hub-key KEY=HOST ...] [--page-size N] --out FILE\n`,
  );
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let csEnv: string | undefined;
  let endpoint: string | undefined;
  let entra = false;
  let caCert: string | undefined;
  let out: string | undefined;
  let pageSize: number | undefined;
  const hubKeys: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === "--connection-string-env") csEnv = next();
    else if (arg === "--endpoint") endpoint = next();
    else if (arg === "--entra-id") entra = true;
    else if (arg === "--ca-cert") caCert = next();
    else if (arg === "--out") out = next();
    else if (arg === "--page-size") pageSize = Number(next());
    else if (arg === "--hub-key") {
      const m = /^([^=]+)=(.+)$/.exec(next());
      if (!m) usage("--hub-key expects KEY=HOST");
      hubKeys[m[2]!] = m[1]!;
    } else usage(`unknown argument '${arg}'`);
  }
  if (!out) usage("--out is required");
  if ((csEnv === undefined) === (endpoint === undefined)) usage("give exactly one of --connection-string-env or --endpoint (with --entra-id)");
  if (endpoint !== undefined && !entra) usage("--endpoint needs --entra-id");
  const caCertPem = caCert ? fs.readFileSync(caCert, "utf8") : undefined;
  let target: DpsTarget;
  if (csEnv !== undefined) {
    const connectionString = process.env[csEnv];
    if (!connectionString) usage(`environment variable ${csEnv} is empty`);
    target = { kind: "connectionString", connectionString, ...(caCertPem ? { caCertPem } : {}) };
  } else {
    target = { kind: "entraId", endpoint: endpoint!, ...(caCertPem ? { caCertPem } : {}) };
  }
  const { actions, counts } = await exportEnrollments({ target, out, hubKeys, ...(pageSize ? { pageSize } : {}) });
  process.stdout.write(`wrote ${out}: ${counts.individualEnrollments} individual enrollments, ${counts.enrollmentGroups} enrollment groups\n`);
  for (const action of actions) process.stdout.write(`to do before pulumi up: ${action}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`export: ${error.message}\n`);
    process.exit(1);
  });
}
