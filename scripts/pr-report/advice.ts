// The "Individual or group" section: the advice of contract/choice over the enrollments
// the stack will hold after the change (the preview's new inputs), with the environment's
// settings (policy/config/<environment>.json). The policy pack reports the same advice as an
// advisory violation; this section adds the group as a manifest entry a reviewer can paste.
import { formatAdvice } from "../../components/advice";
import {
  adviseEnrollmentChoice,
  type DpsCaCertificate,
  type EnrollmentChoiceConfig,
  type GroupView,
  type IndividualView,
} from "@dps-as-code/contract";
import type { PreviewDigest } from "./preview";
import { urnType } from "./preview";

export function adviceLines(preview: PreviewDigest, config: EnrollmentChoiceConfig): string[] | undefined {
  if (!config.enabled) return undefined;
  const individualEnrollments: IndividualView[] = [];
  const enrollmentGroups: GroupView[] = [];
  const caCertificates: DpsCaCertificate[] = [];
  for (const step of preview.steps) {
    if (step.op === "delete" || step.op === "discard") continue;
    const inputs = step.newState?.inputs ?? step.newState?.outputs;
    if (!inputs) continue;
    const type = step.newState?.type ?? urnType(step.urn);
    if (
      type === "pulumi-nodejs:dynamic/dps:IndividualEnrollment" &&
      typeof inputs["registrationId"] === "string"
    )
      individualEnrollments.push(inputs as unknown as IndividualView);
    else if (
      type === "pulumi-nodejs:dynamic/dps:EnrollmentGroup" &&
      typeof inputs["enrollmentGroupId"] === "string"
    )
      enrollmentGroups.push(inputs as unknown as GroupView);
    else if (
      type === "pulumi-nodejs:dynamic/dps:LocalProvisioningService" &&
      Array.isArray(inputs["caCertificates"])
    )
      caCertificates.push(...(inputs["caCertificates"] as DpsCaCertificate[]));
  }
  return formatAdvice(
    adviseEnrollmentChoice({ individualEnrollments, enrollmentGroups }, config.settings, caCertificates),
  );
}

export function renderAdvice(lines: readonly string[] | undefined): string[] {
  if (lines === undefined) return [];
  if (lines.length === 0) return ["**Individual or group:** no advice."];
  return [
    `**Individual or group (${lines.length} suggestion${lines.length === 1 ? "" : "s"}):**`,
    "",
    ...lines.map((line) => {
      const [first, ...rest] = line.split("\n");
      const entry = rest.filter((l) => l.startsWith("    ")).map((l) => l.slice(4));
      const after = rest.filter((l) => !l.startsWith("    ")).map((l) => l.trim());
      return entry.length === 0
        ? `- ${first}`
        : [
            `- ${first}`,
            "",
            "  ```yaml",
            ...entry.map((l) => `  ${l}`),
            "  ```",
            ...after.map((l) => `  ${l}`),
          ].join("\n");
    }),
  ];
}
