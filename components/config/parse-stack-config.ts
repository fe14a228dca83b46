import type * as pulumi from "@pulumi/pulumi";
import { ConfigChecker, describe } from "./config-checker";
import {
  enrollmentStackFacts,
  EXISTING_DPS_AUTHENTICATIONS,
  type ExistingDpsConfig,
  type ExistingDpsCredentials,
  type ExistingDpsLocation,
  type StackConfig,
} from "./enrollment-stack-config";
import {
  CERT_NAME,
  HUB_KEY,
  parseCertificateExpiryWarningDays,
  parseDpsLimits,
  parseEnrollmentSets,
  parseEnvironment,
  parsePlatformConfig,
  parseStackFacts,
  readPem,
  type ParseEnvironment,
  type RawPlatformConfig,
} from "./parse-platform-config";
import { LIMITS, PlatformConfigError, defaultManifestsFolder, type StackFacts } from "./platform-config";

/** Every stack config value the program reads, as Pulumi hands them over. */
export interface RawStackConfig extends RawPlatformConfig {
  readonly existingDps?: unknown;
  /** `dps-as-code:existingDpsConnectionString`, read as a secret; only its presence is checked here. */
  readonly existingDpsConnectionString?: pulumi.Output<string>;
}

/** Settings of a stack that creates the platform: an enrollments-only stack must not set them. */
const PLATFORM_ONLY_SETTINGS = [
  "target",
  "location",
  "namePrefix",
  "resourceGroupName",
  "hubs",
  "dps",
  "tags",
  "emulator",
  "emulatorConnectionString",
  "adoptPlatform",
] as const;
const EXISTING_DPS_SETTINGS = [
  "serviceEndpoint",
  "platformStack",
  "authentication",
  "linkedHubs",
  "caCertificates",
  "trustedCaCertPath",
];

// A DPS service endpoint is a host name (`<name>.azure-devices-provisioning.net`, ARM's
// `properties.serviceOperationsHostName`), or host:port for the emulator.
const SERVICE_ENDPOINT = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;
// Pulumi stack names: `<stack>`, `<project>/<stack>` or `<organization>/<project>/<stack>`
// (https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences).
const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

/**
 * Validates raw stack config and applies every default: a platform stack (today's shape) unless
 * `existingDps` is set, which makes the stack enrollments-only. Throws `PlatformConfigError`
 * listing every problem, each naming its config key.
 */
export function parseStackConfig(raw: RawStackConfig, env: ParseEnvironment): StackConfig {
  if (raw.existingDps === undefined || raw.existingDps === null) {
    const c = new ConfigChecker();
    if (raw.existingDpsConnectionString !== undefined)
      c.fail("existingDpsConnectionString", "is only used together with dps-as-code:existingDps");
    if (c.problems.length > 0) throw new PlatformConfigError(c.problems);
    return { kind: "platform", platform: parsePlatformConfig(raw, env) };
  }
  const c = new ConfigChecker();
  for (const key of PLATFORM_ONLY_SETTINGS) {
    if (raw[key] !== undefined)
      c.fail(
        key,
        "is not used by an enrollments-only stack (dps-as-code:existingDps is set): its DPS and hubs are not this stack's; remove the setting",
      );
  }
  const environment = parseEnvironment(c, raw.environment);
  const enrollmentManifests = c.string(
    "enrollmentManifests",
    raw.enrollmentManifests,
    defaultManifestsFolder(environment ?? ""),
  );
  const enrollmentSets = parseEnrollmentSets(c, raw.enrollmentSets);
  const dpsLimits = parseDpsLimits(c, raw.dpsLimits);
  const certificateExpiryWarningDays = parseCertificateExpiryWarningDays(c, raw.certificateExpiryWarningDays);
  const existingDps = parseExistingDps(c, raw, env);
  if (c.problems.length > 0) throw new PlatformConfigError(c.problems);
  return {
    kind: "enrollmentsOnly",
    enrollments: {
      environment: environment!,
      enrollmentManifests: enrollmentManifests!,
      enrollmentSets,
      dpsLimits,
      certificateExpiryWarningDays,
      existingDps: existingDps!,
    },
  };
}

/**
 * What the offline tools read of a stack file (stack-file.ts), for both kinds of stack, parsed by
 * the program's own functions. The existing DPS's trusted CA file is left out: like the
 * emulator's, only a run has it.
 */
export function parseStackFileFacts(raw: RawStackConfig, env: ParseEnvironment): StackFacts {
  if (raw.existingDps === undefined || raw.existingDps === null) return parseStackFacts(raw, env);
  const existing = raw.existingDps;
  const withoutRunOnly =
    typeof existing === "object" && !Array.isArray(existing)
      ? Object.fromEntries(Object.entries(existing).filter(([key]) => key !== "trustedCaCertPath"))
      : existing;
  const config = parseStackConfig({ ...raw, existingDps: withoutRunOnly }, env);
  if (config.kind !== "enrollmentsOnly") throw new Error("unreachable: existingDps is set");
  return enrollmentStackFacts(config.enrollments);
}

