import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import YAML from "yaml";
import { DpsError } from "./errors";
import { parseAllocationSettings } from "./model/settings";
import { base64ByteLength, generateSymmetricKey, MAX_KEY_BYTES, MIN_KEY_BYTES } from "./model/values";
import type { EmulatorConfig } from "./options";
import { ACCESS_RIGHTS, type AccessPolicy, type AccessRight, type DpsSettings } from "./state/types";

/** Thrown for a bad config file or config object; names the file and the field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const ID_SCOPE = /^0ne[0-9A-Fa-f]{8}$/;
const POLICY_NAME = /^[A-Za-z0-9\-._]{1,64}$/;

/** The policy the connection string of `startEmulator` uses: all rights, as on Azure. */
export const OWNER_POLICY = "provisioningserviceowner";

/** Default policies: the owner of a new DPS, plus two narrower ones that tests and demos use. */
const DEFAULT_POLICIES: Array<{ name: string; rights: AccessRight[] }> = [
  { name: OWNER_POLICY, rights: [...ACCESS_RIGHTS] },
  { name: "enrollmentread", rights: ["EnrollmentRead", "RegistrationStatusRead"] },
  {
    name: "enrollmentwrite",
    rights: ["EnrollmentRead", "EnrollmentWrite", "RegistrationStatusRead", "RegistrationStatusWrite"],
  },
];

export function loadConfigFile(path: string): EmulatorConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(
      `${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    const parsed: unknown = [".yaml", ".yml"].includes(extname(path).toLowerCase())
      ? YAML.parse(text)
      : JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("the top level must be an object");
    return parsed as EmulatorConfig;
  } catch (e) {
    throw new ConfigError(
      `${path}: not valid ${extname(path) === ".json" ? "JSON" : "JSON or YAML"}: ${(e as Error).message}`,
    );
  }
}

export function generateIdScope(): string {
  return `0ne${randomBytes(4).toString("hex").toUpperCase()}`;
}

/**
 * DPS settings from config over what was stored: the config file is applied at every start
 * (fields it leaves out keep their stored value); the admin API changes them at run time.
 */
export function resolveSettings(
  config: EmulatorConfig,
  stored: DpsSettings | undefined,
  where: string,
): DpsSettings {
  if (config.idScope !== undefined && !ID_SCOPE.test(config.idScope)) {
    throw new ConfigError(
      `${where}: idScope ${JSON.stringify(config.idScope)} is invalid; expected "0ne" and 8 hex digits, such as 0ne00000A1B`,
    );
  }
  const base: DpsSettings = stored ?? {
    idScope: generateIdScope(),
    allocationPolicy: "hashed",
    linkedHubs: [],
  };
  try {
    const allocation = parseAllocationSettings(config, where, base);
    return { idScope: config.idScope ?? base.idScope, ...allocation };
  } catch (e) {
    if (e instanceof DpsError) throw new ConfigError(e.message);
    throw e;
  }
}

/** Policies from config (keys generated when left out, and kept across restarts), else the defaults. */
export function resolvePolicies(
  config: EmulatorConfig,
  stored: readonly AccessPolicy[] | undefined,
  where: string,
): AccessPolicy[] {
  const wanted = config.policies ?? (stored ? undefined : DEFAULT_POLICIES);
  if (!wanted) return [...(stored ?? [])];
  if (!Array.isArray(wanted) || wanted.length === 0)
    throw new ConfigError(`${where}: policies must be a non-empty array`);
  const names = new Set<string>();
  return wanted.map((p, i) => {
    const at = `${where}: policies[${i}]`;
    if (typeof p?.name !== "string" || !POLICY_NAME.test(p.name)) {
      throw new ConfigError(
        `${at}.name is ${JSON.stringify(p?.name)}; allowed: 1 to 64 letters, digits, '-', '.', '_'`,
      );
    }
    if (p.name.toLowerCase() === "registration")
      throw new ConfigError(`${at}.name "registration" is reserved for device tokens`);
    if (names.has(p.name.toLowerCase())) throw new ConfigError(`${at}.name ${p.name} is listed twice`);
    names.add(p.name.toLowerCase());
    if (
      !Array.isArray(p.rights) ||
      p.rights.length === 0 ||
      p.rights.some((r) => !ACCESS_RIGHTS.includes(r))
    ) {
      throw new ConfigError(
        `${at}.rights is ${JSON.stringify(p.rights)}; allowed: a non-empty list of ${ACCESS_RIGHTS.join(", ")}`,
      );
    }
    const old = stored?.find((s) => s.name.toLowerCase() === p.name.toLowerCase());
    const key = (value: string | undefined, slot: string, fallback: string | undefined) => {
      if (value === undefined) return fallback ?? generateSymmetricKey();
      const bytes = base64ByteLength(value);
      if (bytes === undefined || bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
        throw new ConfigError(`${at}.${slot} must be base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
      }
      return value;
    };
    const policy = p as { name: string; rights: AccessRight[]; primaryKey?: string; secondaryKey?: string };
    return {
      name: policy.name,
      rights: [...new Set(policy.rights)],
      primaryKey: key(policy.primaryKey, "primaryKey", old?.primaryKey),
      secondaryKey: key(policy.secondaryKey, "secondaryKey", old?.secondaryKey),
    };
  });
}
