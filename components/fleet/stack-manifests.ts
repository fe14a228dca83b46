// Where a stack's manifests are and what their `certificateFile` paths may refer to. The
// program passes what it knows of its process (its directory, the working directory, DPS_HOME);
// components never read process.env or the working directory themselves.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentStackConfig, PlatformConfig } from "../config";
import { loadEnrollmentManifests, type LoadedManifests, type LoadManifestOptions } from "../manifests";
import { existingDpsHubCatalogue, manifestHubCatalogue } from "./hub-names";

export interface StackManifestsLocation {
  /** The program's directory (`__dirname` of index.ts): the stack config's paths are relative to it. */
  readonly programDir: string;
  /** The process's working directory: paths in messages and outputs are relative to it. */
  readonly workingDir: string;
  /** `DPS_HOME`, where the local demo generates certificates that manifests name as `${DPS_HOME}/...`. */
  readonly dpsHome?: string;
}

/** Loads and checks every manifest of the stack's `enrollmentManifests` folder against its hubs and CA certificates (throws ManifestValidationError). */
export function loadStackManifests(config: PlatformConfig, where: StackManifestsLocation): LoadedManifests {
  return loadManifestsFolder(config.enrollmentManifests, where, {
    ...manifestHubCatalogue(config),
    // Every CA the stack declares, uploaded or already in the DPS: caReferences must name one.
    caCertificates: [
      ...config.dps.caCertificates.map((c) => c.name),
      ...config.dps.existingCaCertificateNames,
    ],
  });
}

/** The same for an enrollments-only stack: hubs and CAs are those `existingDps` declares on the DPS. */
export function loadEnrollmentStackManifests(
  config: EnrollmentStackConfig,
  where: StackManifestsLocation,
): LoadedManifests {
  return loadManifestsFolder(config.enrollmentManifests, where, {
    ...existingDpsHubCatalogue(config.existingDps.location),
    caCertificates: [...config.existingDps.caCertificateNames],
  });
}

function loadManifestsFolder(
  configuredFolder: string,
  where: StackManifestsLocation,
  stackFacts: Pick<LoadManifestOptions, "hubs" | "linkedHubs" | "caCertificates">,
): LoadedManifests {
  // Pulumi runs the program from its own directory, so the folder (and every `source` in the
  // outputs) reads relative to it.
  const folder = path.relative(where.workingDir, path.resolve(where.programDir, configuredFolder)) || ".";
  return loadEnrollmentManifests(folder, {
    ...stackFacts,
    pathVariables: where.dpsHome ? { DPS_HOME: where.dpsHome } : {},
    // Certificate files stay inside the repository (the program's directory).
    repositoryRoot: where.programDir,
    // Names the manifests' `...Secret` fields may use: the stack's own config keys.
    stackSecrets: { names: stackConfigKeys() },
  });
}

/** The stack's config keys in this project's namespace, without the `dps-as-code:` prefix. */
function stackConfigKeys(): string[] {
  const prefix = `${pulumi.getProject()}:`;
  return Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
}
