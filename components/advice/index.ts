// Advice between individual enrollments and enrollment groups for one stack's manifests, as the
// offline validator and the PR report print it. The rules are the shared pure module
// (contract/choice, also used by the policy pack); this module only finds the
// environment's settings and writes the advice as text and YAML manifest entries.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import {
  adviseEnrollmentChoice,
  type DpsCaCertificate,
  ENROLLMENT_CHOICE_POLICY,
  type EnrollmentChoiceAdvice,
  enrollmentChoiceConfig,
  type EnrollmentChoiceConfig,
} from "@dps-as-code/contract";
import type { LoadedManifests } from "../manifests";

export type { EnrollmentChoiceAdvice } from "@dps-as-code/contract";

/** policy/config/<environment>.json: the one place the advice's thresholds and marking rule are set. */
export function policyConfigFile(projectRoot: string, environment: string): string {
  return path.join(projectRoot, "policy", "config", `${environment}.json`);
}

/** The environment's advice settings; defaults when the environment has no policy config file. */
export function loadEnrollmentChoiceConfig(projectRoot: string, environment: string): EnrollmentChoiceConfig {
  const file = policyConfigFile(projectRoot, environment);
  if (!fs.existsSync(file)) return enrollmentChoiceConfig({}, file);
  return enrollmentChoiceConfig(
    JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
    path.relative(projectRoot, file),
  );
}

export function adviseManifests(
  manifests: LoadedManifests,
  config: EnrollmentChoiceConfig,
  caCertificates: readonly DpsCaCertificate[] = [],
): EnrollmentChoiceAdvice[] {
  return config.enabled ? adviseEnrollmentChoice(manifests, config.settings, caCertificates) : [];
}

/**
 * A suggestion cut for a person's terminal: at most `ids` registration ids named, and where a
 * suggestion has more, its move command (which needs every id to run as printed) left to the
 * full report that `fullReport` names.
 */
export interface BriefAdvice {
  readonly ids: number;
  readonly fullReport: string;
}

/**
 * The advice as a reviewer reads it. `hubName` turns a resolved hub host name back into the
 * name the manifests use (the stack config's hub key), so the entry can be pasted as written;
 * `stack`, when known, completes the move command, so it runs as printed. Without `brief`, every
 * id and every command, however many.
 */
export function formatAdvice(
  advice: readonly EnrollmentChoiceAdvice[],
  hubName: (hostName: string) => string = (h) => h,
  stack = "<stack>",
  brief?: BriefAdvice,
): string[] {
  return advice.map((item) => {
    if (item.direction === "group-to-individuals") {
      return (
        `enrollment group "${item.enrollmentGroupId}" is marked "${item.marking}": its devices need individual traceability, ` +
        `so enroll each one individually (npm run plan-enrollment-move -- --stack ${stack} --from-group ${item.enrollmentGroupId} <registration ids>) and retire the group.`
      );
    }
    const entry = {
      ...item.group,
      ...(item.group.iotHubs ? { iotHubs: item.group.iotHubs.map(hubName) } : {}),
    };
    const yaml = stringify({ enrollmentGroups: [entry] }, { lineWidth: 0 }).trimEnd();
    const ids = item.registrationIds;
    const cut = brief !== undefined && ids.length > brief.ids;
    const named = cut
      ? `${ids.slice(0, brief.ids).join(", ")} and ${ids.length - brief.ids} more`
      : ids.join(", ");
    return [
      `${ids.length} individual enrollments share one configuration (${item.shared}): ` +
        `${named}. One enrollment group would replace them:`,
      ...yaml.split("\n").map((line) => `    ${line}`),
      cut
        ? `  Move them safely: the plan-enrollment-move command for all ${ids.length} is in ${brief.fullReport}.`
        : `  Move them safely: npm run plan-enrollment-move -- --stack ${stack} --to-group ${item.group.enrollmentGroupId} ${ids.join(" ")}`,
    ].join("\n");
  });
}

export { ENROLLMENT_CHOICE_POLICY };
