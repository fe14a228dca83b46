import type * as pulumi from "@pulumi/pulumi";
import {
  SERVICE_OPERATIONS_PER_MINUTE,
  ALLOCATION_WEIGHT,
  type DpsAllocationPolicy,
  MAX_LINKED_HUBS,
  type StackCountLimits,
} from "@dps-as-code/contract";
import type { ExistingDpsLocation } from "./enrollment-stack-config";

/**
 * The typed, validated stack configuration of the IoT platform (hubs + DPS).
 *
 * Every value here has been checked and every default applied by `parsePlatformConfig`
 * (the only place defaults live), so components never second-guess it.
 */

/** Stack config namespace: the Pulumi project name. Errors name keys as `dps-as-code:<key>`. */
export const CONFIG_NAMESPACE = "dps-as-code";

/** Defaults that the offline validator needs too (the rest live in parse-platform-config.ts). */
export const DEFAULT_NAME_PREFIX = "dpsac";
export const DEFAULT_TARGET = "azure";
export function defaultManifestsFolder(environment: string): string {
  return `enrollments/${environment}`;
}

/**
 * `dps-as-code:certificateExpiryWarningDays`: the drift report and the PR report list certificates
 * the stack holds that expire within this many days. 60 days: twice the window in which the
 * shipped policy configs refuse a prod deployment (`expiryWarningDays` 30 in
 * policy/config/*.json), so a stack that keeps the default still hears of a certificate a month
 * before the policy blocks it, time to re-issue it and roll it over (two deployments, README
 * "Day two").
 */
export const DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS = 60;
/** Beyond about three years a warning is noise: most device and CA certificates live shorter. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = { min: 1, max: 1000 } as const;

export const PUBLIC_NETWORK_ACCESS = ["Enabled", "Disabled"] as const;
export type PublicNetworkAccess = (typeof PUBLIC_NETWORK_ACCESS)[number];

export const IOT_HUB_SKUS = ["F1", "B1", "B2", "B3", "S1", "S2", "S3"] as const;
export type IotHubSkuName = (typeof IOT_HUB_SKUS)[number];

export const IP_FILTER_ACTIONS = ["Accept", "Reject"] as const;
export type IpFilterAction = (typeof IP_FILTER_ACTIONS)[number];

export const DPS_IP_FILTER_TARGETS = ["all", "serviceApi", "deviceApi"] as const;
export type DpsIpFilterTarget = (typeof DPS_IP_FILTER_TARGETS)[number];

export const HUB_IDENTITIES = ["None", "SystemAssigned"] as const;
export type HubIdentity = (typeof HUB_IDENTITIES)[number];

export const PRINCIPAL_TYPES = ["ServicePrincipal", "User", "Group"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** Limits enforced by Azure, checked early so the message names the config key. */
export const LIMITS = {
  /** DPS's fixed limit (contract/dps/limits.ts); the adjustable ones are the stack's `dpsLimits`. */
  linkedHubs: MAX_LINKED_HUBS,
  allocationWeight: ALLOCATION_WEIGHT,
  /** DPS S1 units. */
  dpsCapacity: { min: 1, max: 200 },
  /** IoT hub units: F1 is exactly 1, S3/B3 at most 10, others at most 200. */
  hubUnits: { min: 1, max: 200, maxForSize3: 10 },
  /** Event Hub-compatible endpoint partitions and retention (days). */
  partitionCount: { min: 2, max: 128 },
  retentionDays: { min: 1, max: 7 },
} as const;

export const NETWORK_DEFAULT_ACTIONS = ["Deny", "Allow"] as const;
export type NetworkDefaultAction = (typeof NETWORK_DEFAULT_ACTIONS)[number];

/** An allow rule of a hub's network rule set (ARM's only NetworkRuleIPAction is "Allow"). */
export interface HubIpAllowRule {
  readonly name: string;
  /** IPv4 address or CIDR range, e.g. `203.0.113.0/24`. */
  readonly ipMask: string;
}

/**
 * An IoT hub's IP filter (`properties.networkRuleSets`): addresses outside `ipRules` get
 * `defaultAction`. Replaces the retired classic `ipFilterRules` (Accept/Reject rules).
 */
