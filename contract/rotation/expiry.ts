// Certificates a stack holds and how soon each expires: the one rule behind the drift report's
// "Certificates about to expire" section (`npm run certificate-expiry`) and the PR report's
// section on certificates a change introduces. A certificate past its notAfter stops every device
// that attests with it (or, for a CA, every device whose certificate it issued): DPS keeps the
// enrollment and refuses the devices ("How to roll X.509 device certificates", section
// "Individual enrollments and certificate expiration",
// https://learn.microsoft.com/azure/iot-dps/how-to-roll-certificates). So the reports warn a
// window ahead, long enough for the rotation's two deployments (steps.ts).
//
// What is held: the DPS's CA certificates (stack config `dps.caCertificates`, with the groups that
// name them in caReferences), enrollment groups' signing certificates and individual enrollments'
// client certificates, read from manifests or from resource inputs (both have the choice views'
// shape, so one function reads either).
import type { DpsCaCertificate, GroupView, IndividualView } from "../choice/enrollment-view";
import { parseCertificate } from "../dps/certificates";
import type { CredentialSlot } from "./credentials";
import {
  NEW_CA_FILE_PLACEHOLDER,
  NEW_CA_NAME_PLACEHOLDER,
  NEW_CERTIFICATE_FILE_PLACEHOLDER,
  ROTATION_STEPS,
} from "./steps";

export type CertificateHolder =
  /** A DPS CA certificate, with the enrollment groups naming it in caReferences. */
  | { readonly kind: "ca"; readonly name: string; readonly usedBy: readonly string[] }
  /** An enrollment group's signing certificate. */
  | { readonly kind: "group"; readonly id: string; readonly slot: CredentialSlot }
  /** An individual enrollment's client certificate. */
  | { readonly kind: "individual"; readonly id: string; readonly slot: CredentialSlot };

export interface HeldCertificate {
  readonly holder: CertificateHolder;
  /** Where it is declared: `dps.caCertificates.<name>` or the enrollment's attestation field. */
  readonly field: string;
  /** PEM, or base64 of PEM or DER, as declared. */
  readonly text: string;
}

export interface HeldViews {
  readonly individualEnrollments: readonly IndividualView[];
  readonly enrollmentGroups: readonly GroupView[];
  readonly caCertificates: readonly DpsCaCertificate[];
}

const SLOTS: readonly CredentialSlot[] = ["primary", "secondary"];

/** Every certificate of the views, CAs first, then groups, then individual enrollments, each by name. */
export function heldCertificates(views: HeldViews): HeldCertificate[] {
  const held: HeldCertificate[] = [];
  const groupsNaming = (ca: string) =>
    views.enrollmentGroups
      .filter((g) =>
        [g.attestation?.x509?.caReferences?.primary, g.attestation?.x509?.caReferences?.secondary].some(
          (n) => n?.toLowerCase() === ca.toLowerCase(),
        ),
      )
      .map((g) => g.enrollmentGroupId)
      .sort();
  for (const ca of [...views.caCertificates].sort((a, b) => a.name.localeCompare(b.name)))
    held.push({
      holder: { kind: "ca", name: ca.name, usedBy: groupsNaming(ca.name) },
      field: `dps.caCertificates.${ca.name}`,
      text: ca.certificate,
    });
  for (const group of [...views.enrollmentGroups].sort((a, b) =>
    a.enrollmentGroupId.localeCompare(b.enrollmentGroupId),
  ))
    for (const slot of SLOTS) {
      const text = group.attestation?.x509?.signingCertificates?.[slot]?.certificate;
      if (typeof text === "string")
        held.push({
          holder: { kind: "group", id: group.enrollmentGroupId, slot },
          field: `attestation.x509.signingCertificates.${slot}`,
          text,
        });
    }
  for (const individual of [...views.individualEnrollments].sort((a, b) =>
    a.registrationId.localeCompare(b.registrationId),
  ))
    for (const slot of SLOTS) {
      const text = individual.attestation?.x509?.clientCertificates?.[slot]?.certificate;
      if (typeof text === "string")
        held.push({
          holder: { kind: "individual", id: individual.registrationId, slot },
          field: `attestation.x509.clientCertificates.${slot}`,
          text,
        });
    }
  return held;
}

/** Most urgent first: what stops devices today, then what will, then what is fine. */
export const EXPIRY_STATES = ["unreadable", "expired", "not-yet-valid", "expiring", "valid"] as const;
export type ExpiryState = (typeof EXPIRY_STATES)[number];

export interface CertificateExpiry extends HeldCertificate {
  readonly state: ExpiryState;
  /** Absent when unreadable. */
  readonly subject?: string;
  readonly sha256Thumbprint?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Whole days from now until notAfter, negative once expired. */
  readonly daysLeft?: number;
  /** Why it is unreadable. */
  readonly problem?: string;
}

