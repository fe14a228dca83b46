// The "Certificates this change introduces" section: certificates in the preview's new inputs
// (DPS CA certificates, group signing certificates, individual enrollments' certificates, on
// either path) that the stack did not hold before, judged by the contract's expiry rule against
// the stack's window (`dps-as-code:certificateExpiryWarningDays`), as the nightly drift report
// judges the ones it holds. A certificate that expires within the window, or already has, or is
// not yet valid, is listed with its days left, its notAfter and the rotation plan to run; a
// change that introduces none has no section.
import {
  certificateExpiries,
  type CertificateHolder,
  choiceViewsOf,
  type ChoiceResource,
  dueCertificates,
  heldCertificates,
  type HeldCertificate,
  parseCertificate,
  rotationHint,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { dueLine, type ExpiryRow, hintLines } from "../certificate-expiry/render";
import type { PreviewDigest, PreviewStep } from "./preview";
import { statesOf, urnType } from "./preview";
import { MASK } from "./values";

export interface IntroducedCertificates {
  readonly windowDays: number;
  readonly checkedAt: Date;
  /** Certificates the change introduces. */
  readonly introduced: number;
  /** The introduced ones due, most urgent first. */
  readonly due: readonly ExpiryRow[];
}

/** The section's content, or undefined when the change introduces no certificate. */
export function introducedCertificates(
  preview: PreviewDigest,
  stack: string,
  windowDays: number,
  now: Date,
): IntroducedCertificates | undefined {
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of preview.steps) byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  const before: ChoiceResource[] = [];
  const after: ChoiceResource[] = [];
  for (const [urn, steps] of byUrn) {
    const { oldState, newState } = statesOf(steps);
    const oldInputs = oldState?.inputs ?? oldState?.outputs;
    if (oldInputs) before.push({ type: oldState?.type ?? urnType(urn), inputs: oldInputs });
    if (steps.some((s) => s.op === "delete" || s.op === "discard")) continue;
    const newInputs = newState?.inputs ?? newState?.outputs;
    if (newInputs) after.push({ type: newState?.type ?? urnType(urn), inputs: newInputs });
  }
  const held = (resources: ChoiceResource[]) =>
    // A value the preview cannot show (unknown until deploy, or masked) is no certificate to judge.
    heldCertificates(choiceViewsOf(resources)).filter((c) => c.text !== UNKNOWN_VALUE && c.text !== MASK);
  const known = new Set(held(before).map(identity));
  const introduced = held(after).filter((c) => !known.has(identity(c)));
  if (introduced.length === 0) return undefined;
  const due = dueCertificates(certificateExpiries(introduced, now, windowDays)).map((e) => ({
    ...e,
    declaredIn: "",
    rotation: rotationHint(e.holder, stack),
  }));
  return { windowDays, checkedAt: now, introduced: introduced.length, due };
}

/** The holder (whatever the slot: a certificate moved to the primary slot is not new) and the certificate. */
function identity(c: HeldCertificate): string {
  const parsed = parseCertificate(c.text);
  return `${holderKey(c.holder)}\0${parsed.ok ? parsed.certificate.sha256Thumbprint : c.text.trim()}`;
}

function holderKey(holder: CertificateHolder): string {
  return holder.kind === "ca"
    ? `ca:${holder.name.toLowerCase()}`
    : `${holder.kind}:${holder.id.toLowerCase()}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function title(section: IntroducedCertificates): string {
  const window = `within the stack's window of ${plural(section.windowDays, "day")}`;
  return section.due.length === 0
    ? `**Certificates this change introduces:** ${section.introduced}, none expired, not yet valid or expiring ${window}.`
    : `**Certificates this change introduces (${section.due.length} of ${section.introduced} expired, not yet valid or expiring ${window}):** give a longer-lived certificate before merging, or plan its rotation now.`;
}

export function renderCertificates(section: IntroducedCertificates | undefined): string[] {
  if (section === undefined) return [];
  return [
    title(section),
    ...(section.due.length > 0 ? [""] : []),
    ...section.due.flatMap((e) => [
      `- ${dueLine({ ...e, checkedAt: section.checkedAt })}`,
      ...hintLines(e.rotation),
    ]),
  ];
}

/** Certificates listed in a report cut to fit; the full report has them all, with their commands. */
const COMPACT_CERTIFICATES = 10;

/** The section in a report cut to fit: the title and the most urgent certificates. */
export function renderCompactCertificates(section: IntroducedCertificates | undefined): string[] {
  if (section === undefined || section.due.length === 0) return renderCertificates(section);
  const shown = section.due.slice(0, COMPACT_CERTIFICATES);
  const more = section.due.length - shown.length;
  return [
    title(section),
    "",
    ...shown.flatMap((e) => [
      `- ${dueLine({ ...e, checkedAt: section.checkedAt })}`,
      ...hintLines(e.rotation),
    ]),
    ...(more > 0 ? [`- _${more} more, each with its rotation plan, in the full report._`] : []),
  ];
}
