export * from "./platform-config";
export * from "./enrollment-stack-config";
export {
  parsePlatformConfig,
  parseStackFacts,
  type RawPlatformConfig,
  type ParseEnvironment,
} from "./parse-platform-config";
export { parseStackConfig, type RawStackConfig } from "./parse-stack-config";
export { loadPlatformConfig, loadStackConfig } from "./load-platform-config";
export { AZURE_REGIONS } from "./azure-regions";
// The offline tools import stack-file.ts itself: this index loads Pulumi (load-platform-config.ts).
export {
  readStackFile,
  stackFileName,
  type StackFile,
  type StackFileProblem,
  type StackFileRead,
} from "./stack-file";
