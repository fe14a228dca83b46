// npm run validate-manifests -- [--stack <name>] [<folder>]
// Checks the manifests of one environment offline (no DPS, no Pulumi engine): the folder and
// hub keys come from Pulumi.<stack>.yaml. Hub host names cannot be known offline for Azure, so
// hub keys are checked by name and host names are accepted as written; `pulumi preview` checks
// them against the real linked hubs.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadEnrollmentManifests, ManifestValidationError, type HubHostNames } from "./index";

function main(argv: string[]): number {
  let stack: string | undefined;
  let folder: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack") stack = argv[++i];
    else folder = argv[i];
  }
  let hubs: HubHostNames = {};
  let caCertificates: string[] | undefined;
  if (stack) {
    const file = path.resolve(`Pulumi.${stack}.yaml`);
    const config = ((parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
    folder ??= config["dps-as-code:enrollmentManifests"] as string | undefined;
    const keys = Object.keys((config["dps-as-code:hubs"] as Record<string, unknown> | undefined) ?? {});
    // Host names are not known offline: a key is checked by name, a host name accepted as written.
    hubs = Object.fromEntries(keys.map((k) => [k, undefined]));
    // Every CA the stack declares (uploaded or existing): caReferences must name one of them.
    const dps = (config["dps-as-code:dps"] as { caCertificates?: Record<string, unknown> } | undefined) ?? {};
    caCertificates = Object.keys(dps.caCertificates ?? {});
  }
  if (!folder) {
    process.stderr.write("usage: validate-manifests [--stack <name>] [<folder>]\n");
    return 2;
  }
  try {
    const loaded = loadEnrollmentManifests(folder, { hubs, ...(caCertificates ? { caCertificates } : {}), pathVariables: process.env.DPS_HOME ? { DPS_HOME: process.env.DPS_HOME } : {} });
    process.stdout.write(`${folder}: ${loaded.individualEnrollments.length} individual enrollments, ${loaded.enrollmentGroups.length} enrollment groups, no problems\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ManifestValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
