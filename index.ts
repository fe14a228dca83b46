// dps-as-code: one stack = one environment's IoT platform (hubs + DPS, on Azure or on the
// local emulator; created, or adopted with `dps-as-code:adoptPlatform`) and the enrollments its
// manifests declare; or, with `dps-as-code:existingDps`, only the enrollments of a DPS the stack
// did not create (docs/existing-dps.md). Configuration
// comes from Pulumi.<stack>.yaml; see README.md. This file only reads the process (its
// directory, the working directory, DPS_HOME) and names the outputs: components/fleet does the rest.
import * as pulumi from "@pulumi/pulumi";
import {
  enrollmentStackFacts,
  type EnrollmentStackConfig,
  loadStackConfig,
  type PlatformConfig,
} from "./components/config";
import { declareFleet, existingDps, loadStackManifests } from "./components/fleet";
import { createPlatform } from "./components/platform";
import { fastProtobufStrings } from "./components/protobuf-strings";
import { boundSdkDebugLog } from "./components/sdk-debug-log";
import { plainPromiseStacks } from "./components/sdk-promise-stacks";

// Before any resource: the SDK's debug messages carry every resource's outputs (sdk-debug-log.ts),
// and each set's texts cross to the engine as protobuf strings (protobuf-strings.js).
boundSdkDebugLog();
fastProtobufStrings(__dirname);
// And the stack traces the SDK records for its promises are formatted without source maps (sdk-promise-stacks.ts).
plainPromiseStacks();

const config = loadStackConfig(__dirname);
const stackConfig = new pulumi.Config();
const where = { programDir: __dirname, workingDir: process.cwd(), dpsHome: process.env.DPS_HOME };
const secret = (name: string) => stackConfig.requireSecret(name);

/** A stack that creates its platform (hubs + DPS) and manages the enrollments on it. */
function platformStack(platformConfig: PlatformConfig) {
  const platform = createPlatform(platformConfig);
  return {
    environment: platformConfig.environment,
    manifests: loadStackManifests(platformConfig, where),
    enrollmentSets: platformConfig.enrollmentSets,
    fleetPlatform: {
      dpsConnection: platform.dpsConnection,
      hubHostNames: platform.hubHostNames,
      caCertificates: platform.caCertificates,
      caCertificatePems: platformConfig.dps.caCertificates,
    },
    outputs: platform,
  };
}

/** An enrollments-only stack: it declares no platform resource, its DPS is someone else's. */
function enrollmentsOnlyStack(enrollmentsConfig: EnrollmentStackConfig) {
  const dps = existingDps(enrollmentsConfig);
  return {
    environment: enrollmentsConfig.environment,
    manifests: loadStackManifests(enrollmentStackFacts(enrollmentsConfig), where),
    enrollmentSets: enrollmentsConfig.enrollmentSets,
    fleetPlatform: dps.fleetPlatform,
    outputs: { ...dps, hubHostNames: dps.fleetPlatform.hubHostNames },
  };
}

const target =
  config.kind === "platform" ? platformStack(config.platform) : enrollmentsOnlyStack(config.enrollments);
const fleet = declareFleet({
  manifests: target.manifests,
  platform: target.fleetPlatform,
  secret,
  enrollmentSets: target.enrollmentSets,
});

export const environment = target.environment;
export const idScope = target.outputs.idScope;
export const serviceEndpoint = target.outputs.serviceEndpoint;
export const deviceEndpoint = target.outputs.deviceEndpoint;
export const linkedHubs = target.outputs.linkedHubHostNames;
/** Hub key -> host name of every linked hub: what enrollment stacks read from a platform stack. */
export const hubHostNames = target.outputs.hubHostNames;
/** One row per enrollment of the per-enrollment path and per group (the batch path's are counted in batchedEnrollments). */
export const enrollments = fleet.summary;
/** The batch path: per shard, how many enrollments its set holds and from which manifest files. */
export const batchedEnrollments = fleet.batchSummary;
/** Group keys of symmetric-key groups (secret): derive device keys with scripts/derive-device-key.ts. */
export const enrollmentGroupKeys = fleet.enrollmentGroupKeys;
/**
 * DPS-held keys of the per-enrollment path's symmetric-key individual enrollments (secret). Any
 * individual enrollment's key, batched ones too: `npm run --silent enrollment-key -- --stack <s> <id>`.
 */
export const individualEnrollmentKeys = fleet.individualEnrollmentKeys;
