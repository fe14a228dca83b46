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
import { manifestHubName } from "../components/fleet/hub-names";
import { stackManifestOptions, stackManifestsFolder } from "../components/fleet/stack-manifest-options";
import type { LoadManifestOptions } from "../components/manifests";
import {
  flagValue,
  isStackName,
  printPlan,
  readIdsFile,
  readPlanManifests,
  readPlanStack,
  runPlanTool,
} from "./plans/plan-inputs";
import { writePlan } from "./plans/write-plan";

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
  const error = (message: string) => new MovePlanError(message);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => flagValue(argv, ++i, arg, error);
    if (arg === "--stack") options.stack = value();
    else if (arg === "--manifests") options.manifests = value();
    else if (arg === "--to-group" || arg === "--from-group") {
      if (options.direction) throw error("give one of --to-group and --from-group");
      options.direction = arg === "--to-group" ? "to-group" : "to-individual";
      options.group = value();
    } else if (arg === "--ids-file") options.ids.push(...readIdsFile(value()));
    else if (arg === "--signing-certificate") options.signingCertificate = value();
    else if (arg === "--device-certificates") options.deviceCertificates = value();
    else if (arg === "--out") options.out = value();
    else if (arg.startsWith("--")) throw error(`unknown option ${arg}`);
    else options.ids.push(arg);
  }
  if (!options.direction || !options.group)
    throw error("give --to-group <groupId> or --from-group <groupId>");
  if (!options.stack === !options.manifests) throw error("give exactly one of --stack and --manifests");
  if (options.stack !== undefined && !isStackName(options.stack))
    throw error(`'${options.stack}' is not a stack name`);
  return options;
}

function plan(options: Options): number {
  let folder = options.manifests!;
  let stackOptions: Partial<LoadManifestOptions> = {};
  let caCertificates: readonly DpsCaCertificate[] = [];
  let hubName = (hostName: string) => hostName;
  if (options.stack) {
    const stack = readPlanStack("plan-enrollment-move", options.stack);
    if (!stack) return 1;
    folder = stackManifestsFolder(stack, stack.directory, process.cwd());
    stackOptions = stackManifestOptions(stack, stack.configKeys);
    caCertificates = stack.dps.caCertificates;
    hubName = manifestHubName(stack);
  }
  const { manifests, texts } = readPlanManifests(folder, stackOptions);
  const readPem = (file: string) => ({ file: path.resolve(file), text: fs.readFileSync(file, "utf8") });
  const common = {
    manifests,
    texts,
    manifestsDir: folder,
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
  printPlan(out, steps);
  return 0;
}

let options: Options = { ids: [] };
process.exitCode = runPlanTool(
  "plan-enrollment-move",
  USAGE,
  MovePlanError,
  () => (options = parseArgs(process.argv.slice(2))),
  () => plan(options),
);
