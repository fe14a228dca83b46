import * as path from "node:path";
import { ManifestValidationError, type LoadManifestOptions } from "../../components/manifests";

// Manifest loader options and assertions shared by the manifest tests.

/** Two linked hubs known by key, a pinned clock, and the fixtures folder as a path variable. */
export const CORPUS_OPTIONS: LoadManifestOptions = {
  hubs: { weu: "hub-weu.example.net", neu: "hub-neu.example.net" },
  linkedHubs: ["hub-weu.example.net", "hub-neu.example.net"],
  now: new Date("2025-06-01T00:00:00Z"),
  pathVariables: { FIXTURES: path.resolve(__dirname, "../fixtures") },
};

/** The problem lines of the ManifestValidationError that `run` must throw. */
export function manifestProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestValidationError) return error.lines;
    throw error;
  }
  throw new Error("expected a ManifestValidationError");
}
