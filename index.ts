// dps-as-code: one stack = one environment's IoT platform (hubs + DPS, on Azure or on the
// local emulator) and the enrollments its manifests declare. Configuration comes from
// Pulumi.<stack>.yaml; see README.md. This file only reads the process (its directory, the
// working directory, DPS_HOME) and names the outputs: components/fleet does the rest.
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./components/config";
import { declareFleet, loadStackManifests } from "./components/fleet";
import { createPlatform } from "./components/platform";

const config = loadPlatformConfig(__dirname);
const stackConfig = new pulumi.Config();
const platform = createPlatform(config);
const manifests = loadStackManifests(config, {
  programDir: __dirname,
  workingDir: process.cwd(),
  dpsHome: process.env.DPS_HOME,
});
const fleet = declareFleet({
  manifests,
  platform: {
    dpsConnection: platform.dpsConnection,
    hubHostNames: platform.hubHostNames,
    caCertificates: platform.caCertificates,
    caCertificatePems: config.dps.caCertificates,
  },
  secret: (name) => stackConfig.requireSecret(name),
  enrollmentSets: config.enrollmentSets,
});

export const environment = config.environment;
export const idScope = platform.idScope;
export const serviceEndpoint = platform.serviceEndpoint;
export const deviceEndpoint = platform.deviceEndpoint;
export const linkedHubs = platform.linkedHubHostNames;
export const enrollments = fleet.summary;
/** Group keys of symmetric-key groups (secret): derive device keys with scripts/derive-device-key.ts. */
export const enrollmentGroupKeys = fleet.enrollmentGroupKeys;
/** DPS-held keys of symmetric-key individual enrollments (secret), from both paths. */
export const individualEnrollmentKeys = fleet.individualEnrollmentKeys;
