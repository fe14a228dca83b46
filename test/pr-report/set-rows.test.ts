// An EnrollmentSet step expands into the rows its entries would have as IndividualEnrollment
// resources. Each reviewed change the engine really printed (test/fixtures/preview-json) is
// re-expressed as set steps (as-enrollment-sets.ts) and must give the identical report.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildPrReport } from "../../scripts/pr-report/index";
import { asEnrollmentSets, SET_TYPE } from "../../testkit/preview-json/as-enrollment-sets";
import type { ScenarioName } from "../fixtures/preview-json/scenarios";
import { encodeSetEntries, SECRET_SIGNATURE_KEY, UNKNOWN_VALUE } from "@dps-as-code/contract";

const fixtures = path.resolve(__dirname, "../fixtures/preview-json");
const previewOf = (name: ScenarioName) => fs.readFileSync(path.join(fixtures, `${name}.json`), "utf8");
const report = (previewJson: string, eventLog?: string) =>
  buildPrReport([{ stack: "local", previewJson, ...(eventLog !== undefined ? { eventLog } : {}) }]);
const SET_PREFIX = `urn:pulumi:gitops::dps-as-code::${SET_TYPE}::enrollment-set-`;

/** One set step by hand, for the cases the fixtures do not hold. */
function setPreview(
  op: string,
  olds: Record<string, unknown> | undefined | string,
  news: Record<string, unknown> | undefined | string,
): string {
  const state = (enrollments: unknown) =>
    enrollments === undefined
      ? null
      : {
          type: SET_TYPE,
          urn: `${SET_PREFIX}0-of-1`,
          inputs: { dps: "[secret]", linkedHubs: ["hub-a.azure-devices.net"], shard: "0-of-1", enrollments },
        };
  return JSON.stringify({
    steps: [{ op, urn: `${SET_PREFIX}0-of-1`, oldState: state(olds), newState: state(news) }],
  });
}

