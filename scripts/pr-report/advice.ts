// The "Individual or group" section: the advice of contract/choice over the enrollments
// the stack will hold after the change (the preview's new inputs), with the environment's
// settings (policy/config/<environment>.json). The policy pack reports the same advice as an
// advisory violation; this section adds the group as a manifest entry a reviewer can paste.
import { formatAdvice } from "../../components/advice";
import {
  adviseEnrollmentChoice,
  type ChoiceResource,
  choiceViewsOf,
  type EnrollmentChoiceConfig,
} from "@dps-as-code/contract";
import type { PreviewDigest, PreviewStep } from "./preview";
import { statesOf, urnType } from "./preview";

export function adviceLines(
  preview: PreviewDigest,
  config: EnrollmentChoiceConfig,
  stack: string,
): string[] | undefined {
  if (!config.enabled) return undefined;
  // One goal state per resource: with --refresh a resource has a read step and a change step.
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of preview.steps) byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  const resources: ChoiceResource[] = [];
  for (const [urn, steps] of byUrn) {
    if (steps.some((s) => s.op === "delete" || s.op === "discard")) continue;
    const { newState } = statesOf(steps);
    const inputs = newState?.inputs ?? newState?.outputs;
    if (inputs) resources.push({ type: newState?.type ?? urnType(urn), inputs });
  }
  // The same views as the policy pack's (both paths: an EnrollmentSet's entries are individual enrollments).
  const { individualEnrollments, enrollmentGroups, caCertificates } = choiceViewsOf(resources);
  return formatAdvice(
    adviseEnrollmentChoice({ individualEnrollments, enrollmentGroups }, config.settings, caCertificates),
    undefined,
    stack,
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

/** Suggestions shown in a report cut to fit; the full report has them all, with their entries. */
const COMPACT_ADVICE_ITEMS = 10;
/** Longest first line of a suggestion in a report cut to fit (it lists every registration id). */
const COMPACT_ADVICE_LINE = 300;

/** The advice in a report cut to fit: the title and each suggestion's first line, shortened. */
export function renderCompactAdvice(lines: readonly string[] | undefined): string[] {
  if (lines === undefined || lines.length === 0) return renderAdvice(lines);
  const shown = lines.slice(0, COMPACT_ADVICE_ITEMS).map((line) => {
    const first = line.split("\n")[0]!;
    return `- ${first.length > COMPACT_ADVICE_LINE ? `${first.slice(0, COMPACT_ADVICE_LINE)}…` : first}`;
  });
  const more = lines.length - shown.length;
  return [
    renderAdvice(lines)[0]!,
    "",
    ...shown,
    ...(more > 0 ? [`- _${more} more, and every suggested group entry, in the full report._`] : []),
  ];
}
