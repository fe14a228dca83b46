// dps-as-code: one stack = one environment's IoT platform (hubs + DPS, on Azure or on the
// local emulator) and the enrollments its manifests declare. Configuration comes from
// Pulumi.<stack>.yaml; see README.md.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./components/config";
import { declareFleet, manifestHubNames } from "./components/fleet";
import { loadEnrollmentManifests } from "./components/manifests";
import { createPlatform } from "./components/platform";

const config = loadPlatformConfig(__dirname);
const stackConfig = new pulumi.Config();
const platform = createPlatform(config);
const hubNames = manifestHubNames(config);

// Pulumi runs the program from its own directory, so the manifests folder (and every
// `source` in the outputs) is relative to it.
const manifests = loadEnrollmentManifests(path.relative(process.cwd(), path.resolve(__dirname, config.enrollmentManifests)) || ".", {
  hubs: hubNames.hubs,
  linkedHubs: hubNames.linkedHubs,
  caCertificates: [...config.dps.caCertificates.map((c) => c.name), ...config.dps.existingCaCertificateNames],
  // Certificates the local demo generates live under DPS_HOME.
  pathVariables: process.env.DPS_HOME ? { DPS_HOME: process.env.DPS_HOME } : {},
  repositoryRoot: __dirname,
  // Names the manifests' `...Secret` fields may use: the stack's own config keys.
  stackSecrets: { names: stackConfigKeys() },
});

const fleet = declareFleet({
  manifests,
  platform: {
    dpsConnection: platform.dpsConnection,
    linkedHubHostNames: platform.linkedHubHostNames,
    hubKeys: hubNames.unresolvedHubKeys,
    caCertificates: platform.caCertificates,
    caCertificatePems: config.dps.caCertificates,
  },
  secret: (name) => stackConfig.requireSecret(name),
});

/** The stack's config keys in this project's namespace, without the `dps-as-code:` prefix. */
function stackConfigKeys(): string[] {
  const prefix = `${pulumi.getProject()}:`;
  return Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
}

export const environment = config.environment;
export const idScope = platform.idScope;
export const serviceEndpoint = platform.serviceEndpoint;
export const deviceEndpoint = platform.deviceEndpoint;
export const linkedHubs = platform.linkedHubHostNames;
export const enrollments = fleet.summary;
/** Group keys of symmetric-key groups (secret): derive device keys with scripts/derive-device-key.ts. */
export const enrollmentGroupKeys = pulumi.secret(
  pulumi.all(
    Object.fromEntries(
      Object.entries(fleet.enrollmentGroups).map(([id, group]) => [id, pulumi.all({ primaryKey: group.primaryKey, secondaryKey: group.secondaryKey })]),
    ),
  ),
);
/** DPS-held keys of symmetric-key individual enrollments (secret). */
export const individualEnrollmentKeys = pulumi.secret(
  pulumi.all(
    Object.fromEntries(
      Object.entries(fleet.individualEnrollments).map(([id, enrollment]) => [
        id,
        pulumi.all({ primaryKey: enrollment.primaryKey, secondaryKey: enrollment.secondaryKey }),
      ]),
    ),
  ),
);
