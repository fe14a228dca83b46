// npm run export -- (--connection-string-env VAR | --endpoint HOST --entra-id) [--ca-cert FILE]
//                   [--hub-key KEY=HOST ...] [--page-size N] --out enrollments/<env>/exported.yaml
// Reads every individual enrollment and enrollment group of an existing DPS (query paging) and
// writes them as a manifest with adoptExisting: true. The connection string is read from an
// environment variable (never a command-line argument, which shows up in process lists). DPS is
// read through components/dps-client/client.ts, the same client the enrollment resources use.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  createDpsClient,
  QUERY_PAGE_SIZE,
  type DpsClientOptions,
  type DpsEnrollmentRecord,
  isDpsCallError,
} from "../components/dps-client";
import { type DpsConnection, parseConnectionString } from "@dps-as-code/contract";
import { manifestFromDps } from "../components/manifests/from-dps";
import type { DpsRecord } from "../components/manifests/from-dps";

export type DpsTarget =
  | { kind: "connectionString"; connectionString: string; caCertPem?: string }
  | { kind: "entraId"; endpoint: string; caCertPem?: string };

/** The target as the enrollment resources' connection: the export talks to DPS through the same client. */
export function dpsConnectionOf(target: DpsTarget): DpsConnection {
  const trust = target.caCertPem ? { trustedCaCertificate: target.caCertPem } : {};
  if (target.kind === "entraId") return { serviceEndpoint: target.endpoint, useEntraId: true, ...trust };
  const host = parseConnectionString(target.connectionString)["HostName"];
  if (!host)
    throw new Error(
      "the connection string has no HostName=...; expected HostName=<dps>.azure-devices-provisioning.net;SharedAccessKeyName=...;SharedAccessKey=...",
    );
  return { serviceEndpoint: host, connectionString: target.connectionString, ...trust };
}

async function readAll(pages: AsyncIterable<DpsEnrollmentRecord[]>): Promise<DpsRecord[]> {
  const all: DpsRecord[] = [];
  for await (const page of pages) all.push(...(page as DpsRecord[]));
  return all;
}

/** Every enrollment of both kinds, through the DPS client (timeouts, retries, redacted errors). */
export async function readAllEnrollments(
  target: DpsTarget,
  pageSize = QUERY_PAGE_SIZE,
  options: DpsClientOptions = {},
): Promise<{ host: string; individualEnrollments: DpsRecord[]; enrollmentGroups: DpsRecord[] }> {
  const client = createDpsClient(dpsConnectionOf(target), options);
  const host = client.serviceEndpoint;
  try {
    const individualEnrollments = await readAll(client.queryEnrollments("individual", pageSize));
    const enrollmentGroups = await readAll(client.queryEnrollments("group", pageSize));
    return { host, individualEnrollments, enrollmentGroups };
  } catch (error) {
    // The client's message is already redacted (no key, no signature) and says what failed.
    const status =
      isDpsCallError(error) && error.failure.status !== undefined ? ` (HTTP ${error.failure.status})` : "";
    throw new Error(`reading enrollments from DPS ${host} failed${status}: ${(error as Error).message}`);
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
  const schema = path.relative(
    path.dirname(path.resolve(options.out)),
    path.resolve(__dirname, "../schemas/enrollment-manifest.schema.json"),
  );
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
  if ((csEnv === undefined) === (endpoint === undefined))
    usage("give exactly one of --connection-string-env or --endpoint (with --entra-id)");
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
  const { actions, counts } = await exportEnrollments({
    target,
    out,
    hubKeys,
    ...(pageSize ? { pageSize } : {}),
  });
  process.stdout.write(
    `wrote ${out}: ${counts.individualEnrollments} individual enrollments, ${counts.enrollmentGroups} enrollment groups\n`,
  );
  for (const action of actions) process.stdout.write(`to do before pulumi up: ${action}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`export: ${error.message}\n`);
    process.exit(1);
  });
}
