import type * as pulumi from "@pulumi/pulumi";
import type { StackCountLimits } from "@dps-as-code/contract";
import {
  DEFAULT_NAME_PREFIX,
  DEFAULT_TARGET,
  type EnrollmentSetsConfig,
  type PlatformConfig,
  type StackFacts,
} from "./platform-config";

/**
 * An enrollments-only stack: it manages the enrollments of its manifests on a DPS it did not
 * create (made by Bicep, Terraform, the portal, or a platform stack of this project), and no
 * hub, DPS or resource group. Set by `dps-as-code:existingDps`; see docs/existing-dps.md.
 */
export interface EnrollmentStackConfig {
  readonly environment: string;
  /** Folder of enrollment manifests for this stack. */
  readonly enrollmentManifests: string;
  readonly enrollmentSets: EnrollmentSetsConfig;
  /** The adjustable limits of the existing DPS (`dps-as-code:dpsLimits`). @default DPS's defaults */
  readonly dpsLimits: StackCountLimits;
  /** Days ahead the reports warn of expiring certificates (`dps-as-code:certificateExpiryWarningDays`). @default 60 */
  readonly certificateExpiryWarningDays: number;
  readonly existingDps: ExistingDpsConfig;
}

/** Which DPS, how to reach it, and what its manifests may name on it. */
export interface ExistingDpsConfig {
  readonly location: ExistingDpsLocation;
  readonly credentials: ExistingDpsCredentials;
  /**
   * CA certificates the DPS holds (`existingDps.caCertificates`), which X.509 enrollments may name
   * in `caReferences`. The stack never uploads or deletes them. @default none
   */
  readonly caCertificateNames: readonly string[];
  /** PEM of a private CA to trust (`existingDps.trustedCaCertPath`): the local emulator only. */
  readonly trustedCaCertificate: string | undefined;
}

/**
 * Where the DPS is named: directly by its service endpoint and linked hubs, or by the outputs of
 * a platform stack (a Pulumi StackReference: `serviceEndpoint` and `hubHostNames`).
 */
export type ExistingDpsLocation =
  | {
      readonly kind: "endpoint";
      /** `<name>.azure-devices-provisioning.net` (`existingDps.serviceEndpoint`). */
      readonly serviceEndpoint: string;
      /** Hub key -> host name of each hub linked to the DPS (`existingDps.linkedHubs`). */
      readonly linkedHubs: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: "platformStack";
      /** `<organization>/<project>/<stack>` (`existingDps.platformStack`). */
      readonly stackName: string;
      /**
       * Keys of the platform stack's hubs that manifests may name (`existingDps.linkedHubs`); their
       * host names come from the platform stack's `hubHostNames` output at deploy time.
       */
      readonly hubKeys: readonly string[];
    };

/** How the enrollment resources authenticate (`existingDps.authentication`). */
export type ExistingDpsCredentials =
  | { readonly kind: "entraId" }
  | {
      readonly kind: "connectionString";
      /** `dps-as-code:existingDpsConnectionString`, a Pulumi secret. */
      readonly connectionString: pulumi.Output<string>;
    };

export const EXISTING_DPS_AUTHENTICATIONS = ["entraId", "connectionString"] as const;

/** What a stack's config describes: the platform (and its enrollments), or enrollments only. */
export type StackConfig =
  | { readonly kind: "platform"; readonly platform: PlatformConfig }
  | { readonly kind: "enrollmentsOnly"; readonly enrollments: EnrollmentStackConfig };

/**
 * What the offline tools and the manifest loader need of an enrollments-only stack, in the shape
 * a platform stack gives them (StackFacts): no hub or DPS of its own, the existing DPS's linked
 * hubs, and its CAs as ones "already in the DPS". One answer for the program and the tools.
 */
export function enrollmentStackFacts(config: EnrollmentStackConfig): StackFacts {
  return {
    environment: config.environment,
    // Unused without hubs of its own: no name is derived from it.
    namePrefix: DEFAULT_NAME_PREFIX,
    target: { kind: DEFAULT_TARGET },
    hubs: [],
    dps: { caCertificates: [], existingCaCertificateNames: [...config.existingDps.caCertificateNames] },
    enrollmentManifests: config.enrollmentManifests,
    enrollmentSets: config.enrollmentSets,
    dpsLimits: config.dpsLimits,
    certificateExpiryWarningDays: config.certificateExpiryWarningDays,
    existingDps: { location: config.existingDps.location },
  };
}
