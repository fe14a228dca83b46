// What the offline validator learns from a stack's config file (Pulumi.<stack>.yaml) without
// Pulumi and without the passphrase: the manifests folder, the target and hub keys (so hub
// names resolve as in the program), the CA certificates the stack uploads, and the NAMES of its
// config keys. Secret values stay encrypted (`{ secure: ... }`); only their presence is read.
import * as fs from "node:fs";
import { parseDocument } from "yaml";
import {
  CONFIG_NAMESPACE,
  DEFAULT_NAME_PREFIX,
  DEFAULT_TARGET,
  defaultManifestsFolder,
} from "../config/platform-config";
import { manifestHubCatalogue } from "../fleet/hub-names";
import type { ManifestProblem } from "./errors";
import type { LoadManifestOptions } from "./types";

export interface StackFacts {
  readonly manifestsFolder: string;
  /** Loader options that depend on the stack. */
  readonly options: Pick<LoadManifestOptions, "hubs" | "linkedHubs" | "stackSecrets" | "caCertificates">;
}

export function readStackFile(
  file: string,
): { ok: true; facts: StackFacts } | { ok: false; problem: ManifestProblem } {
  const refuse = (problem: string, allowed: string) => ({
    ok: false as const,
    problem: { file, line: 1, column: 1, problem, allowed },
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
  if (doc.errors.length > 0 || typeof config !== "object" || Array.isArray(config)) {
    return refuse(
      "the stack's config file is not a YAML mapping with a `config:` section",
      "a config file written by `pulumi config set`",
    );
  }
  const prefix = `${CONFIG_NAMESPACE}:`;
  const own = Object.fromEntries(
    Object.entries(config as Record<string, unknown>)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const text_ = (key: string) => (typeof own[key] === "string" ? (own[key] as string) : undefined);
  const environment = text_("environment") ?? "";
  const target = text_("target") === "local" ? "local" : DEFAULT_TARGET;
  const hubKeys = Object.keys(isMap(own["hubs"]) ? own["hubs"] : {}).map((k) => k.toLowerCase());
  const hubCatalogue = manifestHubCatalogue({
    namePrefix: text_("namePrefix") ?? DEFAULT_NAME_PREFIX,
    environment,
    target: { kind: target },
    hubs: hubKeys.map((key) => ({ key })),
  });
  const dps = isMap(own["dps"]) ? own["dps"] : {};
  const caCertificates = Object.keys(isMap(dps["caCertificates"]) ? dps["caCertificates"] : {});
  const names = Object.keys(own);
  return {
    ok: true,
    facts: {
      manifestsFolder: text_("enrollmentManifests") ?? defaultManifestsFolder(environment),
      options: {
        // The program's catalogue: on Azure the host names end in a random suffix known only
        // after `up`, so keys stay keys and only they are accepted; on the local target the
        // names are known exactly.
        ...hubCatalogue,
        stackSecrets: { names, plain: names.filter((k) => !(isMap(own[k]) && "secure" in own[k])) },
        caCertificates,
      },
    },
  };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The stack name as given, refused when it could name a file elsewhere. */
export function stackFileName(stack: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(stack) && !stack.startsWith(".") ? `Pulumi.${stack}.yaml` : undefined;
}
