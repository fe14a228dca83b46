// Runs a LocalProgram's preview with the project's policy pack (policy/) the way the CLI does
// with `--policy-pack policy --policy-pack-config policy/config/<env>.json`, and collects the
// pack's verdicts from the engine's event stream (violations are not part of the preview's
// result, only of its events and text output).
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent, PreviewResult } from "@pulumi/pulumi/automation";
import { projectRoot } from "./find-engine";
import type { LocalProgram } from "./local-program";

export const policyPackDir = path.join(projectRoot, "policy");

export type PolicyEnvironment = "local" | "dev" | "prod";

export const policyConfigPath = (environment: PolicyEnvironment) =>
  path.join(policyPackDir, "config", `${environment}.json`);

/** Why the pack cannot run, or undefined when its dependencies are installed. */
export function policyPackMissingReason(): string | undefined {
  const runner = path.join(policyPackDir, "node_modules", "@pulumi", "policy", "package.json");
  return fs.existsSync(runner)
    ? undefined
    : "the policy pack's dependencies are missing: run `(cd policy && npm ci)` after `. scripts/env.sh`";
}

/** One verdict of the pack, as the engine reports it. */
export interface PolicyVerdict {
  readonly policyName: string;
  /** "advisory" or "mandatory" (the engine's typings say "warning", the wire says "advisory"). */
  readonly enforcementLevel: string;
  /** The resource's name (last URN segment), or undefined for a stack policy. */
  readonly resourceName: string | undefined;
  /** The violation message without the policy's description line. */
  readonly message: string;
}

export type PolicyPreview =
  | { readonly passed: true; readonly result: PreviewResult; readonly verdicts: PolicyVerdict[] }
  | { readonly passed: false; readonly error: Error; readonly verdicts: PolicyVerdict[] };

function verdictOf(event: EngineEvent): PolicyVerdict | undefined {
  const policy = event.policyEvent;
  if (!policy) return undefined;
  // The engine sends "<policy description>\n<violation message>\n".
  const lines = policy.message.trimEnd().split("\n");
  return {
    policyName: policy.policyName,
    enforcementLevel: String(policy.enforcementLevel),
    resourceName: policy.resourceUrn?.split("::").pop(),
    message: lines.slice(1).join("\n"),
  };
}

/** `pulumi preview --policy-pack policy --policy-pack-config policy/config/<environment>.json`. */
export async function previewWithPolicyPack(
  program: LocalProgram,
  environment: PolicyEnvironment,
): Promise<PolicyPreview> {
  const verdicts: PolicyVerdict[] = [];
  const onEvent = (event: EngineEvent) => {
    const verdict = verdictOf(event);
    if (verdict) verdicts.push(verdict);
  };
  try {
    const result = await program.stack.preview({
      policyPacks: [policyPackDir],
      policyPackConfigs: [policyConfigPath(environment)],
      onOutput: program.onOutput,
      onEvent,
    });
    return { passed: true, result, verdicts };
  } catch (error) {
    return { passed: false, error: error as Error, verdicts };
  }
}

/** "<level> <policy> <resource>" keys, sorted: a readable, order-free summary for assertions. */
export function verdictKeys(verdicts: readonly PolicyVerdict[]): string[] {
  return verdicts.map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resourceName ?? "(stack)"}`).sort();
}
