/**
 * Device keys for symmetric-key enrollment groups: each device's key is
 * base64(HMAC-SHA256(key = base64decode(groupKey), message = utf8(registrationId))), the same
 * computation as `az iot dps enrollment-group compute-device-key` and the DPS documentation.
 *
 * Rotating a group key changes every derived key: see README.md, "Rotating keys".
 */
import * as crypto from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { decodeStrictBase64, isValidEnrollmentId, SYMMETRIC_KEY_BYTES } from "@dps-as-code/contract";

/** The device key for `registrationId` in a group whose key is `groupKey`. Throws without echoing the key. */
export function deriveDeviceKey(groupKey: string, registrationId: string): string {
  const key = decodeStrictBase64(groupKey.trim());
  if (!key || key.length < SYMMETRIC_KEY_BYTES.min || key.length > SYMMETRIC_KEY_BYTES.max) {
    throw new Error(
      `group key (value hidden: secret) must be base64 of ${SYMMETRIC_KEY_BYTES.min} to ${SYMMETRIC_KEY_BYTES.max} bytes, as DPS holds it (the group's primaryKey or secondaryKey)`,
    );
  }
  if (!isValidEnrollmentId(registrationId)) {
    throw new Error(
      `registration id "${registrationId}" is not valid: use 1 to 128 characters from letters, digits, '-', '.', '_' and ':', starting with a letter or digit and ending with a letter, digit or '-'`,
    );
  }
  return crypto.createHmac("sha256", key).update(registrationId, "utf8").digest("base64");
}

/** The same as a secret Output, for handing device keys to Key Vault or a factory without plain state. */
export function deriveDeviceKeyOutput(
  groupKey: pulumi.Input<string>,
  registrationId: pulumi.Input<string>,
): pulumi.Output<string> {
  // Loaded here, not with the module: the derive-device-key command uses deriveDeviceKey without
  // Pulumi's runtime, which takes seconds to load.
  const pulumiSdk = require("@pulumi/pulumi") as typeof pulumi;
  return pulumiSdk.secret(
    pulumiSdk.all([groupKey, registrationId]).apply(([key, id]) => deriveDeviceKey(key, id)),
  );
}