function parseExistingDps(
  c: ConfigChecker,
  raw: RawStackConfig,
  env: ParseEnvironment,
): ExistingDpsConfig | undefined {
  const s = c.object("existingDps", raw.existingDps);
  if (!s) return undefined;
  c.onlyKnownKeys("existingDps", s, EXISTING_DPS_SETTINGS);
  const location = parseLocation(c, s);
  const credentials = parseCredentials(c, s.authentication, raw.existingDpsConnectionString);
  const caCertificateNames = parseCaNames(c, s.caCertificates);
  const caPath = c.string("existingDps.trustedCaCertPath", s.trustedCaCertPath);
  const trustedCaCertificate =
    caPath === undefined ? undefined : readPem(c, "existingDps.trustedCaCertPath", caPath, env);
  if (!location || !credentials) return undefined;
  return { location, credentials, caCertificateNames, trustedCaCertificate };
}

function parseLocation(c: ConfigChecker, s: Record<string, unknown>): ExistingDpsLocation | undefined {
  if ((s.serviceEndpoint === undefined) === (s.platformStack === undefined)) {
    return c.fail(
      "existingDps",
      "set exactly one of serviceEndpoint (the DPS's host name) and platformStack (the stack that created the DPS)",
    );
  }
  if (s.platformStack !== undefined) {
    const stackName = c.matching(
      "existingDps.platformStack",
      s.platformStack,
      STACK_NAME,
      "name the platform stack as <organization>/<project>/<stack>",
    );
    const hubKeys = c.list("existingDps.linkedHubs", s.linkedHubs).flatMap((v, i) => {
      const key = c.matching(
        `existingDps.linkedHubs[${i}]`,
        v,
        HUB_KEY,
        "a hub key of the platform stack's dps-as-code:hubs",
      );
      return key === undefined ? [] : [key.toLowerCase()];
    });
    if (s.linkedHubs !== undefined && !Array.isArray(s.linkedHubs)) return undefined;
    return stackName === undefined ? undefined : { kind: "platformStack", stackName, hubKeys };
  }
  const endpoint = c.string("existingDps.serviceEndpoint", s.serviceEndpoint);
  const serviceEndpoint =
    endpoint === undefined
      ? undefined
      : SERVICE_ENDPOINT.test(endpoint)
        ? endpoint
        : c.fail(
            "existingDps.serviceEndpoint",
            `${JSON.stringify(endpoint)} is not a host name; use the DPS's service endpoint without https://, e.g. "contoso.azure-devices-provisioning.net"`,
          );
  const linkedHubs = parseLinkedHubs(c, s.linkedHubs);
  return serviceEndpoint === undefined || linkedHubs === undefined
    ? undefined
    : { kind: "endpoint", serviceEndpoint, linkedHubs };
}

function parseLinkedHubs(c: ConfigChecker, value: unknown): Record<string, string> | undefined {
  const path = "existingDps.linkedHubs";
  const hint = "a map from hub key to the host name of each hub linked to the DPS";
  if (value === undefined || value === null) return c.fail(path, `is required (${hint})`);
  const map = c.object(path, value);
  if (!map) return undefined;
  const entries = Object.entries(map);
  if (entries.length > LIMITS.linkedHubs)
    c.fail(path, `${entries.length} hubs listed; a DPS links at most ${LIMITS.linkedHubs} IoT hubs`);
  const hubs: Record<string, string> = {};
  for (const [rawKey, v] of entries) {
    const p = `${path}.${rawKey}`;
    if (!HUB_KEY.test(rawKey)) {
      c.fail(p, "hub keys are 1-12 letters and digits, starting with a letter");
      continue;
    }
    const key = rawKey.toLowerCase();
    if (key in hubs) {
      c.fail(p, "is listed twice (hub keys are case-insensitive)");
      continue;
    }
    const hostName = c.requiredString(p, v, 'the hub\'s host name, e.g. "contoso-weu.azure-devices.net"');
    if (hostName !== undefined && !HOST_NAME.test(hostName))
      c.fail(p, `${JSON.stringify(hostName)} is not a host name`);
    else if (hostName !== undefined) hubs[key] = hostName;
  }
  return hubs;
}

function parseCredentials(
  c: ConfigChecker,
  value: unknown,
  connectionString: pulumi.Output<string> | undefined,
): ExistingDpsCredentials | undefined {
  if (value === undefined || value === null)
    return c.fail(
      "existingDps.authentication",
      `is required (${EXISTING_DPS_AUTHENTICATIONS.map((a) => JSON.stringify(a)).join(" or ")})`,
    );
  const kind = c.oneOf("existingDps.authentication", value, EXISTING_DPS_AUTHENTICATIONS, "entraId");
  if (kind === "entraId") {
    if (connectionString !== undefined)
      c.fail(
        "existingDpsConnectionString",
        'is set, but dps-as-code:existingDps.authentication is "entraId": remove the secret or authenticate with it',
      );
    return { kind };
  }
  if (kind === undefined) return undefined;
  if (connectionString === undefined)
    return c.fail(
      "existingDpsConnectionString",
      'is required when dps-as-code:existingDps.authentication is "connectionString" (a secret: pulumi config set --secret dps-as-code:existingDpsConnectionString; a policy with enrollment rights, never provisioningserviceowner)',
    );
  return { kind, connectionString };
}

function parseCaNames(c: ConfigChecker, value: unknown): string[] {
  const names: string[] = [];
  c.list("existingDps.caCertificates", value).forEach((v, i) => {
    const p = `existingDps.caCertificates[${i}]`;
    if (typeof v !== "string") return void c.fail(p, `expected a certificate name, got ${describe(v)}`);
    if (!CERT_NAME.test(v))
      return void c.fail(p, "certificate names are 1-64 letters, digits, '.', '_' or '-'");
    if (names.includes(v)) return void c.fail(p, `${JSON.stringify(v)} is listed twice`);
    names.push(v);
  });
  return names;
}
