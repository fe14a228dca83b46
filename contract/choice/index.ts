// Individual enrollment or enrollment group: the project's rules, shared by the policy pack and
// the program's tools (pure; Node built-ins only). See README.md, "Choosing individual or group
// enrollments".
export * from "./advice";
export * from "./coverage";
export * from "./enrollment-view";
export * from "./settings";
export * from "./ledger-record";
export * from "./resource-views";
export {
  deviceCertificateFacts,
  issuedBy,
  issuedByFacts,
  issuerName,
  publicKeySha256,
  type DeviceCertificateFacts,
} from "./certificates";
