// The fleet: turns the validated enrollment manifests of one stack into IndividualEnrollment
// and EnrollmentGroup resources on the platform's DPS. This is where the three parts meet:
// manifests (what to enroll), the platform (which DPS and hubs), and stack secrets (keys and
// webhook URLs that manifests only name). It reads no files and no environment.
import * as pulumi from "@pulumi/pulumi";
import { EnrollmentGroup, EnrollmentSet, IndividualEnrollment } from "../enrollments";
import type {
  Attestation,
  CustomAllocationDefinition,
  DpsConnectionArgs,
  EnrollmentGroupArgs,
  IndividualEnrollmentArgs,
} from "../enrollments";
import { DEFAULT_ENROLLMENT_SETS, type EnrollmentSetsConfig } from "../config";
import type {
  AttestationSpec,
  EnrollmentCommonSpec,
  EnrollmentGroupSpec,
  EnrollmentIdentitySpec,
  IndividualEnrollmentSpec,
  LoadedManifests,
} from "../manifests";
import { encodeLedgerIndividuals, knownCaCertificates, ledgerIndividual } from "@dps-as-code/contract";
import { batchPlan, type BatchPlan, declareEnrollmentSets } from "./batch";
import { credentialsOutput } from "./credentials";
import { deployedHubHostNames } from "./deployed-hubs";
import { type AttestationInputs, manifestEntryInputs, type ManifestNames } from "./enrollment-inputs";
import { EnrollmentLedger, type LedgerGroup } from "./enrollment-ledger";
import { keysOutput, type EnrollmentKeys } from "./key-outputs";
export { manifestHubCatalogue } from "./hub-names";
export { loadStackManifests, type StackManifestsLocation } from "./stack-manifests";
export { existingDps, PLATFORM_STACK_OUTPUTS, type ExistingDps } from "./existing-dps";
export type { EnrollmentKeys } from "./key-outputs";
export { EnrollmentLedger, type EnrollmentLedgerInputs, type LedgerIndividual } from "./enrollment-ledger";

/** What the fleet needs from the platform. */
export interface FleetPlatform {
  readonly dpsConnection: DpsConnectionArgs;
  /** Host name of every linked hub, keyed by its stack-config key (`hubs.<key>`), which manifests may use. */
  readonly hubHostNames: pulumi.Output<Record<string, string>>;
  /** The resource that uploads each CA certificate, by name (platform `caCertificates`). */
  readonly caCertificates?: Readonly<Record<string, pulumi.Resource>>;
  /** The DPS's CA certificates (stack config `dps.caCertificates`), which X.509 groups name in caReferences. @default none */
  readonly caCertificatePems?: readonly { readonly name: string; readonly certificate: string }[];
}

/** Reads a named secret of the stack (`pulumi config set --secret <name> ...`). */
export type SecretLookup = (name: string) => pulumi.Output<string>;

export interface FleetArgs {
  readonly manifests: LoadedManifests;
  readonly platform: FleetPlatform;
  readonly secret: SecretLookup;
  /** When manifests use the batch path, and how it is sharded (stack config `enrollmentSets`). @default DEFAULT_ENROLLMENT_SETS */
  readonly enrollmentSets?: EnrollmentSetsConfig;
}

/** One line per enrollment of the per-enrollment path and per group, for the stack outputs: reviewers and the demo read it. */
export interface EnrollmentSummary {
  readonly kind: "individual" | "group";
  readonly id: string;
  readonly attestation: AttestationSpec["type"];
  readonly allocationPolicy: string;
  readonly iotHubs: string[];
  readonly provisioningStatus: string;
  readonly source: string;
}

/**
 * One line per EnrollmentSet (the batch path), for the stack outputs: how many enrollments each
 * shard holds and from which manifest files. Bounded by the number of shards and files, not of
 * enrollments: a row per batched enrollment was 24 MB of output at 100,000, carried by the engine
 * at every preview (issue #26). A batched enrollment's own settings are in its manifest line, and
 * its keys come from `npm run --silent enrollment-key` (scripts/enrollment-key.ts).
 */
export interface EnrollmentSetSummary {
  /** Number of enrollments the set holds. */
  readonly enrollments: number;
  /** Enrollments per manifest file. */
  readonly sources: Record<string, number>;
}

