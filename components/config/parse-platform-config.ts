import type * as pulumi from "@pulumi/pulumi";
import {
  ADJUSTABLE_COUNT_LIMITS,
  type AdjustableCountLimit,
  type CountLimitName,
  DEFAULT_STACK_COUNT_LIMITS,
  DPS_ALLOCATION_POLICIES,
  DPS_COUNT_LIMITS,
  isAdjustableCountLimit,
  parseCertificate,
  RAISED_LIMITS_CONFIG_KEY,
  type StackCountLimits,
} from "@dps-as-code/contract";
import { parseAdoptPlatform } from "./adopt-platform";
import { AZURE_REGIONS } from "./azure-regions";
import { ConfigChecker, describe } from "./config-checker";
import {
  DOCUMENTATION_RANGES,
  FILTER_NAME,
  IPV4_CIDR,
  parseHubNetworkRuleSets,
  placeholderAddressProblem,
  serviceApiLockoutRule,
} from "./network-rules";
import {
  CERTIFICATE_EXPIRY_WARNING_DAYS,
  DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS,
  DEFAULT_ENROLLMENT_SETS,
  type EnrollmentSetsConfig,
  DPS_IP_FILTER_TARGETS,
  HUB_IDENTITIES,
  IOT_HUB_SKUS,
  IP_FILTER_ACTIONS,
  LIMITS,
  PRINCIPAL_TYPES,
  PUBLIC_NETWORK_ACCESS,
  PlatformConfigError,
  DEFAULT_NAME_PREFIX,
  DEFAULT_TARGET,
  defaultManifestsFolder,
  type CaCertificateConfig,
  type DataContributorConfig,
  type DpsConfig,
  type DpsIpFilterRule,
  type EmulatorEndpoint,
  type HubConfig,
  type PlatformConfig,
  type PlatformTarget,
  type StackFacts,
} from "./platform-config";

/** Stack config values as Pulumi hands them over (objects already JSON-parsed). */
export interface RawPlatformConfig {
  readonly environment?: unknown;
  readonly target?: unknown;
  readonly location?: unknown;
  readonly namePrefix?: unknown;
  readonly resourceGroupName?: unknown;
  readonly hubs?: unknown;
  readonly dps?: unknown;
  readonly tags?: unknown;
  readonly enrollmentManifests?: unknown;
  readonly enrollmentSets?: unknown;
  readonly dpsLimits?: unknown;
  readonly certificateExpiryWarningDays?: unknown;
  readonly emulator?: unknown;
  /** Existing DPS and hubs to adopt (adopt-platform.ts). */
  readonly adoptPlatform?: unknown;
  /** `dps-as-code:emulatorConnectionString`, read as a secret; only its presence is checked here. */
  readonly emulatorConnectionString?: pulumi.Output<string>;
}

/** Side effects the parser needs, injected so tests stay pure. */
export interface ParseEnvironment {
  /** Reads a text file (CA certificates); throws when it cannot. */
  readTextFile(path: string): string;
}

const HUB_SETTINGS = [
  "location",
  "sku",
  "units",
  "partitionCount",
  "retentionDays",
  "allocationWeight",
  "applyAllocationPolicy",
  "publicNetworkAccess",
  "networkRuleSets",
  "ipFilterRules",
  "identity",
  "consumerGroups",
  "tags",
] as const;
const DPS_SETTINGS = [
  "allocationPolicy",
  "sku",
  "capacity",
  "publicNetworkAccess",
  "ipFilterRules",
  "dataResidency",
  "caCertificates",
  "dataContributor",
  "tags",
] as const;

// Names end up in Azure resource names (<prefix>-<env>-<hubKey>-<6 random>, at most 50
// characters for an IoT hub), so each part is short, lower case and hyphen-free.
const NAME_PREFIX = /^[a-z][a-z0-9]{1,11}$/;
const ENVIRONMENT = /^[a-z][a-z0-9]{0,9}$/;
export const HUB_KEY = /^[a-zA-Z][a-zA-Z0-9]{0,11}$/;
const CONSUMER_GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
export const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RESOURCE_GROUP = /^[-\w._()]{1,89}[-\w_()]$/;
/** The nil GUID: what a config template holds until someone fills in a real object id. */
const NIL_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Validates raw stack config and applies every default, in one place.
 * Throws `PlatformConfigError` listing every problem, each naming its config key.
 */
