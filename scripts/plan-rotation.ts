// npm run plan-rotation -- --stack <stack> --enrollment <id> [--kind symmetric-key|ca|certificate]
//   [--new-ca <name>] [--certificate <pem>] [--ids-file <file>] [--generation <suffix>] [--out <folder>]
//
// Writes the rotation of an enrollment's credentials as an ordered plan of pull requests, one
// credential per deployment (components/advice/rotation-plan.ts): one folder per step with the
// description (PULL_REQUEST.md), the manifest and stack-file changes as a patch (`git apply
// <step>/changes.patch` from the repository root) and as whole files (files/), and what the
// devices or the factory need between the steps. Offline: reads the manifests and
// Pulumi.<stack>.yaml, calls nothing.
import * as fs from "node:fs";
import { ROTATION_KINDS, type RotationKind } from "@dps-as-code/contract";
import { planRotation, RotationPlanError } from "../components/advice/rotation-plan";
import { stackManifestOptions, stackManifestsFolder } from "../components/fleet/stack-manifest-options";
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
  "usage: plan-rotation --stack <stack> --enrollment <id> [--kind symmetric-key|ca|certificate] " +
  "[--new-ca <name>] [--certificate <pem>] [--ids-file <file>] [--generation <suffix>] [--out <folder>]";

interface Options {
  stack?: string;
  enrollment?: string;
  kind?: RotationKind;
  newCa?: string;
  certificate?: string;
  idsFile?: string;
  generation?: string;
  out?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {};
  const error = (message: string) => new RotationPlanError(message);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => flagValue(argv, ++i, arg, error);
    if (arg === "--stack") options.stack = value();
    else if (arg === "--enrollment") options.enrollment = value();
    else if (arg === "--kind") {
      const kind = value();
      if (!(ROTATION_KINDS as readonly string[]).includes(kind))
        throw error(`--kind "${kind}" is not allowed; allowed: ${ROTATION_KINDS.join(", ")}`);
      options.kind = kind as RotationKind;
    } else if (arg === "--new-ca") options.newCa = value();
    else if (arg === "--certificate") options.certificate = value();
    else if (arg === "--ids-file") options.idsFile = value();
    else if (arg === "--generation") options.generation = value();
    else if (arg === "--out") options.out = value();
    else throw error(`unknown argument ${arg}`);
  }
  if (!options.stack) throw error("give --stack <stack>");
  if (!isStackName(options.stack)) throw error(`'${options.stack}' is not a stack name`);
  if (!options.enrollment) throw error("give --enrollment <registration id or enrollment group id>");
  if (options.generation !== undefined && !/^[A-Za-z0-9]{1,16}$/.test(options.generation))
    throw error(`--generation "${options.generation}": 1-16 letters or digits`);
  return options;
}

function plan(options: Options): number {
  const stack = readPlanStack("plan-rotation", options.stack!);
  if (!stack) return 1;
  const manifestsDir = stackManifestsFolder(stack, stack.directory, process.cwd());
  const { manifests, texts } = readPlanManifests(manifestsDir, stackManifestOptions(stack, stack.configKeys));
  const steps = planRotation(
    {
      enrollmentId: options.enrollment!,
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.newCa ? { newCaName: options.newCa } : {}),
      ...(options.certificate
        ? { certificate: { file: options.certificate, text: fs.readFileSync(options.certificate, "utf8") } }
        : {}),
      ...(options.idsFile ? { deviceIds: readIdsFile(options.idsFile) } : {}),
      generation: options.generation ?? new Date().toISOString().slice(0, 10).replace(/-/g, ""),
    },
    {
      manifests,
      texts,
      manifestsDir,
      stack: options.stack!,
      caCertificates: stack.dps.caCertificates,
      existingCaCertificateNames: stack.dps.existingCaCertificateNames,
    },
  );
  const out = options.out ?? `rotation-${options.enrollment}`;
  writePlan(out, steps);
  printPlan(out, steps);
  return 0;
}

let options: Options = {};
process.exitCode = runPlanTool(
  "plan-rotation",
  USAGE,
  RotationPlanError,
  () => (options = parseArgs(process.argv.slice(2))),
  () => plan(options),
);