export interface Fleet {
  readonly individualEnrollments: Record<string, IndividualEnrollment>;
  readonly enrollmentGroups: Record<string, EnrollmentGroup>;
  /** The batch path's sets, by shard label (none when no manifest uses it). */
  readonly enrollmentSets: Record<string, EnrollmentSet>;
  /** The per-enrollment path's individual enrollments and the groups, one row each. */
  readonly summary: pulumi.Output<EnrollmentSummary[]>;
  /**
   * The batch path, one row per set, by shard label; undefined when no set is declared, so a stack
   * that never used the batch path shows no new output.
   */
  readonly batchSummary: Record<string, EnrollmentSetSummary> | undefined;
  /** What the policy pack reads to see deleted individual enrollments (see enrollment-ledger.ts). */
  readonly ledger: EnrollmentLedger;
  /** Group keys of symmetric-key groups (secret): derive device keys with scripts/derive-device-key.ts. */
  readonly enrollmentGroupKeys: pulumi.Output<Record<string, EnrollmentKeys>>;
  /**
   * DPS-held keys of the per-enrollment path's symmetric-key individual enrollments (secret). The
   * batch path's keys are in their sets' state once, read with `npm run --silent enrollment-key`.
   */
  readonly individualEnrollmentKeys: pulumi.Output<Record<string, EnrollmentKeys>>;
}

export function declareFleet(args: FleetArgs, opts?: pulumi.CustomResourceOptions): Fleet {
  const { manifests, platform, secret } = args;
  const linkedHubs = platform.hubHostNames.apply((names) => Object.values(names));
  // The per-enrollment path reads what a manifest names as outputs: each secret from the stack,
  // the hubs once the platform has handed out their host names.
  const names: ManifestNames<pulumi.Output<string>, pulumi.Output<string[]>> = {
    secret,
    iotHubs: (references, spec) =>
      platform.hubHostNames.apply((hostNames) => deployedHubHostNames(references, hostNames, spec)),
  };
  const platformArgs = { dps: platform.dpsConnection, linkedHubs };
  const individualArgs = (spec: IndividualEnrollmentSpec): IndividualEnrollmentArgs => ({
    ...withSecretsResolved(manifestEntryInputs(spec, names)),
    ...platformArgs,
  });
  const groupArgs = (spec: EnrollmentGroupSpec): EnrollmentGroupArgs => ({
    ...withSecretsResolved(manifestEntryInputs(spec, names)),
    ...platformArgs,
  });

  // Resource names are the enrollment ids: the id is the stable key a reviewer sees in a
  // manifest, so the preview names the same thing the pull request changed. A renamed entry
  // lists its old ids in `previousIds`; they become aliases (see withPreviousIds).
  // Large manifests go through EnrollmentSets (batch.ts); the rest are one resource each. An
  // IndividualEnrollment depends on its shard's set, so that a set handing an enrollment over
  // (its manifest switched paths) has done so before the IndividualEnrollment takes it.
  const plan = batchPlan(manifests.individualEnrollments, args.enrollmentSets ?? DEFAULT_ENROLLMENT_SETS);
  const enrollmentSets = declareEnrollmentSets(plan, { platform, secret, linkedHubs }, opts);
  const individualEnrollments: Record<string, IndividualEnrollment> = {};
  for (const spec of plan.individual) {
    const set = plan.shardOf ? enrollmentSets[plan.shardOf(spec.registrationId)] : undefined;
    individualEnrollments[spec.registrationId] = new IndividualEnrollment(
      spec.registrationId,
      individualArgs(spec),
      pulumi.mergeOptions(
        afterItsCertificates(withPreviousIds(opts, spec), spec, platform.caCertificates),
        set ? { dependsOn: [set] } : {},
      ),
    );
  }
  const enrollmentGroups: Record<string, EnrollmentGroup> = {};
  for (const spec of manifests.enrollmentGroups) {
    enrollmentGroups[spec.enrollmentGroupId] = new EnrollmentGroup(
      spec.enrollmentGroupId,
      groupArgs(spec),
      afterItsCertificates(withPreviousIds(opts, spec), spec, platform.caCertificates),
    );
  }

  // One output for the whole summary, not one per entry: at 10,000 entries, 10,000 outputs and
  // their `all` cost the program seconds of every preview (measured: benchmarks/README.md).
  const summarise = (
    kind: EnrollmentSummary["kind"],
    id: string,
    spec: EnrollmentCommonSpec,
    names: Record<string, string>,
  ): EnrollmentSummary => {
    const iotHubs = deployedHubHostNames(spec.iotHubs ?? [], names, spec);
    return {
      kind,
      id,
      attestation: spec.attestation.type,
      allocationPolicy: spec.allocationPolicy ?? "(DPS default)",
      iotHubs: iotHubs.length > 0 ? iotHubs : ["(all linked hubs)"],
      provisioningStatus: spec.provisioningStatus ?? "enabled",
      source: `${spec.source.file}:${spec.source.line}`,
    };
  };
  // The batch path's enrollments are not listed one by one (see EnrollmentSetSummary).
  const summary = platform.hubHostNames.apply((names) => [
    ...plan.individual.map((s) => summarise("individual", s.registrationId, s, names)),
    ...manifests.enrollmentGroups.map((s) => summarise("group", s.enrollmentGroupId, s, names)),
  ]);
  const knownCas = knownCaCertificates(manifests.enrollmentGroups, platform.caCertificatePems ?? []);
  const ledger = new EnrollmentLedger(
    "enrollment-ledger",
    {
      individualEnrollments: encodeLedgerIndividuals(
        manifests.individualEnrollments.map((spec) => ledgerIndividual(spec, knownCas)),
      ),
      enrollmentGroups: manifests.enrollmentGroups.map((spec) => ({
        enrollmentGroupId: spec.enrollmentGroupId,
        attestation: ledgerAttestation(spec.attestation),
        provisioningStatus: spec.provisioningStatus ?? "enabled",
      })),
      caCertificates: (platform.caCertificatePems ?? []).map(({ name, certificate }) => ({
        name,
        certificate,
      })),
      retiredEnrollments: (manifests.retiredEnrollments ?? []).map(({ registrationId, reason }) => ({
        registrationId,
        reason,
      })),
      credentials: credentialsOutput(manifests, secret),
    },
    opts,
  );
  return {
    individualEnrollments,
    enrollmentGroups,
    enrollmentSets,
    summary,
    batchSummary: setSummaries(plan, enrollmentSets),
    enrollmentGroupKeys: keysOutput(enrollmentGroups),
    individualEnrollmentKeys: keysOutput(individualEnrollments),
    ledger,
  };
}