export function parsePlatformConfig(raw: RawPlatformConfig, env: ParseEnvironment): PlatformConfig {
  const c = new ConfigChecker();
  const { environment, namePrefix, location, commonTags } = parseNaming(c, raw);
  const hubs = parseHubs(c, raw.hubs, location, commonTags);
  const dps = parseDps(c, raw.dps, hubs, commonTags, env);
  const targetKind = parseTargetKind(c, raw);
  const adopt = parseAdoption(c, raw, hubs, targetKind);
  const target =
    targetKind &&
    parseTarget(
      c,
      targetKind,
      // An adopting stack uses the adopted resources' group as an existing group.
      adopt ? { ...raw, resourceGroupName: adopt.resourceGroupName } : raw,
      location,
      namePrefix,
      environment,
      env,
    );
  const { enrollmentManifests, enrollmentSets } = parseManifestPlacement(c, raw, environment);
  const dpsLimits = parseDpsLimits(c, raw.dpsLimits);
  const certificateExpiryWarningDays = parseCertificateExpiryWarningDays(c, raw.certificateExpiryWarningDays);

  if (c.problems.length > 0) throw new PlatformConfigError(c.problems);
  // With no problems every value above is defined; the checks make that so.
  return {
    ...(adopt ? { adopt } : {}),
    environment: environment!,
    location: location!,
    namePrefix: namePrefix!,
    target: target!,
    hubs,
    dps: dps!,
    enrollmentManifests: enrollmentManifests!,
    enrollmentSets,
    dpsLimits,
    certificateExpiryWarningDays,
  };
}

/**
 * The part of the stack config the offline tools read (stack-file.ts), parsed by the same
 * functions as the whole config, so a tool and the program give one answer. What only a run
 * has (the emulator's address and connection string) and DPS settings no tool reads (network
 * rules, the data contributor) are left out. Throws `PlatformConfigError` as parsePlatformConfig does.
 */
export function parseStackFacts(raw: RawPlatformConfig, env: ParseEnvironment): StackFacts {
  const c = new ConfigChecker();
  const { environment, namePrefix, location, commonTags } = parseNaming(c, raw);
  const hubs = parseHubs(c, raw.hubs, location, commonTags);
  const dps = c.object("dps", raw.dps ?? {}) ?? {};
  const certificates = parseCaCertificates(c, dps.caCertificates, env);
  const targetKind = parseTargetKind(c, raw);
  parseAdoption(c, raw, hubs, targetKind);
  const { enrollmentManifests, enrollmentSets } = parseManifestPlacement(c, raw, environment);
  const dpsLimits = parseDpsLimits(c, raw.dpsLimits);
  const certificateExpiryWarningDays = parseCertificateExpiryWarningDays(c, raw.certificateExpiryWarningDays);

  if (c.problems.length > 0) throw new PlatformConfigError(c.problems);
  return {
    environment: environment!,
    namePrefix: namePrefix!,
    target: { kind: targetKind! },
    hubs,
    dps: certificates,
    enrollmentManifests: enrollmentManifests!,
    enrollmentSets,
    dpsLimits,
    certificateExpiryWarningDays,
  };
}

/** The stack's names (environment, name prefix), its default region and the tags every resource gets. */
function parseNaming(c: ConfigChecker, raw: RawPlatformConfig) {
  const environment = parseEnvironment(c, raw.environment);
  const namePrefix = c.matching(
    "namePrefix",
    raw.namePrefix,
    NAME_PREFIX,
    "use 2-12 lower-case letters and digits, starting with a letter",
    DEFAULT_NAME_PREFIX,
  );
  const location = region(c, "location", raw.location, undefined);
  const tags = c.tags("tags", raw.tags);
  const commonTags: Record<string, string> = {
    ...tags,
    environment: environment ?? "",
    "managed-by": "pulumi",
  };
  return { environment, namePrefix, location, commonTags };
}

/** `adoptPlatform` (adopt-platform.ts), which only the Azure target takes. */
function parseAdoption(
  c: ConfigChecker,
  raw: RawPlatformConfig,
  hubs: readonly HubConfig[],
  targetKind: PlatformTarget["kind"] | undefined,
) {
  const adopt = parseAdoptPlatform(c, raw.adoptPlatform, hubs, raw.resourceGroupName);
  if (adopt && targetKind === "local")
    c.fail("adoptPlatform", 'adopts Azure resources; it is not used when dps-as-code:target is "local"');
  return adopt;
}

