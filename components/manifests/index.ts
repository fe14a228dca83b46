// The one module that reads enrollment manifests: YAML files in a folder, checked against the
// published JSON Schema and DPS's rules, returned as typed specs. Every problem of every file
// is collected and thrown at once as a ManifestValidationError, before anything reaches DPS.
import * as fs from "node:fs";
import * as path from "node:path";
import { applyDefaults, isPlainObject } from "./defaults";
import type { PlainObject } from "./defaults";
import { buildEntry } from "./entry";
import { ManifestValidationError } from "./errors";
import type { EntryKind, ManifestProblem } from "./errors";
import { ENTRY_LISTS } from "./fields";
import { checkRetiredAreGone, readRetiredEnrollments } from "./retired";
import { checkSchema } from "./schema-check";
import type {
  EnrollmentGroupSpec,
  IndividualEnrollmentSpec,
  LoadedManifests,
  LoadManifestOptions,
  RetiredEnrollmentSpec,
} from "./types";
import { decodeManifest } from "./text-encoding";
import { parseManifest } from "./yaml-source";
import type { FieldPath, ParsedManifest } from "./yaml-source";

export * from "./types";
export { ManifestValidationError, formatProblem } from "./errors";
export type { ManifestProblem } from "./errors";
export {
  resolveHub,
  deployedHubCatalogue,
  type HubCatalogue,
  type HubHostNames,
  type HubResolution,
} from "./hubs";

import { countLimitFinding, GROUP_COUNT_LIMIT, type StackCountLimits } from "@dps-as-code/contract";

const MANIFEST_FILE = /\.ya?ml$/i;

export function loadEnrollmentManifests(dir: string, options: LoadManifestOptions = {}): LoadedManifests {
  const files = listManifestFiles(dir);
  if (!files.ok) throw new ManifestValidationError([files.problem]);
  return loadEnrollmentManifestFiles(files.paths, options);
}

/** Named manifest files (one environment's set), read and checked as loadEnrollmentManifests does. */
export function loadEnrollmentManifestFiles(
  paths: readonly string[],
  options: LoadManifestOptions = {},
): LoadedManifests {
  const sources: { file: string; text: Uint8Array }[] = [];
  const unreadable: ManifestProblem[] = [];
  for (const file of paths) {
    const read = readManifestFile(file);
    if (read.ok) sources.push({ file, text: read.bytes });
    else unreadable.push(read.problem);
  }
  return loadEnrollmentManifestTexts(sources, options, unreadable);
}

/**
 * The same checks over texts already in memory (tests, the PR report, editors). Bytes are
 * decoded as strict UTF-8; `problems` are ones the caller found already (unreadable files).
 */
