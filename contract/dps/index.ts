/**
 * Rules of DPS and IoT Hub: vocabulary, limits, id rules, certificates, connection strings,
 * twin rules, allocation rules. One question, one answer, for the stack config, the manifest
 * loader, the enrollment resources and the local platform; each rule cites its public source.
 *
 * Pure: plain functions and data, no module-scope imports of anything but this folder, so the
 * dynamic providers can serialise it (see components/enrollments/provider.ts).
 */
export * from "./allocation";
export * from "./base64";
export * from "./certificates";
export * from "./connection-string";
export * from "./custom-allocation";
export * from "./ids";
export * from "./limits";
export * from "./shapes";
export * from "./twin";
export * from "./vocabulary";
