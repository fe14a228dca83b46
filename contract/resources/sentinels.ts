/**
 * Pulumi's markers inside resource property values, as the engine hands them to programs,
 * providers and `--json` previews (@pulumi/pulumi 3.260.0, runtime/rpc.js: `unknownValue`,
 * `specialSigKey` / `specialSecretSig`).
 */

/** The engine's placeholder for a value not known during preview. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key that marks a special value in serialized state (`{ [SECRET_SIGNATURE_KEY]: ... }`). */
export const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

/** Whether a value (or any value inside it) is the unknown placeholder. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}