const MILLISECONDS_PER_DAY = 86_400_000;

/** Whole days from `now` until `notAfter` (rounded down), negative once expired. */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / MILLISECONDS_PER_DAY);
}

/**
 * Each certificate's state at `now`, most urgent first (within a state, fewest days left first).
 * "expiring" is a notAfter less than `windowDays` days away, as the policy pack's
 * `dps-enrollment-certificate-expiry` counts its own window.
 */
export function certificateExpiries(
  held: readonly HeldCertificate[],
  now: Date,
  windowDays: number,
): CertificateExpiry[] {
  const expiries = held.map((certificate): CertificateExpiry => {
    const parsed = parseCertificate(certificate.text);
    if (!parsed.ok) return { ...certificate, state: "unreadable", problem: parsed.problem };
    const { subject, sha256Thumbprint, notBefore, notAfter } = parsed.certificate;
    const daysLeft = daysUntil(notAfter, now);
    const state: ExpiryState =
      notAfter.getTime() <= now.getTime()
        ? "expired"
        : notBefore.getTime() > now.getTime()
          ? "not-yet-valid"
          : notAfter.getTime() - now.getTime() < windowDays * MILLISECONDS_PER_DAY
            ? "expiring"
            : "valid";
    return { ...certificate, state, subject, sha256Thumbprint, notBefore, notAfter, daysLeft };
  });
  return expiries.sort(
    (a, b) =>
      EXPIRY_STATES.indexOf(a.state) - EXPIRY_STATES.indexOf(b.state) ||
      (a.daysLeft ?? 0) - (b.daysLeft ?? 0),
  );
}

/** The ones a person must act on: everything but "valid". */
export function dueCertificates(expiries: readonly CertificateExpiry[]): CertificateExpiry[] {
  return expiries.filter((e) => e.state !== "valid");
}

/**
 * "DPS CA certificate root", "enrollment group g (signing certificate, primary)", "individual
 * enrollment d (primary certificate)"; `code` marks names (markdown passes backticks).
 */
export function describeHolder(holder: CertificateHolder, code: (name: string) => string = (n) => n): string {
  if (holder.kind === "ca") return `DPS CA certificate ${code(holder.name)}`;
  if (holder.kind === "group")
    return `enrollment group ${code(holder.id)} (signing certificate, ${holder.slot})`;
  return `individual enrollment ${code(holder.id)} (${holder.slot} certificate)`;
}

/** What to run (commands, with placeholders a person fills in) or do, for one certificate. */
export interface RotationHint {
  readonly commands: readonly string[];
  /** Said beside the commands (or instead, when no plan covers the case). */
  readonly note?: string;
}

/**
 * The rotation plan that replaces a certificate before it expires, as a person runs it from the
 * repository root once the placeholders (`<new-ca-name>`, `<new-ca.pem>`, `<new-certificate.pem>`)
 * are filled in. The plan writes its pull requests under `rotation-<id>` (steps.ts says why the
 * order).
 */
export function rotationHint(holder: CertificateHolder, stack: string): RotationHint {
  const plan = (id: string, rest: string) =>
    `npm run plan-rotation -- --stack ${stack} --enrollment ${id} ${rest} --out rotation-${id}`;
  if (holder.kind === "individual")
    return {
      commands: [plan(holder.id, `--kind certificate --certificate ${NEW_CERTIFICATE_FILE_PLACEHOLDER}`)],
      note: `${NEW_CERTIFICATE_FILE_PLACEHOLDER}: the device's new certificate, subject CN ${holder.id}`,
    };
  if (holder.kind === "ca") {
    if (holder.usedBy.length === 0)
      return {
        commands: [],
        note: `no enrollment group of this stack names it in caReferences: replace or remove \`dps.caCertificates.${holder.name}\` in a change of its own`,
      };
    const [first, ...others] = holder.usedBy;
    return {
      commands: [
        plan(
          first!,
          `--kind ca --new-ca ${NEW_CA_NAME_PLACEHOLDER} --certificate ${NEW_CA_FILE_PLACEHOLDER}`,
        ),
        // The first plan uploads the new CA; the other groups reference the one the stack then holds.
        ...others.map((id) => plan(id, `--kind ca --new-ca ${NEW_CA_NAME_PLACEHOLDER}`)),
      ],
      note: `${NEW_CA_NAME_PLACEHOLDER}: the new CA's name in the DPS; ${NEW_CA_FILE_PLACEHOLDER}: its certificate${others.length > 0 ? `; the later plans run once the first one's step "${ROTATION_STEPS.addNewCa}" is merged` : ""}`,
    };
  }
  return {
    commands: [],
    note: `the rotation plan does not rotate a group's signing certificate: put the new one in \`signingCertificates.secondary\`, deploy, re-issue the devices' certificates, then make it the primary (or move the group to a DPS CA certificate in caReferences, which the plan rotates)`,
  };
}
