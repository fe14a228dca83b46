// The one offline reader of a stack's config file (Pulumi.<stack>.yaml), for every tool that
// must know what a stack decides without running the program: validate-manifests, its advice,
// the move plan. It reads the YAML without Pulumi and without the passphrase: secret values stay
// encrypted (`{ secure: ... }`), only their presence is read. The facts come from
// parseStackFileFacts, the program's own parsing, so a tool never answers otherwise than `pulumi
// preview` would; a problem the program would refuse the stack for is refused here too.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { parseStackFileFacts, type RawStackConfig } from "./parse-stack-config";
import { CONFIG_NAMESPACE, PlatformConfigError, type StackFacts } from "./platform-config";

export interface StackFile extends StackFacts {
  /** The config file read. */
  readonly file: string;
  /** Its folder, the program's (Pulumi.<stack>.yaml sits next to Pulumi.yaml): the config's paths are relative to it. */
  readonly directory: string;
  /** The stack's config keys in the project's namespace (without `dps-as-code:`); `plain` are those not encrypted. */
  readonly configKeys: { readonly names: readonly string[]; readonly plain: readonly string[] };
}

/** Why a stack file could not be read: what is wrong, and what would have been accepted. */
export interface StackFileProblem {
  readonly problem: string;
  readonly allowed: string;
}

export type StackFileRead =
  | { readonly ok: true; readonly stack: StackFile }
  | { readonly ok: false; readonly problems: readonly StackFileProblem[] };

/** The config file of a stack, `Pulumi.<stack>.yaml`; undefined when the name could name a file elsewhere. */
export function stackFileName(stack: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(stack) && !stack.startsWith(".") ? `Pulumi.${stack}.yaml` : undefined;
}

/** Settings Pulumi hands the program as text (`config.get`): a YAML scalar such as `2024` is still a string to it. */
const TEXT_SETTINGS = [
  "environment",
  "target",
  "location",
  "namePrefix",
  "resourceGroupName",
  "enrollmentManifests",
] as const;

/**
 * Settings the program reads with `config.getObject`, which parses the text Pulumi hands it as
 * JSON: `pulumi config set dps-as-code:certificateExpiryWarningDays 90` writes the string "90",
 * and the program reads the number 90. So does this reader.
 */
const JSON_TEXT_SETTINGS = ["certificateExpiryWarningDays"] as const;

export function readStackFile(file: string): StackFileRead {
  const refuse = (problem: string, allowed: string): StackFileRead => ({
    ok: false,
    problems: [{ problem, allowed }],
  });
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return refuse(
      `cannot read the stack's config file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      "an existing stack: Pulumi.<stack>.yaml next to Pulumi.yaml",
    );
  }
  const doc = parseDocument(text);
  const config =
    (doc.errors.length === 0 ? (doc.toJS() as { config?: unknown } | null)?.config : undefined) ?? {};
  if (doc.errors.length > 0 || !isMap(config)) {
    return refuse(
      "the stack's config file is not a YAML mapping with a `config:` section",
      "a config file written by `pulumi config set`",
    );
  }
  const prefix = `${CONFIG_NAMESPACE}:`;
  const own: Record<string, unknown> = Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const raw: Record<string, unknown> = { ...own };
  for (const key of TEXT_SETTINGS) if (isScalar(own[key])) raw[key] = String(own[key]);
  for (const key of JSON_TEXT_SETTINGS) if (typeof own[key] === "string") raw[key] = jsonOrText(own[key]);
  const directory = path.dirname(path.resolve(file));
  let facts: StackFacts;
  try {
    facts = parseStackFileFacts(raw as RawStackConfig, {
      // As the program reads them (load-platform-config.ts): relative to its directory.
      readTextFile: (name) => fs.readFileSync(path.resolve(directory, name), "utf8"),
    });
  } catch (error) {
    if (!(error instanceof PlatformConfigError)) throw error;
    return {
      ok: false,
      problems: error.problems.map((problem) => ({
        problem,
        allowed: "a stack config the program accepts (`pulumi preview` stops on the same problem)",
      })),
    };
  }
  const names = Object.keys(own);
  return {
    ok: true,
    stack: {
      ...facts,
      file,
      directory,
      configKeys: { names, plain: names.filter((key) => !(isMap(own[key]) && "secure" in own[key])) },
    },
  };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}