describe("pr-report rows for enrollment sets", () => {
  // `rename` is left out on purpose: previousIds are resource aliases, which a set entry has no
  // use for, so a rename inside a set is a delete of the old id and a create of the new one.
  // `update-without-sames` too: a set's step always carries the whole set.
  it.each(["create", "no-change", "update", "replace", "delete", "adopt"] as const)(
    "gives the %s change the same rows whether the enrollments are resources or set entries",
    (name) => {
      const perEnrollment = previewOf(name);
      for (const form of ["map", "text"] as const)
        for (const shards of [1, 2]) {
          const inSets = asEnrollmentSets(perEnrollment, shards, { form });
          expect(inSets).toContain(SET_TYPE);
          expect(report(inSets)).toBe(report(perEnrollment));
        }
    },
  );

  it("reads entries sent as one text, with hubs named by key, as the map", () => {
    const text = asEnrollmentSets(previewOf("update"), 1, { form: "text" });
    const step = (
      JSON.parse(text) as { steps: { urn: string; newState: { inputs: Record<string, unknown> } }[] }
    ).steps.find((s) => s.urn.includes(SET_TYPE))!;
    expect(typeof step.newState.inputs["enrollments"]).toBe("string");
    expect(step.newState.inputs["enrollments"]).not.toContain(".azure-devices.net");
    expect(Object.keys(step.newState.inputs["hubHostNames"] as object).length).toBeGreaterThan(0);
    expect(report(text)).toBe(report(asEnrollmentSets(previewOf("update"), 1)));
  });

  it("shows hub keys, and says why, while the host names are known only at update", () => {
    const entry = (hubs: string[]) => ({
      attestation: { type: "x509" },
      iotHubs: hubs,
      allocationPolicy: "static",
    });
    const json = JSON.parse(
      setPreview(
        "update",
        encodeSetEntries({ "dev-1": entry(["weu"]), "dev-2": entry(["weu"]) } as never),
        encodeSetEntries({ "dev-1": entry(["weu"]), "dev-2": entry(["neu"]) } as never),
      ),
    ) as {
      steps: {
        oldState: { inputs: Record<string, unknown> };
        newState: { inputs: Record<string, unknown> };
      }[];
    };
    json.steps[0]!.oldState.inputs["hubHostNames"] = { weu: "hub-a.azure-devices.net" };
    json.steps[0]!.newState.inputs["hubHostNames"] = { weu: UNKNOWN_VALUE, neu: "hub-b.azure-devices.net" };
    const out = report(JSON.stringify(json));
    expect(out).toContain("**1 to update, 1 unchanged.**");
    expect(out).toContain('| `iotHubs` | `["weu"]` | `["neu"]` |');
    expect(out).toContain(
      "Enrollment set `enrollment-set-0-of-1` (update): the hub host names of `weu` are known only when the update runs (a hub is created, replaced or updated in this change); its rows show hub keys.",
    );
    // Known on both sides, a key resolves to its host name: a moved hub is an iotHubs update.
    json.steps[0]!.newState.inputs["hubHostNames"] = {
      weu: "hub-c.azure-devices.net",
      neu: "hub-b.azure-devices.net",
    };
    const moved = report(JSON.stringify(json));
    expect(moved).toContain('| `iotHubs` | `["hub-a.azure-devices.net"]` | `["hub-c.azure-devices.net"]` |');
    expect(moved).toContain("**2 to update.**");
    expect(moved).not.toContain("known only when the update runs");
  });

  it("shows an edited entry field by field, old -> new", () => {
    const out = report(asEnrollmentSets(previewOf("update"), 1));
    expect(out).toContain("| ✏️ | update | enrollment | `gw-device-001` | 1 |");
    expect(out).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
    expect(out).toContain("**1 to update, 2 unchanged.**");
  });

  it("replaces an entry within the set when its attestation type changes, as the resource's diff does", () => {
    const out = report(asEnrollmentSets(previewOf("replace"), 1));
    expect(out).toContain("| 🔁 | replace | enrollment | `gw-device-001` | 2 |");
    expect(out).toContain("Replaced because `attestation` cannot change in place");
    expect(out).toContain("| `attestation.type` | `symmetricKey` | `tpm` |");
  });

  it("creates, updates and deletes entries of one set step, and masks their secrets", () => {
    const key = Buffer.alloc(32, 9).toString("base64");
    const secret = { [SECRET_SIGNATURE_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: key };
    const kept = {
      attestation: { type: "x509" },
      iotHubs: ["hub-a.azure-devices.net"],
      allocationPolicy: "static",
    };
    const out = report(
      setPreview(
        "update",
        {
          "dev-1": kept,
          "dev-2": { ...kept, provisioningStatus: "enabled" },
          "dev-3": { attestation: { type: "symmetricKey", symmetricKey: { primaryKey: secret } } },
        },
        {
          "dev-1": kept,
          "dev-2": { ...kept, provisioningStatus: "disabled" },
          "dev-4": { attestation: { type: "symmetricKey", symmetricKey: { primaryKey: key } } },
        },
      ),
    );
    expect(out).toContain("**1 to delete, 1 to update, 1 to create, 1 unchanged.**");
    expect(out).toContain("| `provisioningStatus` | `enabled` | `disabled` |");
    expect(out).toContain("#### ❌ delete enrollment `dev-3`");
    expect(out).toContain("| `attestation.symmetricKey.primaryKey` | `[secret]` |");
    expect(out).not.toContain(key);
    expect(out).not.toMatch(/`(dps|linkedHubs|shard)[.`]/);
  });

  it("expands a set that is replaced as a whole into a replace of every entry, naming the reason", () => {
    const entry = { attestation: { type: "x509" } };
    const json = JSON.parse(setPreview("replace", { a: entry, b: entry }, { a: entry, b: entry })) as {
      steps: { replaceReasons?: string[] }[];
    };
    json.steps[0]!.replaceReasons = ["dps"];
    const out = report(JSON.stringify(json));
    expect(out).toContain("**2 to replace.**");
    expect(out).toContain("`dps` is secret in the preview (Pulumi hides the whole value)");
  });

  it("says so when a set's entries are not known until the update runs", () => {
    const out = report(setPreview("create", undefined, UNKNOWN_VALUE));
    expect(out).toContain(
      "Enrollment set `enrollment-set-0-of-1` (create): its enrollments are not known until the update runs, so they cannot be listed here.",
    );
    expect(out).toContain("**No enrollment changes.**");
  });

  it("reports a set entry's policy violation on the entry, as for its own resource", () => {
    const message =
      'individual enrollment "gw-device-001" uses symmetric-key attestation without an exception; use X.509 or TPM.';
    const event = (urn: string) =>
      JSON.stringify({
        policyEvent: {
          resourceUrn: urn,
          policyName: "dps-individual-enrollment-symmetric-key-allowed",
          enforcementLevel: "mandatory",
          message,
        },
      });
    const perEnrollment = report(
      previewOf("update"),
      event("urn:pulumi:gitops::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::gw-device-001"),
    );
    const inSets = report(asEnrollmentSets(previewOf("update"), 1), event(`${SET_PREFIX}0-of-1`));
    expect(inSets).toBe(perEnrollment);
    expect(inSets).toContain(
      "- **mandatory** `dps-individual-enrollment-symmetric-key-allowed` on `gw-device-001`: individual enrollment",
    );
  });

  describe("a manifest switching modes", () => {
    type Step = {
      op: string;
      urn: string;
      oldState?: { inputs?: Record<string, unknown> } | null;
      newState?: { inputs?: Record<string, unknown> } | null;
    };
    const noChange = JSON.parse(previewOf("no-change")) as { steps: Step[] };
    const resourceStep = noChange.steps.find((s) => s.urn.endsWith("IndividualEnrollment::gw-device-001"))!;
    const entry = asEnrollmentSets(JSON.stringify({ steps: [resourceStep] }), 1);
    const setStep = (JSON.parse(entry) as { steps: Step[] }).steps[0]!;
    const emptied = {
      ...setStep.oldState,
      inputs: { ...setStep.oldState!.inputs, enrollments: {}, secrets: {} },
    };

    it("shows no row when an enrollment moves from a set to its own resource unchanged", () => {
      const out = report(
        JSON.stringify({
          steps: [
            { ...setStep, op: "update", newState: emptied },
            {
              ...resourceStep,
              op: "create",
              oldState: null,
              newState: {
                ...resourceStep.newState,
                inputs: { ...resourceStep.newState!.inputs, adoptExisting: true },
              },
            },
          ],
        }),
      );
      expect(out).toContain("**No enrollment changes.**");
      expect(out).toContain(
        "Enrollments changing mode: 1 out of enrollment sets into their own resources. The move itself changes nothing in DPS",
      );
      expect(out).not.toMatch(/delete|create|adopt/);
    });

    it("shows only the real change when an enrollment moves into a set and changes", () => {
      const moved = structuredClone(setStep);
      (moved.newState!.inputs!["enrollments"] as Record<string, Record<string, unknown>>)["gw-device-001"]![
        "provisioningStatus"
      ] = "disabled";
      const out = report(
        JSON.stringify({
          steps: [
            { ...moved, op: "update", oldState: emptied },
            { ...resourceStep, op: "delete", newState: null },
          ],
        }),
      );
      expect(out).toContain("**1 to update.**");
      expect(out).toContain("| `provisioningStatus` | _(none)_ | `disabled` |");
      expect(out).toContain("Enrollments changing mode: 1 into enrollment sets.");
    });
  });

  it("says so when a set changes but none of its entries visibly does (a secret changed)", () => {
    const entry = { attestation: { type: "symmetricKey" } };
    const out = report(setPreview("update", { a: entry }, { a: entry }));
    expect(out).toContain(
      "Enrollment set `enrollment-set-0-of-1` (update): no entry's visible settings change, so a secret input does",
    );
  });

  it("hides the attestation of an entry that declares keys, as the resource does, whichever way the preview shows its secrets", () => {
    const entry = {
      attestation: { type: "symmetricKey" },
      iotHubs: ["hub-a.azure-devices.net"],
      allocationPolicy: "static",
    };
    for (const declared of ["[secret]", { primaryKey: "[secret]", secondaryKey: "[secret]" }]) {
      const json = JSON.parse(setPreview("create", undefined, { "dev-1": entry, "dev-2": entry })) as {
        steps: { newState: { inputs: Record<string, unknown> } }[];
      };
      json.steps[0]!.newState.inputs["secrets"] = { "dev-1": declared };
      const out = report(JSON.stringify(json));
      expect(
        out.slice(
          out.indexOf("#### ➕ create enrollment `dev-1`"),
          out.indexOf("#### ➕ create enrollment `dev-2`"),
        ),
      ).toContain("| `attestation` | `[secret]` |");
      expect(out.slice(out.indexOf("#### ➕ create enrollment `dev-2`"))).toContain(
        "| `attestation.type` | `symmetricKey` |",
      );
    }
  });
});
