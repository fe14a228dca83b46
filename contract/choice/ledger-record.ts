// What the enrollment ledger (components/fleet/enrollment-ledger.ts) records of an individual
// enrollment, and the policy pack reads back once the enrollment is deleted: its id, old ids and
// enough of its attestation to tell which group would take the device in. Never a key, never a
// key's secret name; for X.509 not the certificate but its facts (certificates.ts), since the
// ledger's state grows with every enrollment of the stack.
import type { X509Certificate } from "node:crypto";
import { readCertificate } from "../dps/certificates";
import { deviceCertificateFacts, type DeviceCertificateFacts } from "./certificates";
import type { DpsCaCertificate, GroupView, IndividualView } from "./enrollment-view";

export interface LedgerIndividual {
  readonly registrationId: string;
  /** Ids this entry had before a reviewed rename: not a deletion of a device, the same one renamed. */
  readonly previousIds?: readonly string[];
  readonly attestation: {
    readonly type: string;
    /** X.509: the primary device certificate's facts; absent when it cannot be read. */
    readonly deviceCertificate?: DeviceCertificateFacts;
  };
}

/**
 * The record of one individual enrollment. `knownCas` (see knownCaCertificates) are the CA
 * certificates the stack holds now: the one that issued an X.509 device certificate, if among
 * them, is recorded by its key, so a later deletion is checked against exactly that key.
 */
export function ledgerIndividual(
  individual: IndividualView & { readonly previousIds?: readonly string[] },
  knownCas: readonly X509Certificate[] = [],
): LedgerIndividual {
  const type = individual.attestation?.type ?? "unknown";
  const device =
    type === "x509"
      ? readCertificate(individual.attestation?.x509?.clientCertificates?.primary?.certificate)
      : undefined;
  return {
    registrationId: individual.registrationId,
    ...(individual.previousIds && individual.previousIds.length > 0
      ? { previousIds: individual.previousIds }
      : {}),
    attestation: { type, ...(device ? { deviceCertificate: deviceCertificateFacts(device, knownCas) } : {}) },
  };
}

/** Every CA certificate of the stack: the DPS's CA certificates and the X.509 groups' signing certificates. */
export function knownCaCertificates(
  groups: readonly GroupView[],
  caCertificates: readonly DpsCaCertificate[],
): X509Certificate[] {
  const signing = (group: GroupView) => {
    const certificates =
      group.attestation?.type === "x509" ? group.attestation.x509?.signingCertificates : undefined;
    return [certificates?.primary?.certificate, certificates?.secondary?.certificate];
  };
  return [...caCertificates.map((ca) => ca.certificate), ...groups.flatMap(signing)].flatMap((text) => {
    const certificate = readCertificate(text);
    return certificate ? [certificate] : [];
  });
}