function parseTargetKind(c: ConfigChecker, raw: RawPlatformConfig): PlatformTarget["kind"] | undefined {
  return c.oneOf("target", raw.target, ["azure", "local"] as const, DEFAULT_TARGET);
}

/** Where the stack's manifests are, and when they take the batch path. */
function parseManifestPlacement(c: ConfigChecker, raw: RawPlatformConfig, environment: string | undefined) {
  const enrollmentManifests = c.string(
    "enrollmentManifests",
    raw.enrollmentManifests,
    defaultManifestsFolder(environment ?? ""),
  );
  return { enrollmentManifests, enrollmentSets: parseEnrollmentSets(c, raw.enrollmentSets) };
}

/** `environment`: required, short and lower case (it becomes part of Azure names). */
export function parseEnvironment(c: ConfigChecker, value: unknown): string | undefined {
  const environment = c.requiredString("environment", value, 'a short name such as "dev" or "prod"');
  if (environment !== undefined && !ENVIRONMENT.test(environment)) {
    c.fail(
      "environment",
      `${JSON.stringify(environment)} is not allowed; use 1-10 lower-case letters and digits, starting with a letter`,
    );
  }
  return environment;
}

/**
 * `dpsLimits`: the adjustable DPS limits Microsoft raised for this stack's DPS (contract/dps/limits.ts),
 * e.g. `{ x509EnrollmentGroups: 300 }`; each absent one is DPS's default. A fixed limit is refused
 * by name: no support request raises it, so a value here would only hide DPS's refusal.
 */
export function parseDpsLimits(c: ConfigChecker, value: unknown): StackCountLimits {
  const key = RAISED_LIMITS_CONFIG_KEY;
  const s = c.object(key, value ?? {}) ?? {};
  const limits: Record<AdjustableCountLimit, number> = { ...DEFAULT_STACK_COUNT_LIMITS };
  for (const [name, raised] of Object.entries(s)) {
    if (name in DPS_COUNT_LIMITS && !isAdjustableCountLimit(name)) {
      const limit = DPS_COUNT_LIMITS[name as CountLimitName];
      c.fail(
        `${key}.${name}`,
        `DPS's limit of ${limit.dpsDefault} ${limit.counted} is fixed (not raised on request: learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits); allowed keys: ${ADJUSTABLE_COUNT_LIMITS.join(", ")}`,
      );
      continue;
    }
    if (!isAdjustableCountLimit(name)) {
      c.fail(`${key}.${name}`, `unknown setting; allowed: ${ADJUSTABLE_COUNT_LIMITS.join(", ")}`);
      continue;
    }
    // Only a raise: a DPS never holds less than its default.
    const dpsDefault = DPS_COUNT_LIMITS[name].dpsDefault;
    limits[name] =
      c.integer(`${key}.${name}`, raised, { min: dpsDefault, max: 1_000_000 }, dpsDefault) ?? dpsDefault;
  }
  return limits;
}

/**
 * `certificateExpiryWarningDays`: how many days ahead the drift and PR reports warn of a
 * certificate the stack holds expiring (whole days; the policy pack's own window, which refuses a
 * deployment, is `expiryWarningDays` in policy/config/<environment>.json).
 */
export function parseCertificateExpiryWarningDays(c: ConfigChecker, value: unknown): number {
  return (
    c.integer(
      "certificateExpiryWarningDays",
      value,
      CERTIFICATE_EXPIRY_WARNING_DAYS,
      DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS,
    ) ?? DEFAULT_CERTIFICATE_EXPIRY_WARNING_DAYS
  );
}

export function parseEnrollmentSets(c: ConfigChecker, value: unknown): EnrollmentSetsConfig {
  const s = c.object("enrollmentSets", value ?? {}) ?? {};
  c.onlyKnownKeys("enrollmentSets", s, ["threshold", "shards", "operationsPerMinute"]);
  const d = DEFAULT_ENROLLMENT_SETS;
  return {
    threshold:
      c.integer("enrollmentSets.threshold", s.threshold, { min: 1, max: 1_000_000 }, d.threshold) ??
      d.threshold,
    shards: c.integer("enrollmentSets.shards", s.shards, { min: 1, max: 1000 }, d.shards) ?? d.shards,
    operationsPerMinute:
      c.integer(
        "enrollmentSets.operationsPerMinute",
        s.operationsPerMinute,
        { min: 1, max: 1_000_000 },
        d.operationsPerMinute,
      ) ?? d.operationsPerMinute,
  };
}

