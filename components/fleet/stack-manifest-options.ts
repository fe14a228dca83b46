// What a stack lets its manifests name, as the loader's options: its hubs (hub-names.ts), the CA
// certificates it declares (uploaded, or already in the DPS) and its config keys, which `...Secret`
// fields name. One answer for the program (stack-manifests.ts, from its parsed config) and for the
// offline tools (from the stack file, components/config/stack-file.ts). Pure, without Pulumi:
// validate-manifests loads it.
import * as path from "node:path";
import { countLimitFinding } from "@dps-as-code/contract";
import { CONFIG_NAMESPACE, type StackFacts } from "../config/platform-config";
import type { LoadManifestOptions } from "../manifests/types";
import { type HubNamingConfig, manifestHubCatalogue } from "./hub-names";

export function stackManifestOptions(
  stack: HubNamingConfig & Pick<StackFacts, "dps" | "dpsLimits">,
  configKeys: NonNullable<LoadManifestOptions["stackSecrets"]>,
): Pick<LoadManifestOptions, "hubs" | "linkedHubs" | "caCertificates" | "stackSecrets" | "countLimits"> {
  return {
    // X.509 groups count against the stack's adjustable limit (raised or DPS's default).
    countLimits: stack.dpsLimits,
    ...manifestHubCatalogue(stack),
    // Every CA the stack declares, uploaded or already in the DPS: caReferences must name one.
    caCertificates: [...stack.dps.caCertificates.map((c) => c.name), ...stack.dps.existingCaCertificateNames],
    // Names the manifests' `...Secret` fields may use: the stack's own config keys.
    stackSecrets: configKeys,
  };
}

/**
 * The stack's manifests folder as a path from `workingDir`: the config names it relative to the
 * program's directory, and paths in messages and outputs read from where the command runs.
 */
export function stackManifestsFolder(
  stack: Pick<StackFacts, "enrollmentManifests">,
  programDir: string,
  workingDir: string,
): string {
  return path.relative(workingDir, path.resolve(programDir, stack.enrollmentManifests)) || ".";
}

/**
 * What the stack's own config may run into at DPS without being wrong: more CA certificates than
 * its DPS's adjustable limit (`dps-as-code:dpsLimits.caCertificates`, else DPS's 25). A warning,
 * in the config errors' words, for the program to log and the tools to print.
 */
export function stackConfigWarnings(stack: Pick<StackFacts, "dps" | "dpsLimits">): string[] {
  const count = stack.dps.caCertificates.length + stack.dps.existingCaCertificateNames.length;
  const finding = countLimitFinding("caCertificates", count, stack.dpsLimits);
  return finding
    ? [`${CONFIG_NAMESPACE}:dps.caCertificates: ${finding.problem}; allowed: ${finding.allowed}`]
    : [];
}
