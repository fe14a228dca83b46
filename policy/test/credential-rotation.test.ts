// dps-enrollment-credential-rotation: what the ledger's check() finds between two deployments
// (computed here by the same contract functions from two credential books), and the exact
// message naming the step of `npm run plan-rotation` that was skipped.
import { describe, expect, it } from "vitest";
import {
  caReferenceFingerprint,
  credentialChanges,
  type CredentialBook,
  credentialKey,
  earlyCaRetirements,
  ENROLLMENT_LEDGER_TYPE,
  keyFingerprint,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { dpsEnrollmentCredentialRotationPolicy } from "../policies/dps-enrollment-credential-rotation";
import { runResourcePolicy } from "./harness";

const KEY = {
  a: keyFingerprint("YQ=="),
  b: keyFingerprint("Yg=="),
  c: keyFingerprint("Yw=="),
  d: keyFingerprint("ZA=="),
};
const meters = credentialKey("group", "meters");
const chargers = credentialKey("group", "chargers");
const cert = (t: string) => `cert:${t}`;

const BASELINE: CredentialBook = {
  [meters]: { type: "symmetricKey", primary: KEY.a, secondary: KEY.b },
  [chargers]: { type: "x509", primary: caReferenceFingerprint("charger-ca") },
  [credentialKey("individual", "monitor-01")]: { type: "x509", primary: cert("AA") },
  [credentialKey("individual", "bench-01")]: { type: "symmetricKey" },
};

function run(
  after: CredentialBook,
  cas: { before: string[]; after: string[] } = { before: ["charger-ca"], after: ["charger-ca"] },
) {
  return runResourcePolicy(dpsEnrollmentCredentialRotationPolicy, {
    type: ENROLLMENT_LEDGER_TYPE,
    name: "enrollment-ledger",
    props: {
      credentialChanges: credentialChanges(BASELINE, after),
      earlyCaRetirements: earlyCaRetirements(
        { credentials: BASELINE, caNames: cas.before },
        { credentials: after, caNames: cas.after },
      ),
    },
  });
}
const withRecord = (key: string, record: CredentialBook[string]): CredentialBook => ({
  ...BASELINE,
  [key]: record,
});

describe("dps-enrollment-credential-rotation", () => {
  it("accepts a deployment that changes no credential", async () => {
    expect(await run(BASELINE)).toEqual({ violations: [] });
  });

  it.each([
    ["a new secondary key", withRecord(meters, { type: "symmetricKey", primary: KEY.a, secondary: KEY.c })],
    [
      "then a new primary key",
      withRecord(meters, { type: "symmetricKey", primary: KEY.d, secondary: KEY.b }),
    ],
    ["the keys swapped", withRecord(meters, { type: "symmetricKey", primary: KEY.b, secondary: KEY.a })],
    [
      "keys named for the first time (DPS generated them)",
      withRecord(credentialKey("individual", "bench-01"), {
        type: "symmetricKey",
        primary: KEY.c,
        secondary: KEY.d,
      }),
    ],
    [
      "a new CA as secondary",
      withRecord(chargers, {
        type: "x509",
        primary: caReferenceFingerprint("charger-ca"),
        secondary: caReferenceFingerprint("charger-ca-2026"),
      }),
    ],
    [
      "a new certificate as secondary",
      withRecord(credentialKey("individual", "monitor-01"), {
        type: "x509",
        primary: cert("AA"),
        secondary: cert("BB"),
      }),
    ],
    [
      "a new enrollment",
      withRecord(credentialKey("group", "new"), { type: "symmetricKey", primary: KEY.c, secondary: KEY.d }),
    ],
  ])("accepts %s", async (_, after) => {
    expect(await run(after)).toEqual({ violations: [] });
  });

  it("refuses both keys of an enrollment replaced in one update, naming the skipped step", async () => {
    expect(await run(withRecord(meters, { type: "symmetricKey", primary: KEY.c, secondary: KEY.d }))).toEqual(
      {
        violations: [
          'enrollment group "meters" replaces both its keys in one update: every device still on the current keys would be refused. ' +
            "Replace one key per deployment (npm run plan-rotation -- --stack <stack> --enrollment meters --out <folder>): " +
            'this change skipped step "replace-secondary-key" (deploy a new secondary key and move the devices to it before the primary key changes).',
        ],
      },
    );
  });

  it("refuses a group switched to a new CA without the overlap", async () => {
    expect(
      await run(withRecord(chargers, { type: "x509", primary: caReferenceFingerprint("charger-ca-2026") })),
    ).toEqual({
      violations: [
        'enrollment group "chargers" stops referencing CA "charger-ca" without keeping a CA its devices\' certificates chain to: every device whose certificate the old CA issued would be refused. ' +
          "Rotate the CA in steps (npm run plan-rotation -- --stack <stack> --enrollment chargers --kind ca --out <folder>): " +
          'this change skipped step "add-new-ca" (upload the new CA and reference it as the group\'s secondary CA, deployed before the switch).',
      ],
    });
  });

  it("refuses an individual enrollment's only certificate replaced in one update", async () => {
    expect(
      await run(withRecord(credentialKey("individual", "monitor-01"), { type: "x509", primary: cert("BB") })),
    ).toEqual({
      violations: [
        'individual enrollment "monitor-01" replaces its primary certificate in one update, keeping none its devices hold: a device still presenting the old certificate would be refused. ' +
          'Rotate in steps (npm run plan-rotation -- --stack <stack> --enrollment monitor-01 --kind certificate --out <folder>): this change skipped step "add-secondary-certificate" (the new certificate as secondary first, deployed, then promoted).',
      ],
    });
  });

  it("refuses a CA removed in the same update in which its group stops referencing it, and accepts it one deployment later", async () => {
    const overlap = withRecord(chargers, {
      type: "x509",
      primary: caReferenceFingerprint("charger-ca"),
      secondary: caReferenceFingerprint("charger-ca-2026"),
    });
    const switched = withRecord(chargers, {
      type: "x509",
      primary: caReferenceFingerprint("charger-ca-2026"),
    });
    const policyOn = (
      before: CredentialBook,
      after: CredentialBook,
      cas: { before: string[]; after: string[] },
    ) =>
      runResourcePolicy(dpsEnrollmentCredentialRotationPolicy, {
        type: ENROLLMENT_LEDGER_TYPE,
        name: "enrollment-ledger",
        props: {
          credentialChanges: credentialChanges(before, after),
          earlyCaRetirements: earlyCaRetirements(
            { credentials: before, caNames: cas.before },
            { credentials: after, caNames: cas.after },
          ),
        },
      });
    const both = ["charger-ca", "charger-ca-2026"];
    expect(await policyOn(overlap, switched, { before: both, after: ["charger-ca-2026"] })).toEqual({
      violations: [
        'DPS CA certificate "charger-ca" is removed from the stack in the same update in which enrollment group "chargers" stops referencing it: retire a CA only once no deployed group references it. ' +
          'Deploy step "switch-to-new-ca" first, then remove the CA in its own change (step "retire-old-ca" of npm run plan-rotation -- --stack <stack> --enrollment chargers --kind ca --out <folder>).',
      ],
    });
    expect(await policyOn(overlap, switched, { before: both, after: both })).toEqual({ violations: [] });
    expect(await policyOn(switched, switched, { before: both, after: ["charger-ca-2026"] })).toEqual({
      violations: [],
    });
  });

  it("is not applicable to other resources, and says so while the ledger is unknown", async () => {
    expect(
      await runResourcePolicy(dpsEnrollmentCredentialRotationPolicy, {
        type: "azure-native:iothub:IotHubResource",
        name: "hub",
        props: {},
      }),
    ).toEqual({ violations: [] });
    expect(
      await runResourcePolicy(dpsEnrollmentCredentialRotationPolicy, {
        type: ENROLLMENT_LEDGER_TYPE,
        name: "enrollment-ledger",
        props: { credentialChanges: UNKNOWN_VALUE },
      }),
    ).toEqual({
      violations: [],
      notApplicable: "the enrollment ledger is unknown during preview; checked on update",
    });
  });
});
