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
  const entries = [
    ...manifests.individualEnrollments.map((spec) => ({
      key: credentialKey("individual", spec.registrationId),
      attestation: spec.attestation,
    })),
    ...manifests.enrollmentGroups.map((spec) => ({
      key: credentialKey("group", spec.enrollmentGroupId),
      attestation: spec.attestation,
    })),
  ];
  // One output per secret the manifests name, not one per entry: at 100,000 entries, outputs per
  // entry (and their `all`) held gigabytes of the program's memory (benchmarks/README.md).
  const names = [...new Set(entries.flatMap(({ attestation }) => secretNames(attestation)))].sort();
  const book = (values: Readonly<Record<string, string>>) => {
    const records: Record<string, CredentialRecord> = {};
    for (const { key, attestation } of entries) {
      const value = record(attestation, values);
      if (value !== undefined) records[key] = value;
    }
    return encodeCredentialBook(records);
  };
  if (names.length === 0) return pulumi.output(book({}));
  // pulumi.all keeps the secrecy of the secrets it reads: the book is secret when a key is in it.
  return pulumi.all(Object.fromEntries(names.map((name) => [name, secret(name)]))).apply(book);
}

function secretNames(attestation: AttestationSpec): string[] {
  if (attestation.type !== "symmetricKey") return [];
  const names = attestation.symmetricKey;
  return [names?.primaryKeySecret, names?.secondaryKeySecret].filter((n): n is string => n !== undefined);
}

function record(
  attestation: AttestationSpec,
  secrets: Readonly<Record<string, string>>,
): CredentialRecord | undefined {
  if (attestation.type === "x509") return x509Credentials(attestation.x509);
  if (attestation.type !== "symmetricKey") return undefined;
  const names = attestation.symmetricKey;
  const read = (name: string | undefined) => (name === undefined ? undefined : secrets[name]);
  // Keys DPS generated are not known here: the record says only "symmetric key", nothing is compared.
  return symmetricKeyCredentials(read(names?.primaryKeySecret), read(names?.secondaryKeySecret));
}
