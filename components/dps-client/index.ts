/**
 * The DPS client part: everything that talks to a DPS service API, for the enrollment resources,
 * the local platform's admin client and the command-line tools. See README.md.
 */
export * from "./client";
export * from "./connection-string";
export { createEntraCredential } from "./entra-credential";
export * from "./errors";
export * from "./https-agent";
export * from "./retry";
export * from "./service-request";
export { createThrottleGate, sharedThrottleGate, type ThrottleGate } from "./throttle-gate";
export { classifyUnauthorized, unauthorizedAdvice, type UnauthorizedKind } from "./unauthorized";