export interface HubNetworkRuleSets {
  readonly defaultAction: NetworkDefaultAction;
  /** Also filter the built-in Event Hub-compatible endpoint (consumers of device telemetry). */
  readonly applyToBuiltInEventHubEndpoint: boolean;
  readonly ipRules: readonly HubIpAllowRule[];
}

/** An IP filter rule of the DPS (`properties.ipFilterRules`). */
export interface IpFilterRule {
  readonly name: string;
  /** IPv4 address or CIDR range, e.g. `203.0.113.0/24`. */
  readonly ipMask: string;
  readonly action: IpFilterAction;
}

/** An IP filter rule on the DPS; `target` says which API it guards. */
export interface DpsIpFilterRule extends IpFilterRule {
  readonly target: DpsIpFilterTarget;
}

export interface HubConfig {
  /** Stable key from the stack config (`hubs.<key>`), lower case; part of names and host names. */
  readonly key: string;
  readonly location: string;
  readonly sku: IotHubSkuName;
  readonly units: number;
  readonly partitionCount: number;
  readonly retentionDays: number;
  readonly allocationWeight: number;
  readonly applyAllocationPolicy: boolean;
  readonly publicNetworkAccess: PublicNetworkAccess;
  /** Absent: none sent, Azure's default (every address may connect). */
  readonly networkRuleSets: HubNetworkRuleSets | undefined;
  readonly identity: HubIdentity;
  readonly consumerGroups: readonly string[];
  /** Stack-wide tags merged with this hub's own tags. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface CaCertificateConfig {
  readonly name: string;
  /** PEM text (read from `certificatePath` when the config gave a path). */
  readonly certificate: string;
  /** Upload as verified (no proof-of-possession round trip). */
  readonly verified: boolean;
}

/** An Entra ID principal that gets "Device Provisioning Service Data Contributor" on the DPS. */
export interface DataContributorConfig {
  readonly principalId: string;
  readonly principalType: PrincipalType;
}

