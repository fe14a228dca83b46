// dps-as-code: one stack = one environment's IoT platform (hubs + DPS, on Azure or on the
// local emulator) and the enrollments its manifests declare. Configuration comes from
// Pulumi.<stack>.yaml; see README.md.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./components/config";
import { declareFleet, manifestHubCatalogue } from "./components/fleet";
import { loadEnrollmentManifests } from "./components/manifests";
import { createPlatform } from "./components/platform";

const config = loadPlatformConfig(__dirname);
const stackConfig = new pulumi.Config();
const platform = createPlatform(config);

// Pulumi runs the program from its own directory, so the manifests folder (and every
// `source` in the outputs) is relative to it.
const manifests = loadEnrollmentManifests(path.relative(process.cwd(), path.resolve(__dirname, config.enrollmentManifests)) || ".", {
  ...manifestHubCatalogue(config),
  // Certificates the local demo generates live under DPS_HOME.
  pathVariables: process.env.DPS_HOME ? { DPS_HOME: process.env.DPS_HOME } : {},
});

const fleet = declareFleet({
  manifests,
  platform: {
    dpsConnection: platform.dpsConnection,
    hubHostNames: platform.hubHostNames,
  },
  secret: (name) => stackConfig.requireSecret(name),
});

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