function region(
  c: ConfigChecker,
  path: string,
  value: unknown,
  fallback: string | undefined,
): string | undefined {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  const name = c.requiredString(path, value, 'an Azure region such as "westeurope"');
  if (name === undefined) return undefined;
  if (!AZURE_REGIONS.has(name)) {
    const spelled = name.toLowerCase().replace(/\s+/g, "");
    const hint =
      spelled !== name && AZURE_REGIONS.has(spelled)
        ? `did you mean ${JSON.stringify(spelled)}?`
        : 'use ARM\'s spelling, e.g. "westeurope"';
    return c.fail(path, `${JSON.stringify(name)} is not a known Azure region; ${hint}`);
  }
  return name;
}

function parseHubs(
  c: ConfigChecker,
  value: unknown,
  location: string | undefined,
  commonTags: Record<string, string>,
): HubConfig[] {
  const map = c.object("hubs", value);
  if (!map || Object.keys(map).length === 0) {
    c.fail("hubs", "at least one IoT hub is required (a map from hub key to its settings)");
    return [];
  }
  const entries = Object.entries(map);
  if (entries.length > LIMITS.linkedHubs) {
    c.fail("hubs", `${entries.length} hubs configured; a DPS links at most ${LIMITS.linkedHubs} IoT hubs`);
  }
  const seen = new Map<string, string>();
  const hubs: HubConfig[] = [];
  for (const [rawKey, settings] of entries) {
    const path = `hubs.${rawKey}`;
    if (!HUB_KEY.test(rawKey)) {
      c.fail(
        path,
        "hub keys are 1-12 letters and digits, starting with a letter (they become part of Azure names)",
      );
      continue;
    }
    // Azure names and host names are case-insensitive, so "WEU" and "weu" would collide.
    const key = rawKey.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      c.fail(
        path,
        `duplicates hub key "${first}" (hub keys are case-insensitive: they become part of Azure resource and host names)`,
      );
      continue;
    }
    seen.set(key, rawKey);
    const hub = parseHub(c, path, key, settings, location, commonTags);
    if (hub) hubs.push(hub);
  }
  if (hubs.length > 0 && hubs.length === entries.length && !hubs.some((h) => h.applyAllocationPolicy)) {
    c.fail(
      "hubs",
      "no hub has applyAllocationPolicy: true, so the DPS allocation policy would have no hub to choose from",
    );
  }
  return hubs;
}

function parseHub(
  c: ConfigChecker,
  path: string,
  key: string,
  value: unknown,
  location: string | undefined,
  commonTags: Record<string, string>,
): HubConfig | undefined {
  const s = c.object(path, value ?? {}) ?? {};
  const before = c.problems.length;
  c.onlyKnownKeys(path, s, HUB_SETTINGS);
  const sku = c.oneOf(`${path}.sku`, s.sku, IOT_HUB_SKUS, "S1");
  const sizeMax =
    sku === "F1" ? 1 : sku === "S3" || sku === "B3" ? LIMITS.hubUnits.maxForSize3 : LIMITS.hubUnits.max;
  const hub = {
    key,
    // Without its own location a hub takes the stack's; a bad stack location is reported once, there.
    location: s.location === undefined ? location : region(c, `${path}.location`, s.location, undefined),
    sku,
    units: c.integer(`${path}.units`, s.units, { min: LIMITS.hubUnits.min, max: sizeMax }, 1),
    partitionCount: c.integer(
      `${path}.partitionCount`,
      s.partitionCount,
      sku === "F1" ? { min: 2, max: 2 } : LIMITS.partitionCount,
      sku === "F1" ? 2 : 4,
    ),
    retentionDays: c.integer(`${path}.retentionDays`, s.retentionDays, LIMITS.retentionDays, 1),
    allocationWeight: c.integer(`${path}.allocationWeight`, s.allocationWeight, LIMITS.allocationWeight, 1),
    applyAllocationPolicy: c.boolean(`${path}.applyAllocationPolicy`, s.applyAllocationPolicy, true),
    publicNetworkAccess: c.oneOf(
      `${path}.publicNetworkAccess`,
      s.publicNetworkAccess,
      PUBLIC_NETWORK_ACCESS,
      "Enabled",
    ),
    networkRuleSets: parseHubNetworkRuleSets(c, path, s),
    identity: c.oneOf(`${path}.identity`, s.identity, HUB_IDENTITIES, "None"),
    consumerGroups: parseConsumerGroups(c, `${path}.consumerGroups`, s.consumerGroups),
    tags: { ...commonTags, ...c.tags(`${path}.tags`, s.tags), "iot-hub-key": key },
  };
  return c.problems.length === before ? (hub as HubConfig) : undefined;
}