/** One row per declared set: its size and source files (plain values, known at preview). */
function setSummaries(
  plan: BatchPlan,
  enrollmentSets: Record<string, EnrollmentSet>,
): Record<string, EnrollmentSetSummary> | undefined {
  if (Object.keys(enrollmentSets).length === 0) return undefined;
  const rows: Record<string, EnrollmentSetSummary> = {};
  for (const label of Object.keys(enrollmentSets).sort()) {
    const specs = plan.batch.get(label) ?? [];
    const sources: Record<string, number> = {};
    for (const spec of specs) sources[spec.source.file] = (sources[spec.source.file] ?? 0) + 1;
    rows[label] = { enrollments: specs.length, sources };
  }
  return rows;
}

/**
 * A rename changes the resource name. Without an alias Pulumi sees an unrelated delete of the
 * old resource and create of a new one; with the old names as aliases it finds the old state,
 * and the provider's diff (the id is an identity field) previews one replace of that resource.
 */
function withPreviousIds(
  opts: pulumi.CustomResourceOptions | undefined,
  spec: EnrollmentIdentitySpec,
): pulumi.CustomResourceOptions | undefined {
  if (!spec.previousIds || spec.previousIds.length === 0) return opts;
  return pulumi.mergeOptions(opts, { aliases: spec.previousIds.map((name) => ({ name })) });
}

/**
 * An enrollment naming CA certificates in `caReferences` depends on the resources that upload
 * them: the CA is in the DPS before the group that names it, and the group is deleted before
 * its CA (the engine deletes in reverse dependency order). A name only refers to the CA; nothing
 * in the inputs carries the dependency otherwise.
 */
function afterItsCertificates(
  opts: pulumi.CustomResourceOptions | undefined,
  spec: EnrollmentCommonSpec,
  certificates: Readonly<Record<string, pulumi.Resource>> | undefined,
): pulumi.CustomResourceOptions | undefined {
  const refs = spec.attestation.type === "x509" ? spec.attestation.x509.caReferences : undefined;
  const uploads = [refs?.primary, refs?.secondary].flatMap((name) =>
    name !== undefined && certificates?.[name] ? [certificates[name]] : [],
  );
  return uploads.length === 0 ? opts : pulumi.mergeOptions(opts, { dependsOn: [...new Set(uploads)] });
}

/** A group's attestation as the ledger keeps it: kind and certificates (public, a few per stack), never key secret names. */
function ledgerAttestation(spec: AttestationSpec): LedgerGroup["attestation"] {
  return spec.type === "x509" ? { type: "x509", x509: spec.x509 } : { type: spec.type };
}

/** What the per-enrollment path's inputs hold secrets in: outputs inside plain objects. */
interface WithSecretOutputs {
  readonly attestation: AttestationInputs<pulumi.Output<string>>;
  readonly customAllocationDefinition?: { webhookUrl: pulumi.Output<string>; apiVersion: string };
}

/**
 * The attestation and the custom allocation as one output each, as the resources take them: the
 * output is secret when a secret is in it (pulumi.output unwraps nested outputs and keeps their
 * secrecy, @pulumi/pulumi output.ts `output`).
 */
function withSecretsResolved<Inputs extends WithSecretOutputs>(
  inputs: Inputs,
): Omit<Inputs, keyof WithSecretOutputs> & {
  attestation: pulumi.Output<Attestation>;
  customAllocationDefinition?: pulumi.Output<CustomAllocationDefinition>;
} {
  const { attestation, customAllocationDefinition, ...rest } = inputs;
  return {
    ...rest,
    attestation: pulumi.output(attestation),
    ...(customAllocationDefinition
      ? { customAllocationDefinition: pulumi.output(customAllocationDefinition) }
      : {}),
  };
}
