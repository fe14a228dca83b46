// The ledger's record of every enrollment's credentials (contract/rotation/credentials.ts), from
// the manifests and the stack secrets they name. A symmetric key's fingerprint is computed from
// the secret's value, so the record is a secret output whenever a key is in it (pulumi.all keeps
// the secrecy of its inputs); it is known at preview (stack config is), so the policy pack sees
// a rotation in the preview that would deploy it.
import * as pulumi from "@pulumi/pulumi";
import {
  credentialKey,
  type CredentialRecord,
  encodeCredentialBook,
  symmetricKeyCredentials,
  x509Credentials,
} from "@dps-as-code/contract";
import type { AttestationSpec, LoadedManifests } from "../manifests";

/** Reads a named secret of the stack (the fleet's SecretLookup). */
type SecretLookup = (name: string) => pulumi.Output<string>;

export function credentialsOutput(manifests: LoadedManifests, secret: SecretLookup): pulumi.Output<string> {
  // Each entry keeps its key beside its record (pulumi.output unwraps the nested output).
  const entries = [
    ...manifests.individualEnrollments.map((spec) => ({
      key: credentialKey("individual", spec.registrationId),
      record: record(spec.attestation, secret),
    })),
    ...manifests.enrollmentGroups.map((spec) => ({
      key: credentialKey("group", spec.enrollmentGroupId),
      record: record(spec.attestation, secret),
    })),
  ].map((entry) => pulumi.output(entry));
  return pulumi.all(entries).apply((list) => {
    const book: Record<string, CredentialRecord> = {};
    for (const { key, record } of list) if (record !== undefined) book[key] = record;
    return encodeCredentialBook(book);
  });
}

function record(
  attestation: AttestationSpec,
  secret: SecretLookup,
): pulumi.Output<CredentialRecord | undefined> {
  if (attestation.type === "x509")
    return pulumi.output<CredentialRecord | undefined>(x509Credentials(attestation.x509));
  if (attestation.type !== "symmetricKey") return pulumi.output<CredentialRecord | undefined>(undefined);
  const names = attestation.symmetricKey;
  const read = (name: string | undefined) =>
    name === undefined ? pulumi.output<string | undefined>(undefined) : secret(name);
  // Keys DPS generated are not known here: the record says only "symmetric key", nothing is compared.
  return pulumi
    .all([read(names?.primaryKeySecret), read(names?.secondaryKeySecret)])
    .apply(([primary, secondary]): CredentialRecord | undefined =>
      symmetricKeyCredentials(primary, secondary),
    );
}