function parseConsumerGroups(c: ConfigChecker, path: string, value: unknown): string[] {
  const names: string[] = [];
  c.list(path, value).forEach((v, i) => {
    const name = c.matching(
      `${path}[${i}]`,
      v,
      CONSUMER_GROUP,
      "consumer group names are 1-50 letters, digits, '.', '_' or '-'",
    );
    if (name === undefined) return;
    if (name.toLowerCase() === "$default" || names.includes(name))
      c.fail(`${path}[${i}]`, `${JSON.stringify(name)} is listed twice or is the built-in $Default group`);
    else names.push(name);
  });
  return names;
}

/** The DPS's IP filter (`dps.ipFilterRules`: Accept/Reject rules, each for one API or both). */
function parseIpFilterRules(c: ConfigChecker, path: string, value: unknown): DpsIpFilterRule[] {
  const rules: DpsIpFilterRule[] = [];
  const names = new Set<string>();
  c.list(path, value).forEach((v, i) => {
    const p = `${path}[${i}]`;
    const r = c.object(p, v);
    if (!r) return void c.fail(p, "expected a rule { name, ipMask, action, target }");
    c.onlyKnownKeys(p, r, ["name", "ipMask", "action", "target"]);
    const name = c.requiredString(`${p}.name`, r.name, "a unique rule name");
    if (name !== undefined && !FILTER_NAME.test(name))
      c.fail(`${p}.name`, `${JSON.stringify(name)} is not allowed; use letters, digits, '.', '_' or '-'`);
    if (name !== undefined && names.has(name))
      c.fail(`${p}.name`, `${JSON.stringify(name)} is used by another rule; rule names are unique`);
    if (name !== undefined) names.add(name);
    const ipMaskRaw = c.requiredString(
      `${p}.ipMask`,
      r.ipMask,
      'an IPv4 address or CIDR range such as "203.0.113.0/24"',
    );
    const ipMask =
      ipMaskRaw !== undefined && !IPV4_CIDR.test(ipMaskRaw)
        ? c.fail(`${p}.ipMask`, `${JSON.stringify(ipMaskRaw)} is not an IPv4 address or CIDR range`)
        : ipMaskRaw;
    const action =
      r.action === undefined
        ? c.fail(`${p}.action`, 'is required ("Accept" or "Reject")')
        : c.oneOf(`${p}.action`, r.action, IP_FILTER_ACTIONS, "Accept");
    // A template's example address in an Accept rule admits nobody real: with a catch-all
    // Reject after it, `pulumi up` itself would be locked out of the DPS service API. Caught
    // here, before Azure is touched. (A Reject rule on such a range is harmless.)
    if (action === "Accept" && ipMask !== undefined && DOCUMENTATION_RANGES.test(ipMask)) {
      c.fail(`${p}.ipMask`, placeholderAddressProblem(ipMask));
    }
    const target = c.oneOf(`${p}.target`, r.target, DPS_IP_FILTER_TARGETS, "all");
    if (name === undefined || ipMask === undefined || action === undefined || target === undefined) return;
    rules.push({ name, ipMask, action, target });
  });
  const lockout = serviceApiLockoutRule(rules);
  if (lockout !== undefined) {
    c.fail(
      `${path}[${lockout}]`,
      "rejects every address for the service API before any rule accepts one: `pulumi up` and the PR preview could not reach the enrollments; accept the pipeline's egress address in an earlier rule",
    );
  }
  return rules;
}

