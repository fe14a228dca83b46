// The resources' contract: type tokens, the kinds of enrollment, the stored shapes and their
// decoders, the set-entry view, field catalogues and Pulumi's sentinels (README.md of the contract).
export * from "./tokens";
export * from "./kinds";
export * from "./sentinels";
export * from "./fields";
export * from "./enrollment";
export * from "./enrollment-set";
export * from "./set-entries";
export * from "./packed-text";
export * from "./set-stored-form";
export * from "./set-text";
export * from "./ledger-lines";
export * from "./ledger-digests";
export * from "./provider-reference";
