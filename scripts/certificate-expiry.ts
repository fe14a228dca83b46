/**
 * `npm run --silent certificate-expiry -- --stack <stack> [--format table|markdown|json] [--out FILE]`
 *
 * Certificates the stack holds that expire within its window (`dps-as-code:certificateExpiryWarningDays`,
 * default 30), are expired already, or are not yet valid: the DPS's CA certificates (with the
 * groups naming them), enrollment groups' signing certificates and individual enrollments' client
 * certificates, each with its days left, its notAfter, where it is declared and the rotation plan
 * to run. Offline, as validate-manifests and plan-rotation: it reads Pulumi.<stack>.yaml and the
 * stack's manifests from the repository root, and calls nothing. The report goes to stdout; with
 * --out it goes to the file and stdout says `due=true|false` (for the drift workflow's next step).
 * Exit codes: 0 read (whatever it found), 1 the stack or its manifests could not be read, 2 usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  certificateExpiries,
  dueCertificates,
  type GroupView,
  heldCertificates,
  type IndividualView,
  rotationHint,
} from "@dps-as-code/contract";
// Modules, not the packages' index files: the command never loads Pulumi.
import { readStackFile, stackFileName } from "../components/config/stack-file";
import { stackManifestOptions, stackManifestsFolder } from "../components/fleet/stack-manifest-options";
import { ManifestValidationError } from "../components/manifests";
import { readPlanManifests } from "./plans/plan-inputs";
import {
  EXPIRY_FORMATS,
  type ExpiryFormat,
  type ExpiryReport,
  renderExpiry,
} from "./certificate-expiry/render";

const USAGE =
  "usage: npm run --silent certificate-expiry -- --stack <stack> [--format table|markdown|json] [--out FILE]";

export interface ExpiryArguments {
  stack: string;
  format: ExpiryFormat;
  out?: string;
}

/** The arguments, or the message naming what is wrong (usage follows it). */
export function parseArguments(argv: readonly string[]): ExpiryArguments | string {
  let stack: string | undefined;
  let format: ExpiryFormat = "table";
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (!["--stack", "-s", "--format", "--out"].includes(arg)) return `unknown argument "${arg}"`;
    if (value === undefined || value.startsWith("--")) return `${arg} needs a value`;
    if (arg === "--stack" || arg === "-s") stack = value;
    else if (arg === "--out") out = value;
    else if (!(EXPIRY_FORMATS as readonly string[]).includes(value))
      return `--format is "${value}"; allowed: ${EXPIRY_FORMATS.join(", ")}`;
    else format = value as ExpiryFormat;
    i++;
  }
  if (!stack) return "--stack is required";
  if (!stackFileName(stack)) return `"${stack}" is not a stack name`;
  return { stack, format, ...(out ? { out } : {}) };
}

/** The report of the stack whose Pulumi.<stack>.yaml is in the working directory, or the problems that stop it. */
export function expiryReport(stackName: string, now: Date): ExpiryReport | string[] {
  const cwd = process.cwd();
  const file = stackFileName(stackName)!;
  const read = readStackFile(path.resolve(file));
  if (!read.ok)
    return read.problems.map(({ problem, allowed }) => `${file}: ${problem}; allowed: ${allowed}`);
  const { stack } = read;
  const manifestsDir = stackManifestsFolder(stack, stack.directory, cwd);
  let manifests;
  try {
    ({ manifests } = readPlanManifests(manifestsDir, {
      ...stackManifestOptions(stack, stack.configKeys),
      // The loader refuses an expired certificate (a manifest must not deploy one); this report
      // must list it, loudest. So it loads with a clock before every certificate's validity and
      // judges each certificate itself, at `now`. Every other check is the loader's as usual.
      now: new Date(0),
    }));
  } catch (error) {
    if (error instanceof ManifestValidationError) return [error.message];
    throw error;
  }
  const sourceOf = new Map<string, string>();
  // Paths from the repository root, where the command runs.
  const where = (s: { file: string; line: number }) =>
    `${path.relative(cwd, path.resolve(s.file))}:${s.line}`;
  for (const i of manifests.individualEnrollments)
    sourceOf.set(`individual:${i.registrationId}`, where(i.source));
  for (const g of manifests.enrollmentGroups) sourceOf.set(`group:${g.enrollmentGroupId}`, where(g.source));
  const held = heldCertificates({
    // Manifest entries have the views' shape (DPS's field names; contract/choice/enrollment-view.ts).
    individualEnrollments: manifests.individualEnrollments as unknown as IndividualView[],
    enrollmentGroups: manifests.enrollmentGroups as unknown as GroupView[],
    caCertificates: stack.dps.caCertificates,
  });
  const certificates = certificateExpiries(held, now, stack.certificateExpiryWarningDays).map((e) => ({
    ...e,
    declaredIn:
      e.holder.kind === "ca" ? file : (sourceOf.get(`${e.holder.kind}:${e.holder.id}`) ?? manifestsDir),
    rotation: rotationHint(e.holder, stackName),
  }));
  return {
    stack: stackName,
    windowDays: stack.certificateExpiryWarningDays,
    checkedAt: now,
    certificates,
    notChecked: [...stack.dps.existingCaCertificateNames].sort(),
  };
}

function main(argv: string[]): number {
  const args = parseArguments(argv);
  if (typeof args === "string") {
    process.stderr.write(`certificate-expiry: ${args}\n${USAGE}\n`);
    return 2;
  }
  const report = expiryReport(args.stack, new Date());
  if (Array.isArray(report)) {
    for (const problem of report) process.stderr.write(`certificate-expiry: ${problem}\n`);
    return 1;
  }
  const text = renderExpiry(report, args.format);
  if (!args.out) {
    process.stdout.write(text);
    return 0;
  }
  fs.writeFileSync(args.out, text);
  process.stdout.write(`due=${dueCertificates(report.certificates).length > 0}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
