// Credential rotation: the steps (one credential per deployment), the fingerprints the enrollment
// ledger keeps, the rule that refuses a change locking devices out, and which held certificates
// expire soon (with the plan that replaces each). Shared by the plan
// (`npm run plan-rotation`), the ledger's provider and the policy pack.
export * from "./steps";
export * from "./credentials";
export * from "./lockout";
export * from "./expiry";
