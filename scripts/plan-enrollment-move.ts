// npm run plan-enrollment-move -- --stack <stack> --to-group <groupId> <registrationId>... [--signing-certificate <pem>] [--out <dir>]
// npm run plan-enrollment-move -- --stack <stack> --from-group <groupId> <registrationId>... [--device-certificates <dir>] [--out <dir>]
//
// Writes the safe move between individual enrollments and an enrollment group as an ordered
// plan of pull requests: one folder per step (1-..., 2-...) with the step's pull request
// description (PULL_REQUEST.md), its manifest changes as a patch (`git apply <step>/changes.patch`
// from the repository root) and as whole files (files/), and what the factory or the devices
// must receive. Offline: reads the manifests and Pulumi.<stack>.yaml, calls nothing.
// `--manifests <folder>` replaces --stack for a folder outside a stack (no hub keys, no CA certificates).
import * as fs from "node:fs";
import * as path from "node:path";
import type { DpsCaCertificate } from "@dps-as-code/contract";
import { MovePlanError, planEnrollmentMove } from "../components/advice/move-plan";
import { readStackFile, stackFileName } from "../components/config/stack-file";
import { manifestHubName } from "../components/fleet/hub-names";
import { stackManifestOptions, stackManifestsFolder } from "../components/fleet/stack-manifest-options";
import {
  type LoadManifestOptions,
  loadEnrollmentManifests,
  ManifestValidationError,
} from "../components/manifests";
import { stepFolder, writePlan } from "./plans/write-plan";

const USAGE =
  "usage: plan-enrollment-move (--stack <stack> | --manifests <folder>) (--to-group | --from-group) <groupId> <registrationId>... " +
  "[--ids-file <file>] [--signing-certificate <pem>] [--device-certificates <folder>] [--out <folder>]";

interface Options {
  stack?: string;
  manifests?: string;
  direction?: "to-group" | "to-individual";
  group?: string;
  ids: string[];
  signingCertificate?: string;
  deviceCertificates?: string;
  out?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { ids: [] };
  const value = (i: number, flag: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new MovePlanError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack") options.stack = value(++i, arg);
    else if (arg === "--manifests") options.manifests = value(++i, arg);
    else if (arg === "--to-group" || arg === "--from-group") {
      if (options.direction) throw new MovePlanError("give one of --to-group and --from-group");
      options.direction = arg === "--to-group" ? "to-group" : "to-individual";
      options.group = value(++i, arg);
    } else if (arg === "--ids-file")
      options.ids.push(
        ...fs
          .readFileSync(value(++i, arg), "utf8")
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith("#")),
      );
    else if (arg === "--signing-certificate") options.signingCertificate = value(++i, arg);
    else if (arg === "--device-certificates") options.deviceCertificates = value(++i, arg);
    else if (arg === "--out") options.out = value(++i, arg);
    else if (arg.startsWith("--")) throw new MovePlanError(`unknown option ${arg}`);
    else options.ids.push(arg);
  }
  if (!options.direction || !options.group)
    throw new MovePlanError("give --to-group <groupId> or --from-group <groupId>");
  if (!options.stack === !options.manifests)
    throw new MovePlanError("give exactly one of --stack and --manifests");
  if (options.stack !== undefined && !stackFileName(options.stack))
    throw new MovePlanError(`'${options.stack}' is not a stack name`);
  return options;
}

function main(argv: string[]): number {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`plan-enrollment-move: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let folder = options.manifests;
  let stackOptions: Partial<LoadManifestOptions> = {};
  let caCertificates: readonly DpsCaCertificate[] = [];
  let hubName = (hostName: string) => hostName;
  if (options.stack) {
    // What the stack decides, as the program reads it (components/config/stack-file.ts).
    const file = path.resolve(stackFileName(options.stack)!);
    const read = readStackFile(file);
    if (!read.ok) {
      for (const { problem, allowed } of read.problems)
        process.stderr.write(`plan-enrollment-move: ${file}: ${problem}; allowed: ${allowed}\n`);
      return 1;
    }
    const { stack } = read;
    folder = stackManifestsFolder(stack, stack.directory, process.cwd());
    stackOptions = stackManifestOptions(stack, stack.configKeys);
    caCertificates = stack.dps.caCertificates;
    hubName = manifestHubName(stack);
  }
  const manifestsDir = folder!;
  const pathVariables: Record<string, string> = process.env.DPS_HOME
    ? { DPS_HOME: process.env.DPS_HOME }
    : {};
  try {
    const manifests = loadEnrollmentManifests(manifestsDir, { ...stackOptions, pathVariables });
    const texts = fs
      .readdirSync(manifestsDir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort()
      .map((n) => ({
        file: path.join(manifestsDir, n),
        text: fs.readFileSync(path.join(manifestsDir, n), "utf8"),
      }));
    const readPem = (file: string) => ({ file: path.resolve(file), text: fs.readFileSync(file, "utf8") });
    const common = {
      manifests,
      texts,
      manifestsDir,
      caCertificates,
      hubName,
      stack: options.stack ?? "<stack>",
    };
    const steps =
      options.direction === "to-group"
        ? planEnrollmentMove(
            {
              direction: "to-group",
              enrollmentGroupId: options.group!,
              registrationIds: options.ids,
              ...(options.signingCertificate
                ? { signingCertificate: readPem(options.signingCertificate) }
                : {}),
            },
            common,
          )
        : planEnrollmentMove(
            {
              direction: "to-individual",
              enrollmentGroupId: options.group!,
              registrationIds: options.ids,
              ...(options.deviceCertificates
                ? {
                    deviceCertificates: Object.fromEntries(
                      options.ids
                        .filter((id) => fs.existsSync(path.join(options.deviceCertificates!, `${id}.pem`)))
                        .map((id) => [id, readPem(path.join(options.deviceCertificates!, `${id}.pem`))]),
                    ),
                  }
                : {}),
            },
            common,
          );
    const out = options.out ?? `enrollment-move-${options.group}`;
    writePlan(out, steps);
    process.stdout.write(
      `${steps.length} pull request(s), in this order:\n${steps.map((s, i) => `  ${i + 1}. ${s.title}  (${path.join(out, stepFolder(s, i))})`).join("\n")}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ManifestValidationError || error instanceof MovePlanError) {
      process.stderr.write(`plan-enrollment-move: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
