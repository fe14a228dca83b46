// Which enrollment group of a stack would take a device in once its individual enrollment is
// gone. "When a device connects and authenticates ..., the service first looks for an
// individual enrollment that matches the device's credentials. The service then searches
// enrollment groups." (learn.microsoft.com/azure/iot-dps/how-to-revoke-device-access-portal and
// how-to-unprovision-devices). So deleting the individual enrollment hands
// the device to a group, or to nobody.
import type { X509Certificate } from "node:crypto";
import {
  deviceCertificateFacts,
  issuedBy,
  issuedByFacts,
  readableName,
  type DeviceCertificateFacts,
} from "./certificates";
import { readCertificate } from "../dps/certificates";
import type { DpsCaCertificate, GroupView, IndividualView } from "./enrollment-view";
import type { LedgerIndividual } from "./ledger-record";

export type Coverage =
  | { readonly covered: true; readonly enrollmentGroupId: string; readonly how: string }
  | { readonly covered: false; readonly why: string };

/**
 * X.509: a group covers the device when one of its signing certificates, or a DPS CA certificate
 * it references, issued the device's certificate (checked offline: issuer name, key identifiers
 * and, when the whole certificate is at hand (a manifest entry, not a ledger record), the
 * signature). A device whose certificate was issued by an intermediate below the group's CA
 * presents that intermediate only at registration; this offline check cannot see it and says
 * "not covered" (the safe answer: declare the intermediate as the group's signing certificate).
 * Symmetric keys: any enabled symmetric-key group takes the device, provided the device holds
 * the key derived from the group key and its registration id (the move plan says when).
 * TPM: DPS has no TPM enrollment groups, so nothing covers a TPM device.
 */
export function coverageOf(
  individual: IndividualView | LedgerIndividual,
  groups: readonly GroupView[],
  caCertificates: readonly DpsCaCertificate[] = [],
): Coverage {
  const enabled = groups.filter((group) => (group.provisioningStatus ?? "enabled") === "enabled");
  const type = individual.attestation?.type;
  if (type === "symmetricKey") {
    const group = enabled.find((g) => g.attestation?.type === "symmetricKey");
    return group
      ? {
          covered: true,
          enrollmentGroupId: group.enrollmentGroupId,
          how: "symmetric-key group: the device needs the key derived from the group key",
        }
      : { covered: false, why: "no enabled symmetric-key enrollment group" };
  }
  if (type === "x509") {
    const device = deviceCertificateOf(individual);
    if (!device) return { covered: false, why: "its device certificate cannot be read" };
    const issued = (ca: X509Certificate) =>
      issuedByFacts(device.facts, ca) &&
      (device.certificate === undefined || issuedBy(device.certificate, ca));
    for (const group of enabled) {
      if (group.attestation?.type !== "x509") continue;
      const issuer = groupCertificates(group, caCertificates).find((ca) => issued(ca.certificate));
      if (issuer)
        return {
          covered: true,
          enrollmentGroupId: group.enrollmentGroupId,
          how: `X.509 group: its ${issuer.role} issued the device certificate`,
        };
    }
    return {
      covered: false,
      why: `no enabled X.509 enrollment group holds the certificate that issued it (${readableName(device.facts.issuer)})`,
    };
  }
  if (type === "tpm") return { covered: false, why: "DPS has no TPM enrollment groups" };
  return { covered: false, why: "its attestation is unknown" };
}

/** The CA certificates an X.509 group trusts: its signing certificates and the DPS CA certificates it names. */
export function groupCertificates(
  group: GroupView,
  caCertificates: readonly DpsCaCertificate[],
): { role: string; certificate: X509Certificate }[] {
  const x509 = group.attestation?.x509;
  const found: { role: string; certificate: X509Certificate }[] = [];
  for (const slot of ["primary", "secondary"] as const) {
    const signing = readCertificate(x509?.signingCertificates?.[slot]?.certificate);
    if (signing) found.push({ role: `${slot} signing certificate`, certificate: signing });
    const name = x509?.caReferences?.[slot];
    const ca = name === undefined ? undefined : caCertificates.find((c) => c.name === name);
    const parsed = readCertificate(ca?.certificate);
    if (parsed) found.push({ role: `DPS CA certificate "${name}"`, certificate: parsed });
  }
  return found;
}

/**
 * The device certificate of an X.509 individual enrollment: from a manifest entry (or a ledger
 * recorded before the ledger kept facts) the whole certificate; from a ledger record its facts.
 */
function deviceCertificateOf(
  individual: IndividualView | LedgerIndividual,
): { facts: DeviceCertificateFacts; certificate?: X509Certificate } | undefined {
  const attestation = individual.attestation as
    (IndividualView["attestation"] & LedgerIndividual["attestation"]) | undefined;
  if (attestation?.deviceCertificate) return { facts: attestation.deviceCertificate };
  const certificate = readCertificate(attestation?.x509?.clientCertificates?.primary?.certificate);
  return certificate && { facts: deviceCertificateFacts(certificate), certificate };
}