export interface DpsConfig {
  /** DPS-level default policy (`custom` exists per enrollment only). */
  readonly allocationPolicy: DpsAllocationPolicy;
  readonly sku: "S1";
  readonly capacity: number;
  readonly publicNetworkAccess: PublicNetworkAccess;
  readonly ipFilterRules: readonly DpsIpFilterRule[];
  readonly dataResidency: boolean;
  /** CA certificates this stack uploads (`dps.caCertificates.<name>: { certificate | certificatePath }`). */
  readonly caCertificates: readonly CaCertificateConfig[];
  /**
   * CA certificates already in the DPS that this stack neither uploads nor deletes
   * (`dps.caCertificates.<name>: { existing: true }`: uploaded by hand or by another stack,
   * e.g. an adopted DPS). Enrollments may name them in `caReferences` like the uploaded ones.
   */
  readonly existingCaCertificateNames: readonly string[];
  /** When set, enrollments are managed through Entra ID instead of the enrollment-writer key. */
  readonly dataContributor: DataContributorConfig | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** Where the Azure resources go: a group this stack creates, or one that already exists. */
export type ResourceGroupPlacement =
  | { readonly kind: "create"; readonly name: string; readonly location: string }
  | { readonly kind: "existing"; readonly name: string };

/** An existing resource the stack takes over under its own name (`dps-as-code:adoptPlatform`). */
export interface AdoptedResource {
  /** Its Azure name, which the stack keeps. */
  readonly name: string;
  /** Its ARM resource id: the `import` id Pulumi reads it with. */
  readonly resourceId: string;
}

export interface AdoptedHub extends AdoptedResource {
  /** Consumer groups the hub already has (imported); the hub's other configured groups are created. */
  readonly consumerGroups: readonly string[];
}

/**
 * An existing DPS and hubs that this platform stack adopts instead of creating (Pulumi's `import`
 * resource option): same names, no replacement, no key change. Every adopted resource is in one
 * resource group, which the stack uses as an existing group. See docs/existing-dps.md.
 */
export interface AdoptedPlatform {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly dps: AdoptedResource;
  /** By hub key (`hubs.<key>`); a configured hub not listed here is created as usual. */
  readonly hubs: Readonly<Record<string, AdoptedHub>>;
}

/** How the local target reaches the emulator (set by the demo script). */
export interface EmulatorEndpoint {
  /** `host:port` of the emulator's service (and admin) API, e.g. `localhost:8443`. */
  readonly serviceHost: string;
  /** `host:port` devices register against; the emulator serves both on one port. */
  readonly deviceHost: string;
  readonly caCertPath: string;
  /** PEM of the emulator's CA, read from `caCertPath`. */
  readonly caCertificate: string;
  /** Service connection string with the `ServiceConfig` right (a Pulumi secret). */
  readonly connectionString: pulumi.Output<string>;
}

export type PlatformTarget =
  | { readonly kind: "azure"; readonly resourceGroup: ResourceGroupPlacement }
  | { readonly kind: "local"; readonly emulator: EmulatorEndpoint };

export interface PlatformConfig {
  readonly environment: string;
  /** Default region: the resource group's and the DPS's, and each hub's unless it sets one. */
  readonly location: string;
  /** First segment of every Azure resource name (`<namePrefix>-<environment>-...`). */
  readonly namePrefix: string;
  readonly target: PlatformTarget;
  /** Hubs in config order; keys are unique. */
  readonly hubs: readonly HubConfig[];
  readonly dps: DpsConfig;
  /** Folder of enrollment manifests for this stack (read by the enrollments module). */
  readonly enrollmentManifests: string;
  /** The batch path for large manifests (`dps-as-code:enrollmentSets`). */
  readonly enrollmentSets: EnrollmentSetsConfig;
  /**
   * The adjustable DPS limits of this stack's DPS (`dps-as-code:dpsLimits`): X.509 groups and CA
   * certificates past them warn. @default DPS's defaults (100 X.509 groups, 25 CAs)
   */
  readonly dpsLimits: StackCountLimits;
  /**
   * Days ahead that the reports warn of certificates the stack holds expiring
   * (`dps-as-code:certificateExpiryWarningDays`). @default 60
   */
  readonly certificateExpiryWarningDays: number;
  /** Existing DPS and hubs this stack adopts (`dps-as-code:adoptPlatform`); absent: it creates them. */
  readonly adopt?: AdoptedPlatform;
}

/**
 * What a stack decides that every offline tool needs (validate-manifests, the advice, the move
 * plan): read from Pulumi.<stack>.yaml by stack-file.ts, parsed by parseStackFacts with the
 * program's own functions. The program's PlatformConfig holds the same facts.
 */
export interface StackFacts extends Pick<
  PlatformConfig,
  | "environment"
  | "namePrefix"
  | "hubs"
  | "enrollmentManifests"
  | "enrollmentSets"
  | "dpsLimits"
  | "certificateExpiryWarningDays"
> {
  readonly target: { readonly kind: PlatformTarget["kind"] };
  readonly dps: Pick<DpsConfig, "caCertificates" | "existingCaCertificateNames">;
  /**
   * Set for an enrollments-only stack (`dps-as-code:existingDps`): its manifests name the hubs
   * linked to that DPS, and `dps.existingCaCertificateNames` holds the CAs it declares there.
   * Absent for a stack that creates its platform.
   */
  readonly existingDps?: { readonly location: ExistingDpsLocation };
}

/**
 * When and how individual enrollments go through EnrollmentSet resources (the batch path) instead
 * of one IndividualEnrollment each. See components/enrollments/sets/README.md.
 */
export interface EnrollmentSetsConfig {
  /**
   * A manifest without its own `mode` uses the batch path when it declares at least this many
   * individual enrollments. @default 500
   */
  readonly threshold: number;
  /**
   * Sets per stack; an id's set is a hash of the id modulo this number. Fixed for the stack's
   * life: changing it moves every batch enrollment to a new set (no DPS write, but a large diff).
   * @default 32 (10,000 enrollments: ~310 per set)
   */
  readonly shards: number;
  /** DPS's service-operation quota the sets pace themselves to (1,000/min per S1 unit). @default 1000 */
  readonly operationsPerMinute: number;
}

export const DEFAULT_ENROLLMENT_SETS: EnrollmentSetsConfig = {
  threshold: 500,
  shards: 32,
  operationsPerMinute: SERVICE_OPERATIONS_PER_MINUTE,
};

/** Thrown when stack config is invalid; `problems` holds one line per offending key. */
export class PlatformConfigError extends Error {
  /** Marks a Pulumi RunError without importing the SDK: see ../manifests/errors.ts. */
  readonly __pulumiRunError = true;
  constructor(public readonly problems: readonly string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PlatformConfigError";
  }
}
