export * from "./platform-config";
export * from "./enrollment-stack-config";
export { parsePlatformConfig, type RawPlatformConfig, type ParseEnvironment } from "./parse-platform-config";
export { parseStackConfig, type RawStackConfig } from "./parse-stack-config";
export { loadPlatformConfig, loadStackConfig } from "./load-platform-config";
export { AZURE_REGIONS } from "./azure-regions";
