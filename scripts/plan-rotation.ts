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
import * as path from "node:path";
import { ROTATION_KINDS, type RotationKind } from "@dps-as-code/contract";
import { planRotation, RotationPlanError } from "../components/advice/rotation-plan";
import { readStackFile, stackFileName } from "../components/config/stack-file";
import { stackManifestOptions, stackManifestsFolder } from "../components/fleet/stack-manifest-options";
import { loadEnrollmentManifests, ManifestValidationError } from "../components/manifests";
import { stepFolder, writePlan } from "./plans/write-plan";

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
  const value = (i: number, flag: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new RotationPlanError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack") options.stack = value(++i, arg);
    else if (arg === "--enrollment") options.enrollment = value(++i, arg);
    else if (arg === "--kind") {
      const kind = value(++i, arg);
      if (!(ROTATION_KINDS as readonly string[]).includes(kind))
        throw new RotationPlanError(`--kind "${kind}" is not allowed; allowed: ${ROTATION_KINDS.join(", ")}`);
      options.kind = kind as RotationKind;
    } else if (arg === "--new-ca") options.newCa = value(++i, arg);
    else if (arg === "--certificate") options.certificate = value(++i, arg);
    else if (arg === "--ids-file") options.idsFile = value(++i, arg);
    else if (arg === "--generation") options.generation = value(++i, arg);
    else if (arg === "--out") options.out = value(++i, arg);
    else throw new RotationPlanError(`unknown argument ${arg}`);
  }
  if (!options.stack) throw new RotationPlanError("give --stack <stack>");
  if (!stackFileName(options.stack)) throw new RotationPlanError(`'${options.stack}' is not a stack name`);
  if (!options.enrollment)
    throw new RotationPlanError("give --enrollment <registration id or enrollment group id>");
  if (options.generation !== undefined && !/^[A-Za-z0-9]{1,16}$/.test(options.generation))
    throw new RotationPlanError(`--generation "${options.generation}": 1-16 letters or digits`);
  return options;
}

function main(argv: string[]): number {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`plan-rotation: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const stackFile = stackFileName(options.stack!)!;
  const read = readStackFile(path.resolve(stackFile));
  if (!read.ok) {
    for (const { problem, allowed } of read.problems)
      process.stderr.write(`plan-rotation: ${stackFile}: ${problem}; allowed: ${allowed}\n`);
    return 1;
  }
  const { stack } = read;
  const manifestsDir = stackManifestsFolder(stack, stack.directory, process.cwd());
  const pathVariables: Record<string, string> = process.env.DPS_HOME
    ? { DPS_HOME: process.env.DPS_HOME }
    : {};
  try {
    const manifests = loadEnrollmentManifests(manifestsDir, {
      ...stackManifestOptions(stack, stack.configKeys),
      pathVariables,
    });
    const texts = fs
      .readdirSync(manifestsDir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort()
      .map((n) => ({
        file: path.join(manifestsDir, n),
        text: fs.readFileSync(path.join(manifestsDir, n), "utf8"),
      }));
    const steps = planRotation(
      {
        enrollmentId: options.enrollment!,
        ...(options.kind ? { kind: options.kind } : {}),
        ...(options.newCa ? { newCaName: options.newCa } : {}),
        ...(options.certificate
          ? { certificate: { file: options.certificate, text: fs.readFileSync(options.certificate, "utf8") } }
          : {}),
        ...(options.idsFile
          ? {
              deviceIds: fs
                .readFileSync(options.idsFile, "utf8")
                .split(/\r?\n/)
                .map((l) => l.trim())
                .filter((l) => l && !l.startsWith("#")),
            }
          : {}),
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
    process.stdout.write(
      `${steps.length} pull request(s), in this order:\n${steps.map((s, i) => `  ${i + 1}. ${s.title}  (${path.join(out, stepFolder(s, i))})`).join("\n")}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ManifestValidationError || error instanceof RotationPlanError) {
      process.stderr.write(`plan-rotation: ${error.message}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`plan-rotation: cannot read ${(error as NodeJS.ErrnoException).path}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
