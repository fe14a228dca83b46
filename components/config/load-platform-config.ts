import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "./parse-platform-config";
import { CONFIG_NAMESPACE, type PlatformConfig } from "./platform-config";

/**
 * Reads the platform's stack config (`dps-as-code:*`) and validates it.
 * This is the program's only reader of platform config: components get typed values.
 *
 * Relative file paths in config (CA certificates) are resolved from `baseDir` (index.ts passes
 * the program's directory), so a stack behaves the same from any working directory.
 */
export function loadPlatformConfig(baseDir: string): PlatformConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  return parsePlatformConfig(
    {
      environment: config.get("environment"),
      target: config.get("target"),
      location: config.get("location"),
      namePrefix: config.get("namePrefix"),
      resourceGroupName: config.get("resourceGroupName"),
      hubs: config.getObject("hubs"),
      dps: config.getObject("dps"),
      tags: config.getObject("tags"),
      enrollmentManifests: config.get("enrollmentManifests"),
      emulator: config.getObject("emulator"),
      // Read as a secret so the value never leaves the secret Output it arrives in.
      emulatorConnectionString: config.getSecret("emulatorConnectionString"),
    },
    { readTextFile: (file) => fs.readFileSync(path.resolve(baseDir, file), "utf8") },
  );
}
