/**
 * Id rules. Registration ids and enrollment group ids: "a case-insensitive string (up to 128
 * characters long) of alphanumeric characters plus the special characters: '-', '.', '_', ':'.
 * The last character must be alphanumeric or dash ('-')" (learn.microsoft.com/azure/iot-dps/concepts-service;
 * the device spec adds "No special characters allowed at start"; the 2021-10-01 swagger regex is
 * broken, see docs/dps-contracts.md §5). IoT Hub device ids: case-sensitive, up to 128 ASCII
 * characters from letters, digits and `- : . + % _ # * ? ! ( ) , = @ ; $ '`
 * (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry#device-identity-properties).
 */
import { MAX_ID_LENGTH } from "./limits";

export const ENROLLMENT_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9-])?$/;
/** The same rule in words, for every message and the JSON Schema's `x-allowed`. */
export const ENROLLMENT_ID_RULE =
  "1-128 characters: letters, digits, '-', '.', '_', ':'; first a letter or digit, last a letter, digit or '-'";

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$/;
export const DEVICE_ID_RULE = "1-128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '";

export function isValidEnrollmentId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && ENROLLMENT_ID_PATTERN.test(id);
}

export function isValidDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

/** DPS compares ids case-insensitively: maps of ids are keyed by this form. */
export function enrollmentIdKey(id: string): string {
  return id.toLowerCase();
}