function parseDps(
  c: ConfigChecker,
  value: unknown,
  hubs: readonly HubConfig[],
  commonTags: Record<string, string>,
  env: ParseEnvironment,
): DpsConfig | undefined {
  const s = c.object("dps", value ?? {}) ?? {};
  c.onlyKnownKeys("dps", s, DPS_SETTINGS);
  const allocationPolicy = c.oneOf(
    "dps.allocationPolicy",
    s.allocationPolicy,
    DPS_ALLOCATION_POLICIES,
    "hashed",
  );
  if (allocationPolicy === "static" && hubs.length !== 1) {
    c.fail(
      "dps.allocationPolicy",
      `"static" needs exactly one linked hub, but ${c.key("hubs")} has ${hubs.length} (${hubs.map((h) => h.key).join(", ")}); use "hashed" or "geoLatency", or keep one hub`,
    );
  }
  const dps = {
    allocationPolicy,
    sku: c.oneOf("dps.sku", s.sku, ["S1"] as const, "S1"),
    capacity: c.integer("dps.capacity", s.capacity, LIMITS.dpsCapacity, 1),
    publicNetworkAccess: c.oneOf(
      "dps.publicNetworkAccess",
      s.publicNetworkAccess,
      PUBLIC_NETWORK_ACCESS,
      "Enabled",
    ),
    ipFilterRules: parseIpFilterRules(c, "dps.ipFilterRules", s.ipFilterRules),
    dataResidency: c.boolean("dps.dataResidency", s.dataResidency, false),
    ...parseCaCertificates(c, s.caCertificates, env),
    dataContributor: parseDataContributor(c, s.dataContributor),
    tags: { ...commonTags, ...c.tags("dps.tags", s.tags) },
  };
  return dps as DpsConfig;
}

function parseCaCertificates(
  c: ConfigChecker,
  value: unknown,
  env: ParseEnvironment,
): { caCertificates: CaCertificateConfig[]; existingCaCertificateNames: string[] } {
  const certs: CaCertificateConfig[] = [];
  const existing: string[] = [];
  const map = c.object("dps.caCertificates", value);
  if (!map) return { caCertificates: certs, existingCaCertificateNames: existing };
  const entries = Object.entries(map);
  for (const [name, v] of entries) {
    const p = `dps.caCertificates.${name}`;
    if (!CERT_NAME.test(name)) {
      c.fail(p, "certificate names are 1-64 letters, digits, '.', '_' or '-'");
      continue;
    }
    const s = c.object(p, v);
    if (!s) {
      c.fail(p, "expected { certificate: <PEM> }, { certificatePath: <file> } or { existing: true }");
      continue;
    }
    if (s.existing !== undefined) {
      // Declared so that manifests may name it, never uploaded or deleted by this stack.
      c.onlyKnownKeys(p, s, ["existing"]);
      if (s.existing !== true)
        c.fail(
          `${p}.existing`,
          `${describe(s.existing)} is not allowed; allowed true (or leave it out and give the certificate)`,
        );
      else existing.push(name);
      continue;
    }
    c.onlyKnownKeys(p, s, ["certificate", "certificatePath", "verified"]);
    const verified = c.boolean(`${p}.verified`, s.verified, true);
    let pem: string | undefined;
    if ((s.certificate === undefined) === (s.certificatePath === undefined)) {
      c.fail(p, "set exactly one of certificate (PEM text) and certificatePath (a file)");
    } else if (s.certificatePath !== undefined) {
      const file = c.string(`${p}.certificatePath`, s.certificatePath);
      if (file !== undefined) pem = readPem(c, `${p}.certificatePath`, file, env);
    } else {
      pem = c.string(`${p}.certificate`, s.certificate);
      const parsed = pem === undefined ? undefined : parseCertificate(pem);
      if (parsed && !parsed.ok)
        pem = c.fail(`${p}.certificate`, `${parsed.problem}; allowed: ${parsed.allowed}`);
    }
    if (pem !== undefined && verified !== undefined) certs.push({ name, certificate: pem, verified });
  }
  return { caCertificates: certs, existingCaCertificateNames: existing };
}

