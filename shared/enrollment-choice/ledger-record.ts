// What the enrollment ledger (components/fleet/enrollment-ledger.ts) records of an individual
// enrollment, and the policy pack reads back once the enrollment is deleted: its id, old ids and
// enough of its attestation to tell which group would take the device in. Never a key, never a
// key's secret name; for X.509 not the certificate but its facts (certificates.ts), since the
// ledger's state grows with every enrollment of the stack.
import { deviceCertificateFacts, readCertificate, type DeviceCertificateFacts } from "./certificates";
import type { IndividualView } from "./enrollment-view";

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

export function ledgerIndividual(individual: IndividualView & { readonly previousIds?: readonly string[] }): LedgerIndividual {
  const type = individual.attestation?.type ?? "unknown";
  const device = type === "x509" ? readCertificate(individual.attestation?.x509?.clientCertificates?.primary?.certificate) : undefined;
  return {
    registrationId: individual.registrationId,
    ...(individual.previousIds && individual.previousIds.length > 0 ? { previousIds: individual.previousIds } : {}),
    attestation: { type, ...(device ? { deviceCertificate: deviceCertificateFacts(device) } : {}) },
  };
}