export function loadEnrollmentManifestTexts(
  sources: readonly { file: string; text: string | Uint8Array }[],
  options: LoadManifestOptions = {},
  earlier: readonly ManifestProblem[] = [],
): LoadedManifests {
  const problems: ManifestProblem[] = [...earlier];
  const individualEnrollments: IndividualEnrollmentSpec[] = [];
  const enrollmentGroups: EnrollmentGroupSpec[] = [];
  const retiredEnrollments: RetiredEnrollmentSpec[] = [];
  const seen = new Map<string, { file: string; line: number; column: number }>();
  const previous = new Map<string, PreviousIdUse>();
  const now = options.now ?? new Date();

  for (const source of sources) {
    const { file } = source;
    const decoded =
      typeof source.text === "string"
        ? { ok: true as const, text: source.text }
        : decodeManifest(source.text);
    if (!decoded.ok) {
      problems.push({
        file,
        line: decoded.line,
        column: decoded.column,
        problem: decoded.problem,
        allowed: decoded.allowed,
      });
      continue;
    }
    const parsed = parseManifest(file, decoded.text);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const manifest = parsed.manifest;
    const { problems: schemaProblems, broken } = checkSchema(manifest);
    problems.push(...schemaProblems);
    if (!isPlainObject(manifest.value)) continue;
    const document = manifest.value;
    // Entries with a structural problem are not checked further: their other messages would
    // only repeat the first one. A broken `defaults` block taints every entry of the file.
    if (broken.has("defaults")) continue;
    const defaults = document["defaults"] as PlainObject | undefined;
    retiredEnrollments.push(...readRetiredEnrollments(manifest, file, document));

    for (const list of ["individualEnrollments", "enrollmentGroups"] as const) {
      const items = document[list];
      if (!Array.isArray(items)) continue;
      const { kind, idField } = ENTRY_LISTS[list];
      items.forEach((item, index) => {
        const base: FieldPath = [list, index];
        const id = (item as PlainObject)?.[idField];
        if (typeof id === "string") {
          const key = `${kind}:${id.toLowerCase()}`;
          const here = { file, ...manifest.positionOf([...base, idField]) };
          const first = seen.get(key);
          if (first) {
            problems.push({
              ...here,
              entry: { kind, id },
              field: idField,
              problem: `duplicate id (ids are case-insensitive); first declared at ${first.file}:${first.line}:${first.column}`,
              allowed: "each id once across all manifests of the environment",
            });
            return;
          }
          seen.set(key, here);
          problems.push(
            ...recordPreviousIds(previous, {
              file,
              kind,
              id,
              list: (item as PlainObject)["previousIds"],
              at: (i) => manifest.positionOf([...base, "previousIds", i]),
            }),
          );
        }
        if (broken.has(`${list}/${index}`) || !isPlainObject(item) || typeof id !== "string") return;
        const merged = applyDefaults(defaults, item);
        const result = buildEntry(
          {
            file,
            kind,
            id,
            options,
            now,
            locate: (field, atKey) => locate(manifest, item, defaults, base, field, atKey),
          },
          merged,
        );
        problems.push(...result.problems);
        if (!result.spec) return;
        const mode =
          document["mode"] === "batch" || document["mode"] === "individual" ? document["mode"] : undefined;
        if (kind === "individualEnrollment")
          individualEnrollments.push({
            ...(result.spec as IndividualEnrollmentSpec),
            ...(mode ? { mode } : {}),
          });
        else enrollmentGroups.push(result.spec as EnrollmentGroupSpec);
      });
    }
  }

  problems.push(...checkPreviousIdsAreRetired(previous, seen));
  const limits = checkGroupLimits(enrollmentGroups, options.countLimits);
  problems.push(...limits.problems);
  problems.push(...checkRetiredAreGone(retiredEnrollments, seen));
  if (problems.length > 0) throw new ManifestValidationError(problems);
  return {
    individualEnrollments,
    enrollmentGroups,
    ...(retiredEnrollments.length > 0 ? { retiredEnrollments } : {}),
    ...(limits.warnings.length > 0 ? { warnings: limits.warnings } : {}),
  };
}

