/**
 * Rules of DPS and IoT Hub: vocabulary, limits, id rules, certificates, connection strings,
 * twin rules, allocation rules. One question, one answer, for the stack config, the manifest
 * loader, the enrollment resources and the local platform; each rule cites its public source.
 *
 * Pure: plain functions and data, importing nothing but this folder and Node's built-ins, so every
 * part of the project (the policy pack included) can take it.
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
