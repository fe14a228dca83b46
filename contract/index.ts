/**
 * The one contract of dps-as-code, imported by the components, the policy pack, the reports and the
 * command-line tools (README.md in this folder says what lives where). Pure: Node built-ins only,
 * so a dynamic provider's process and the policy pack load it as they are.
 */
export * from "./dps";
export * from "./choice";
export * from "./resources";
export * from "./rotation";
