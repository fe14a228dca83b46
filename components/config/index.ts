export * from "./platform-config";
export { parsePlatformConfig, type RawPlatformConfig, type ParseEnvironment } from "./parse-platform-config";
export { loadPlatformConfig } from "./load-platform-config";
export { AZURE_REGIONS } from "./azure-regions";
