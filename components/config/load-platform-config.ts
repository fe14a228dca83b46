import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./enrollment-stack-config";
import { parsePlatformConfig, type ParseEnvironment } from "./parse-platform-config";
import { parseStackConfig, type RawStackConfig } from "./parse-stack-config";
import { CONFIG_NAMESPACE, type PlatformConfig } from "./platform-config";

/**
 * Reads the platform's stack config (`dps-as-code:*`) and validates it.
 * This is the program's only reader of platform config: components get typed values.
 *
 * Relative file paths in config (CA certificates) are resolved from `baseDir` (index.ts passes
 * the program's directory), so a stack behaves the same from any working directory.
 */
export function loadPlatformConfig(baseDir: string): PlatformConfig {
  return parsePlatformConfig(readRawStackConfig(), fileReader(baseDir));
}

/**
 * Reads the stack's config and validates it: a platform stack, or an enrollments-only stack when
 * `dps-as-code:existingDps` is set. Paths resolve from `baseDir`, as in `loadPlatformConfig`.
 */
export function loadStackConfig(baseDir: string): StackConfig {
  return parseStackConfig(readRawStackConfig(), fileReader(baseDir));
}

function fileReader(baseDir: string): ParseEnvironment {
  return { readTextFile: (file) => fs.readFileSync(path.resolve(baseDir, file), "utf8") };
}

function readRawStackConfig(): RawStackConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  return {
    environment: config.get("environment"),
    target: config.get("target"),
    location: config.get("location"),
    namePrefix: config.get("namePrefix"),
    resourceGroupName: config.get("resourceGroupName"),
    hubs: config.getObject("hubs"),
    dps: config.getObject("dps"),
    tags: config.getObject("tags"),
    enrollmentManifests: config.get("enrollmentManifests"),
    enrollmentSets: config.getObject("enrollmentSets"),
    dpsLimits: config.getObject("dpsLimits"),
    // getObject: a YAML number reaches the program as its text ("90"); JSON gives the number back.
    certificateExpiryWarningDays: config.getObject("certificateExpiryWarningDays"),
    emulator: config.getObject("emulator"),
    existingDps: config.getObject("existingDps"),
    adoptPlatform: config.getObject("adoptPlatform"),
    // Read as secrets so the values never leave the secret Outputs they arrive in.
    emulatorConnectionString: config.getSecret("emulatorConnectionString"),
    existingDpsConnectionString: config.getSecret("existingDpsConnectionString"),
  };
}