function listManifestFiles(
  dir: string,
): { ok: true; paths: string[] } | { ok: false; problem: ManifestProblem } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    return {
      ok: false,
      problem: {
        file: dir,
        line: 1,
        column: 1,
        problem: `cannot read the manifests folder (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        allowed: "a folder of *.yaml manifests (the stack config key `enrollmentManifests` names it)",
      },
    };
  }
  return {
    ok: true,
    paths: names
      .filter((n) => MANIFEST_FILE.test(n))
      .sort()
      .map((n) => path.join(dir, n)),
  };
}

/** A manifest's bytes, or why it cannot be read (a folder named `*.yaml`, no permission, ...). */
function readManifestFile(
  file: string,
): { ok: true; bytes: Uint8Array } | { ok: false; problem: ManifestProblem } {
  const refuse = (problem: string, allowed: string) => ({
    ok: false as const,
    problem: { file, line: 1, column: 1, problem, allowed },
  });
  try {
    if (fs.statSync(file).isDirectory()) {
      return refuse(
        "is a folder, not a manifest file (its contents are not read)",
        "*.yaml files directly in the manifests folder; rename the folder (without .yaml) or move its manifests up",
      );
    }
    return { ok: true, bytes: fs.readFileSync(file) };
  } catch (error) {
    return refuse(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      "a readable *.yaml file",
    );
  }
}

/** A field set on the entry points at the entry; one inherited from `defaults` points there. */
function locate(
  manifest: ParsedManifest,
  entry: PlainObject,
  defaults: PlainObject | undefined,
  base: FieldPath,
  field: FieldPath,
  atKey = false,
) {
  if (field.length === 0) return manifest.positionOf(base);
  if (has(entry, field)) return manifest.positionOf([...base, ...field], atKey);
  if (defaults && has(defaults, field)) return manifest.positionOf(["defaults", ...field], atKey);
  return manifest.positionOf(base);
}

function has(value: unknown, field: FieldPath): boolean {
  let node = value;
  for (const segment of field) {
    if (node === null || typeof node !== "object" || !(segment in (node as object))) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

/** Where an entry names an id it had before a rename. */
interface PreviousIdUse {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: EntryKind;
  readonly id: string;
  readonly previousId: string;
}

/**
 * Remembers the `previousIds` of one entry. Each old id becomes a Pulumi alias of the entry's
 * resource, so two entries claiming the same old id would both claim its state.
 */
function recordPreviousIds(
  previous: Map<string, PreviousIdUse>,
  entry: {
    file: string;
    kind: PreviousIdUse["kind"];
    id: string;
    list: unknown;
    at: (index: number) => { line: number; column: number };
  },
): ManifestProblem[] {
  if (!Array.isArray(entry.list)) return []; // the schema reports a wrong type
  const problems: ManifestProblem[] = [];
  entry.list.forEach((previousId, index) => {
    if (typeof previousId !== "string") return;
    const key = `${entry.kind}:${previousId.toLowerCase()}`;
    const use: PreviousIdUse = {
      file: entry.file,
      ...entry.at(index),
      kind: entry.kind,
      id: entry.id,
      previousId,
    };
    const first = previous.get(key);
    if (first) {
      problems.push({
        file: use.file,
        line: use.line,
        column: use.column,
        entry: { kind: entry.kind, id: entry.id },
        field: `previousIds[${index}]`,
        problem: `previous id '${previousId}' is already claimed by '${first.id}' at ${first.file}:${first.line}:${first.column}`,
        allowed: "each old id in the previousIds of one entry only (the renamed one)",
      });
      return;
    }
    previous.set(key, use);
  });
  return problems;
}

/** An old id that is still (or again) a current id would be two resources with one identity. */
function checkPreviousIdsAreRetired(
  previous: ReadonlyMap<string, PreviousIdUse>,
  current: ReadonlyMap<string, { file: string; line: number; column: number }>,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const [key, use] of previous) {
    const declared = current.get(key);
    if (!declared) continue;
    const self = use.previousId.toLowerCase() === use.id.toLowerCase();
    problems.push({
      file: use.file,
      line: use.line,
      column: use.column,
      entry: { kind: use.kind, id: use.id },
      field: "previousIds",
      problem: self
        ? `lists its own id '${use.previousId}' as a previous id`
        : `previous id '${use.previousId}' is also declared as a current id at ${declared.file}:${declared.line}:${declared.column}`,
      allowed: "ids this entry had before a rename and that no entry uses now (ids are case-insensitive)",
    });
  }
  return problems;
}

/**
 * Groups per attestation type against DPS's limits (contract/dps/limits.ts): past the fixed
 * symmetric-key limit a problem, past the adjustable X.509 limit (the stack's, raised or DPS's
 * default) a warning. Either names the first group past the limit.
 */
function checkGroupLimits(
  groups: readonly EnrollmentGroupSpec[],
  stackLimits: StackCountLimits | undefined,
): { problems: ManifestProblem[]; warnings: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  const warnings: ManifestProblem[] = [];
  for (const type of ["symmetricKey", "x509"] as const) {
    const ofType = groups.filter((g) => g.attestation.type === type);
    const finding = countLimitFinding(GROUP_COUNT_LIMIT[type], ofType.length, stackLimits);
    if (!finding) continue;
    // Every group before this one fits; this is where DPS would stop.
    const first = ofType.find((_, index) =>
      countLimitFinding(GROUP_COUNT_LIMIT[type], index + 1, stackLimits),
    )!;
    (finding.severity === "refuse" ? problems : warnings).push({
      file: first.source.file,
      line: first.source.line,
      column: 1,
      entry: { kind: "enrollmentGroup", id: first.enrollmentGroupId },
      field: "attestation.type",
      problem: finding.problem,
      allowed: finding.allowed,
    });
  }
  return { problems, warnings };
}