function parseDataContributor(c: ConfigChecker, value: unknown): DataContributorConfig | undefined {
  const s = c.object("dps.dataContributor", value);
  if (!s) return undefined;
  c.onlyKnownKeys("dps.dataContributor", s, ["principalId", "principalType"]);
  const principalId = c.requiredString(
    "dps.dataContributor.principalId",
    s.principalId,
    "the object id (GUID) of the pipeline identity",
  );
  if (principalId !== undefined && !GUID.test(principalId))
    c.fail(
      "dps.dataContributor.principalId",
      `${JSON.stringify(principalId)} is not a GUID (an Entra ID object id)`,
    );
  // Azure would accept the config and fail the role assignment minutes into `pulumi up`.
  if (principalId === NIL_GUID) {
    c.fail(
      "dps.dataContributor.principalId",
      `${JSON.stringify(principalId)} is a placeholder; set the object id of the pipeline identity (az ad sp show --id <appId> --query id)`,
    );
  }
  const principalType = c.oneOf(
    "dps.dataContributor.principalType",
    s.principalType,
    PRINCIPAL_TYPES,
    "ServicePrincipal",
  );
  if (principalId === undefined || principalType === undefined) return undefined;
  return { principalId, principalType };
}

function parseTarget(
  c: ConfigChecker,
  kind: "azure" | "local",
  raw: RawPlatformConfig,
  location: string | undefined,
  namePrefix: string | undefined,
  environment: string | undefined,
  env: ParseEnvironment,
): PlatformTarget | undefined {
  if (kind === "azure") {
    if (raw.emulator !== undefined) c.fail("emulator", 'is only used when dps-as-code:target is "local"');
    const existing = c.string("resourceGroupName", raw.resourceGroupName);
    if (existing !== undefined && !RESOURCE_GROUP.test(existing))
      c.fail("resourceGroupName", `${JSON.stringify(existing)} is not a valid resource group name`);
    return existing !== undefined
      ? { kind: "azure", resourceGroup: { kind: "existing", name: existing } }
      : {
          kind: "azure",
          resourceGroup: {
            kind: "create",
            name: `rg-${namePrefix ?? ""}-${environment ?? ""}`,
            location: location ?? "",
          },
        };
  }
  const emulator = parseEmulator(c, raw, env);
  return emulator && { kind: "local", emulator };
}

function parseEmulator(
  c: ConfigChecker,
  raw: RawPlatformConfig,
  env: ParseEnvironment,
): EmulatorEndpoint | undefined {
  const hint = "the demo script sets it from the emulator's start-up line";
  const s = c.object("emulator", raw.emulator);
  if (!s)
    return c.fail(
      "emulator",
      `is required when dps-as-code:target is "local" ({ serviceHost, caCertPath }; ${hint})`,
    );
  c.onlyKnownKeys("emulator", s, ["serviceHost", "deviceHost", "caCertPath"]);
  const serviceHost = c.requiredString(
    "emulator.serviceHost",
    s.serviceHost,
    `host:port such as "localhost:8443"; ${hint}`,
  );
  if (serviceHost !== undefined && !HOST_PORT.test(serviceHost))
    c.fail("emulator.serviceHost", `${JSON.stringify(serviceHost)} is not host:port`);
  const deviceHost = c.string("emulator.deviceHost", s.deviceHost, serviceHost);
  if (deviceHost !== undefined && !HOST_PORT.test(deviceHost))
    c.fail("emulator.deviceHost", `${JSON.stringify(deviceHost)} is not host:port`);
  const caCertPath = c.requiredString(
    "emulator.caCertPath",
    s.caCertPath,
    `the emulator's CA certificate file; ${hint}`,
  );
  const caCertificate =
    caCertPath === undefined ? undefined : readPem(c, "emulator.caCertPath", caCertPath, env);
  if (raw.emulatorConnectionString === undefined) {
    c.fail(
      "emulatorConnectionString",
      `is required when dps-as-code:target is "local" (a secret: pulumi config set --secret; ${hint})`,
    );
  }
  if (
    serviceHost === undefined ||
    deviceHost === undefined ||
    caCertPath === undefined ||
    caCertificate === undefined ||
    !raw.emulatorConnectionString
  )
    return undefined;
  return {
    serviceHost,
    deviceHost,
    caCertPath,
    caCertificate,
    connectionString: raw.emulatorConnectionString,
  };
}

export function readPem(
  c: ConfigChecker,
  path: string,
  file: string,
  env: ParseEnvironment,
): string | undefined {
  let text: string;
  try {
    text = env.readTextFile(file);
  } catch (err) {
    return c.fail(
      path,
      `cannot read ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const parsed = parseCertificate(text);
  if (!parsed.ok)
    return c.fail(path, `${JSON.stringify(file)} ${parsed.problem}; allowed: ${parsed.allowed}`);
  return text;
}
