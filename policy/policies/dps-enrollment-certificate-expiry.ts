import type { ResourceValidationPolicy } from "@pulumi/policy";
import { daysUntil, parseCertificate } from "../lib/certificates";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { isUnknown, knownPath } from "../lib/known";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isDpsCertificate } from "@dps-as-code/contract";

// An expired attestation certificate (or CA) stops devices from provisioning; DPS accepts
// the enrollment anyway, so the failure shows only in the field. Warn ahead of time.
export interface CertificateExpiryConfig {
  /** Certificates that expire within this many days are violations too. */
  readonly expiryWarningDays: number;
}

export const CERTIFICATE_EXPIRY_DEFAULTS: CertificateExpiryConfig = { expiryWarningDays: 30 };

const SLOTS = [
  ["clientCertificates", "primary"],
  ["clientCertificates", "secondary"],
  ["signingCertificates", "primary"],
  ["signingCertificates", "secondary"],
] as const;

interface CertificateAt {
  readonly field: string;
  readonly text: string;
}

function enrollmentCertificates(props: Record<string, unknown>): CertificateAt[] {
  const found: CertificateAt[] = [];
  for (const [group, slot] of SLOTS) {
    const text = knownPath(props, ["attestation", "x509", group, slot, "certificate"]);
    if (typeof text === "string") {
      found.push({ field: `attestation.x509.${group}.${slot}.certificate`, text });
    }
  }
  return found;
}

export function createDpsEnrollmentCertificateExpiryPolicy(
  defaults: CertificateExpiryConfig = CERTIFICATE_EXPIRY_DEFAULTS,
  now: () => Date = () => new Date(),
): ResourceValidationPolicy {
  return {
    name: "dps-enrollment-certificate-expiry",
    description:
      "X.509 certificates on enrollments and DPS CA certificates are valid and not about to expire.",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      expiryWarningDays: {
        type: "integer",
        minimum: 0,
        description: "days before expiry that already count",
      },
    }),
    validateResource: (args, reportViolation) => {
      const config = withDefaults(defaults, args.getConfig<Partial<CertificateExpiryConfig>>());
      const check = (owner: string, certificates: readonly CertificateAt[]) =>
        checkExpiry(owner, certificates, config, now(), reportViolation);
      if (isDpsCertificate(args.type)) {
        const text = knownPath(args.props, ["properties", "certificate"]);
        if (isUnknown(text)) {
          return args.notApplicable("properties.certificate is unknown during preview; checked on update");
        }
        return check(
          `DPS certificate "${args.name}"`,
          typeof text === "string" ? [{ field: "properties.certificate", text }] : [],
        );
      }
      return forEachEnrollment(args, reportViolation, (enrollment) => {
        if (isUnknown(knownPath(enrollment.props, ["attestation"]))) {
          return notApplicable("attestation is unknown during preview; checked on update");
        }
        check(enrollment.label, enrollmentCertificates(enrollment.props));
        return;
      });
    },
  };
}

function checkExpiry(
  owner: string,
  certificates: readonly CertificateAt[],
  config: CertificateExpiryConfig,
  today: Date,
  reportViolation: (message: string) => void,
): void {
  for (const { field, text } of certificates) {
    const parsed = parseCertificate(text);
    if (!parsed.ok) {
      reportViolation(
        `${owner} ${field} is not a readable X.509 certificate (PEM or base64 DER); replace it.`,
      );
      continue;
    }
    const { subject, notAfter } = parsed.value;
    const days = daysUntil(notAfter, today);
    const expiry = notAfter.toISOString();
    if (notAfter.getTime() <= today.getTime()) {
      reportViolation(
        `${owner} ${field} (${subject}) expired on ${expiry}; issue a new certificate and replace it.`,
      );
    } else if (days < config.expiryWarningDays) {
      reportViolation(
        `${owner} ${field} (${subject}) expires on ${expiry}, in ${days} day(s) (window: ${config.expiryWarningDays}); roll it over now, using the secondary slot.`,
      );
    }
  }
}
