// A manifest entry becomes its enrollment's inputs here, once, for both paths: the
// IndividualEnrollment and EnrollmentGroup resources (index.ts) and the EnrollmentSet entries
// (batch.ts). Manifests only name what the stack holds (secret config keys, hub keys), so each
// path says how it reads a name (`ManifestNames`): the per-enrollment path reads secrets as
// Pulumi outputs; the batch path keeps the names, which the contract's `splitEntry` then moves
// out of the entry, as the set keeps its secrets apart. Pure: no Pulumi, no files.
import type { EnrollmentInputs, X509Attestation } from "@dps-as-code/contract";
import type {
  AttestationSpec,
  EnrollmentCommonSpec,
  EnrollmentGroupSpec,
  IndividualEnrollmentSpec,
} from "../manifests";

/** How a path reads what a manifest entry only names. */
export interface ManifestNames<Secret, HostNames> {
  /** A stack secret (`pulumi config set --secret <name> ...`) by its config key. */
  readonly secret: (name: string) => Secret;
  /** The host names of an entry's `iotHubs` (hub keys or host names, as the loader left them). */
  readonly iotHubs: (references: readonly string[], entry: EnrollmentCommonSpec) => HostNames;
}

/** Manifest fields the fleet keeps for itself: where the entry was written (messages, summary), its old ids (aliases), and its manifest's mode (which path, batch.ts). */
type FleetOnlyField = "source" | "previousIds" | "mode";

/** An attestation with its declared keys read through `Secret`. */
export type AttestationInputs<Secret> =
  | { type: "symmetricKey"; symmetricKey?: { primaryKey?: Secret; secondaryKey?: Secret } }
  | { type: "x509"; x509: X509Attestation["x509"] }
  | Extract<EnrollmentInputs["attestation"], { type: "tpm" }>;

/** The inputs a manifest names rather than holds, once read. */
interface NamedInputs<Secret, HostNames> {
  attestation: AttestationInputs<Secret>;
  iotHubs: HostNames;
  customAllocationDefinition: { webhookUrl: Secret; apiVersion: string };
}

/**
 * Every field of a manifest entry but the fleet's own, as the enrollment input of the same name.
 * Each key is required (its value may be undefined), so a field added to the manifest types and
 * forgotten here fails to compile instead of being dropped on the way to DPS; so does a manifest
 * field with no enrollment input of that name, or of another type.
 */
type EveryManifestField<Spec, Secret, HostNames> = {
  -readonly [K in Exclude<keyof Spec, FleetOnlyField>]-?: K extends keyof NamedInputs<Secret, HostNames>
    ? NamedInputs<Secret, HostNames>[K] | (undefined extends Spec[K] ? undefined : never)
    : K extends keyof EnrollmentInputs
      ? [Spec[K]] extends [EnrollmentInputs[K] | undefined]
        ? Spec[K]
        : never
      : never;
};

/** The keys a manifest entry always has (its id, its attestation). */
type RequiredField<Spec> = {
  [K in keyof Spec]-?: object extends Pick<Spec, K> ? never : K;
}[keyof Spec];

/** An entry's inputs: the fields it sets (the resource's `dps` and `linkedHubs` are the platform's). */
export type ManifestEntryInputs<Spec, Secret, HostNames> = Partial<
  EveryManifestField<Spec, Secret, HostNames>
> &
  Pick<EveryManifestField<Spec, Secret, HostNames>, Exclude<RequiredField<Spec>, FleetOnlyField>>;

/** A manifest entry's enrollment inputs, every field routed (EveryManifestField), absent ones left out. */
export function manifestEntryInputs<
  Spec extends IndividualEnrollmentSpec | EnrollmentGroupSpec,
  Secret,
  HostNames,
>(spec: Spec, names: ManifestNames<Secret, HostNames>): ManifestEntryInputs<Spec, Secret, HostNames> {
  const fields =
    "registrationId" in spec
      ? individualFields(spec, names)
      : groupFields(spec as EnrollmentGroupSpec, names);
  // Absent fields are left out rather than set to undefined: a set entry is stored as written,
  // and a resource input that is undefined is no input at all.
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as ManifestEntryInputs<Spec, Secret, HostNames>;
}

function individualFields<Secret, HostNames>(
  spec: IndividualEnrollmentSpec,
  names: ManifestNames<Secret, HostNames>,
): EveryManifestField<IndividualEnrollmentSpec, Secret, HostNames> {
  return {
    registrationId: spec.registrationId,
    ...commonFields(spec, names),
    deviceId: spec.deviceId,
    optionalDeviceInformation: spec.optionalDeviceInformation,
  };
}

function groupFields<Secret, HostNames>(
  spec: EnrollmentGroupSpec,
  names: ManifestNames<Secret, HostNames>,
): EveryManifestField<EnrollmentGroupSpec, Secret, HostNames> {
  return { enrollmentGroupId: spec.enrollmentGroupId, ...commonFields(spec, names) };
}

function commonFields<Secret, HostNames>(
  spec: EnrollmentCommonSpec,
  names: ManifestNames<Secret, HostNames>,
): EveryManifestField<EnrollmentCommonSpec, Secret, HostNames> {
  const custom = spec.customAllocationDefinition;
  return {
    attestation: attestationInputs(spec.attestation, names.secret),
    iotHubs: spec.iotHubs && names.iotHubs(spec.iotHubs, spec),
    allocationPolicy: spec.allocationPolicy,
    customAllocationDefinition: custom && {
      webhookUrl: names.secret(custom.webhookUrlSecret),
      apiVersion: custom.apiVersion,
    },
    reprovisionPolicy: spec.reprovisionPolicy,
    initialTwin: spec.initialTwin,
    capabilities: spec.capabilities,
    provisioningStatus: spec.provisioningStatus,
    adoptExisting: spec.adoptExisting,
    deleteRegistrationStateOnDelete: spec.deleteRegistrationStateOnDelete,
    allowSymmetricKeyInProduction: spec.allowSymmetricKeyInProduction,
    labels: spec.labels,
  };
}

function attestationInputs<Secret>(
  spec: AttestationSpec,
  secret: (name: string) => Secret,
): AttestationInputs<Secret> {
  switch (spec.type) {
    case "symmetricKey": {
      const ref = spec.symmetricKey;
      // Neither key named: DPS generates both.
      if (!ref?.primaryKeySecret && !ref?.secondaryKeySecret) return { type: "symmetricKey" };
      return {
        type: "symmetricKey",
        symmetricKey: {
          primaryKey: ref.primaryKeySecret ? secret(ref.primaryKeySecret) : undefined,
          secondaryKey: ref.secondaryKeySecret ? secret(ref.secondaryKeySecret) : undefined,
        },
      };
    }
    case "x509":
      return { type: "x509", x509: spec.x509 };
    case "tpm":
      return { type: "tpm", tpm: spec.tpm };
  }
}
