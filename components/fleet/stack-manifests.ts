// Where a stack's manifests are and what their `certificateFile` paths may refer to. The
// program passes what it knows of its process (its directory, the working directory, DPS_HOME);
// components never read process.env or the working directory themselves.
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig, StackFacts } from "../config";
import { formatProblem, loadEnrollmentManifests, type LoadedManifests } from "../manifests";
import { stackConfigWarnings, stackManifestOptions, stackManifestsFolder } from "./stack-manifest-options";

export interface StackManifestsLocation {
  /** The program's directory (`__dirname` of index.ts): the stack config's paths are relative to it. */
  readonly programDir: string;
  /** The process's working directory: paths in messages and outputs are relative to it. */
  readonly workingDir: string;
  /** `DPS_HOME`, where the local demo generates certificates that manifests name as `${DPS_HOME}/...`. */
  readonly dpsHome?: string;
}

/**
 * Loads and checks every manifest of the stack's `enrollmentManifests` folder against its hubs and
 * CA certificates (throws ManifestValidationError), and logs what DPS may refuse although nothing
 * is wrong (adjustable limits the stack would pass) as warnings of the run.
 */
export function loadStackManifests(
  config: PlatformConfig | StackFacts,
  where: StackManifestsLocation,
): LoadedManifests {
  const loaded = loadManifests(config, where);
  for (const warning of [...stackConfigWarnings(config), ...(loaded.warnings ?? []).map(formatProblem)])
    void pulumi.log.warn(warning);
  return loaded;
}

function loadManifests(config: PlatformConfig | StackFacts, where: StackManifestsLocation): LoadedManifests {
  // Pulumi runs the program from its own directory, so the folder (and every `source` in the
  // outputs) reads relative to it.
  return loadEnrollmentManifests(stackManifestsFolder(config, where.programDir, where.workingDir), {
    ...stackManifestOptions(config, { names: stackConfigKeys() }),
    pathVariables: where.dpsHome ? { DPS_HOME: where.dpsHome } : {},
    // Certificate files stay inside the repository (the program's directory).
    repositoryRoot: where.programDir,
  });
}

/** The stack's config keys in this project's namespace, without the `dps-as-code:` prefix. */
function stackConfigKeys(): string[] {
  const prefix = `${pulumi.getProject()}:`;
  return Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
}
