/**
 * What `npm run enrollment-key` reads from a stack's state: an individual enrollment's keys from
 * its IndividualEnrollment resource (per-enrollment path) or from its set's `keys` lines (batch
 * path), its arguments, and messages that name the enrollment but never hold a key. The tool run
 * as printed, on a real stack, is in test/e2e/printed-commands.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  encodeKeys,
  ENROLLMENT_GROUP_TYPE,
  ENROLLMENT_SET_TYPE,
  INDIVIDUAL_ENROLLMENT_TYPE,
  SECRET_SIGNATURE_KEY,
} from "@dps-as-code/contract";
import { parseArguments } from "../../scripts/enrollment-key";
import { enrollmentKey, EnrollmentKeyError, keysInState } from "../../scripts/enrollment-key/keys-in-state";
import type { Deployment } from "../../scripts/recover/pending-plan";

/** A secret as `pulumi stack export --show-secrets` shows it. */
const shownSecret = (value: unknown) => ({
  [SECRET_SIGNATURE_KEY]: "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});

const KEY = (n: number) => Buffer.alloc(32, n).toString("base64");

const deployment: Deployment = {
  resources: [
    {
      urn: "urn:single",
      type: INDIVIDUAL_ENROLLMENT_TYPE,
      inputs: { registrationId: "pump-1" },
      outputs: { primaryKey: shownSecret(KEY(1)), secondaryKey: shownSecret(KEY(2)) },
    },
    {
      urn: "urn:camera",
      type: INDIVIDUAL_ENROLLMENT_TYPE,
      inputs: { registrationId: "camera-1" },
      outputs: {}, // X.509: no keys
    },
    {
      urn: "urn:group",
      type: ENROLLMENT_GROUP_TYPE,
      inputs: { enrollmentGroupId: "meters" },
      outputs: { primaryKey: shownSecret(KEY(9)), secondaryKey: shownSecret(KEY(9)) },
    },
    {
      urn: "urn:set-00",
      type: ENROLLMENT_SET_TYPE,
      inputs: { shard: "00-of-02" },
      outputs: {
        keys: shownSecret(
          encodeKeys({
            "meter-1": { primaryKey: KEY(3), secondaryKey: KEY(4) },
            "Meter-2": { primaryKey: KEY(5), secondaryKey: KEY(6) },
          }),
        ),
      },
    },
    {
      urn: "urn:set-01",
      type: ENROLLMENT_SET_TYPE,
      inputs: { shard: "01-of-02" },
      outputs: { keys: shownSecret("") },
    },
  ],
};

describe("enrollmentKey", () => {
  it.each([
    ["pump-1", "primary", KEY(1)],
    ["pump-1", "secondary", KEY(2)],
    ["meter-1", "primary", KEY(3)],
    ["meter-1", "secondary", KEY(4)],
    // DPS compares registration ids without regard to case.
    ["meter-2", "primary", KEY(5)],
    ["PUMP-1", "secondary", KEY(2)],
  ] as const)("reads %s's %s key wherever the state holds it", (id, slot, key) => {
    expect(enrollmentKey(deployment, id, slot, "lab")).toBe(key);
  });

  it("reads a set's keys in the map form stored before the lines", () => {
    const old: Deployment = {
      resources: [
        {
          urn: "urn:set",
          type: ENROLLMENT_SET_TYPE,
          outputs: { keys: shownSecret({ "meter-9": { primaryKey: KEY(7), secondaryKey: KEY(8) } }) },
        },
      ],
    };
    expect(enrollmentKey(old, "meter-9", "secondary", "lab")).toBe(KEY(8));
  });

  it.each([
    ["nobody", 'stack lab holds no symmetric keys of individual enrollment "nobody"'],
    ["camera-1", 'stack lab holds no symmetric keys of individual enrollment "camera-1"'],
    // A group's id is not an individual enrollment's.
    ["meters", "an enrollment group's keys are the stack output enrollmentGroupKeys"],
  ])("says why %s has no key", (id, message) => {
    expect(() => enrollmentKey(deployment, id, "primary", "lab")).toThrow(EnrollmentKeyError);
    expect(() => enrollmentKey(deployment, id, "primary", "lab")).toThrow(message);
  });

  it("refuses two different keys (an enrollment being handed between the paths) without printing either", () => {
    const handedOver: Deployment = {
      resources: [
        ...deployment.resources!,
        {
          urn: "urn:handed",
          type: INDIVIDUAL_ENROLLMENT_TYPE,
          inputs: { registrationId: "meter-1" },
          outputs: { primaryKey: shownSecret(KEY(10)), secondaryKey: shownSecret(KEY(4)) },
        },
      ],
    };
    expect(keysInState(handedOver, "meter-1").map((f) => f.heldBy)).toEqual(["urn:set-00", "urn:handed"]);
    // The secondary keys agree: no doubt which one DPS holds.
    expect(enrollmentKey(handedOver, "meter-1", "secondary", "lab")).toBe(KEY(4));
    let message = "";
    try {
      enrollmentKey(handedOver, "meter-1", "primary", "lab");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'stack lab holds two different primary keys of individual enrollment "meter-1" (urn:set-00 and urn:handed): it is being handed between the per-enrollment and the batch path; run `pulumi refresh -s lab` to read what DPS holds, then ask again',
    );
  });

  it("names the set and the line of unreadable keys, never their text", () => {
    const torn: Deployment = {
      resources: [
        { urn: "urn:torn", type: ENROLLMENT_SET_TYPE, outputs: { keys: shownSecret(`["a-1", "${KEY(1)}`) } },
      ],
    };
    let message = "";
    try {
      enrollmentKey(torn, "a-1", "primary", "lab");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe("urn:torn: enrollment set state: keys line 1 is not a list of strings");
    expect(message).not.toContain(KEY(1));
  });
});

describe("enrollment-key arguments", () => {
  it.each([
    [["--stack", "lab", "pump-1"], { stack: "lab", registrationId: "pump-1", slot: "primary" }],
    [["pump-1", "secondary", "-s", "lab"], { stack: "lab", registrationId: "pump-1", slot: "secondary" }],
    [["--stack", "lab"], "give the registration id of an individual enrollment"],
    [["pump-1"], "--stack is required"],
    [["--stack"], "--stack needs a value"],
    [["--stack", "lab", "pump-1", "tertiary"], 'the key slot is "tertiary"; allowed: primary, secondary'],
    [["--stack", "lab", "pump-1", "primary", "extra"], 'unexpected argument "extra"'],
    [["--stack", "lab", "--json", "pump-1"], 'unknown option "--json"'],
  ] as const)("%j", (argv, expected) => {
    expect(parseArguments(argv)).toEqual(expected);
  });
});
