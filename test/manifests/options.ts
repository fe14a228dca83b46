import * as path from "node:path";
import type { LoadManifestOptions } from "../../components/manifests";

/** Two linked hubs known by key, a pinned clock, and the fixtures folder as a path variable. */
export const CORPUS_OPTIONS: LoadManifestOptions = {
  hubs: { weu: "hub-weu.example.net", neu: "hub-neu.example.net" },
  linkedHubs: ["hub-weu.example.net", "hub-neu.example.net"],
  now: new Date("2025-06-01T00:00:00Z"),
  pathVariables: { FIXTURES: path.resolve(__dirname, "../fixtures") },
};
