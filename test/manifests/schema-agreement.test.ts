// The published JSON Schema (what editors and the loader's first pass check) and the rules
// module (what the loader's later passes and the resources' check() use) must give the same
// answers: a value the schema allows and a rule refuses is accepted by the editor and refused
// later, which is what this test prevents.
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import schema from "../../schemas/enrollment-manifest.schema.json";
import {
  ALLOCATION_POLICIES,
  allocationRuleViolations,
  HUBS_WITHOUT_POLICY_ALLOWED,
  CUSTOM_ALLOCATION_API_VERSIONS,
  decodeStrictBase64,
  ENROLLMENT_ID_PATTERN,
  ENROLLMENT_ID_RULE,
  GROUP_ATTESTATION_TYPES,
  INDIVIDUAL_ATTESTATION_TYPES,
  isValidDeviceId,
  MAX_ID_LENGTH,
  PROVISIONING_STATUSES,
} from "@dps-as-code/contract";
import { MIN_SYMMETRIC_KEY_REASON_LENGTH } from "../../components/enrollments/validation";

const d = schema.definitions;

describe("the manifest schema states the rules of contract/dps", () => {
  it("uses the id rule, its length and its words", () => {
    expect(d.id.pattern).toBe(ENROLLMENT_ID_PATTERN.source);
    expect(d.id.maxLength).toBe(MAX_ID_LENGTH);
    expect(d.id["x-allowed"]).toBe(ENROLLMENT_ID_RULE);
  });

  it("accepts exactly the device ids IoT Hub accepts", () => {
    const device = d.individualEnrollment.properties.deviceId;
    const schemaAccepts = (id: string) =>
      id.length >= device.minLength && id.length <= device.maxLength && new RegExp(device.pattern).test(id);
    for (const id of [
      "a",
      "dev-1:x.y+z%_#*?!(),=@;$'",
      "A".repeat(128),
      "A".repeat(129),
      "",
      "dev/1",
      "dev 1",
      "dév",
    ]) {
      expect(schemaAccepts(id), id).toBe(isValidDeviceId(id));
    }
  });

  it("lists DPS's vocabulary", () => {
    expect(d.allocationPolicy.enum).toEqual([...ALLOCATION_POLICIES]);
    expect(d.provisioningStatus.enum).toEqual([...PROVISIONING_STATUSES]);
    expect(d.individualAttestation.properties.type.enum).toEqual([...INDIVIDUAL_ATTESTATION_TYPES]);
    expect(d.groupAttestation.properties.type.enum).toEqual([...GROUP_ATTESTATION_TYPES]);
    expect(d.customAllocationDefinition.properties.apiVersion.enum).toEqual([
      ...CUSTOM_ALLOCATION_API_VERSIONS,
    ]);
  });

  it("asks for base64 TPM keys as DPS does", () => {
    const pattern = new RegExp(d.individualAttestation.properties.tpm.properties.endorsementKey.pattern);
    for (const value of [
      "AToAAQALAAMAsgAgg3GXZ0SEs/gakMyNRqXXJP1S124GUgtk8qHaGzMUaaoABgCAAEMAEAgAAAAAAAEAxsj2gUScTk1UjuioeTlfGYZrrimExB+bScH75adUMRIi2UOMxG1kw4y+9RW/IVoMl4e620VxZad0ARX2gUqVjYO7KPVt3dyKhZS3dkcvfBisBhP1XH9B33VqHG9SHnbnQXdBUaCgKAfxome8UmBKfe+naTsE5fkvjb/do3/dD6l4sGBwFCnKRdln4XpM03zLpoHFao8zOwt8l/uP3qUIxmCYv9A7m69Ms+5/pCkTu/rK4mRDsfhZ0QLfbzVI6zQFOKF/rwsfBtFeWlWtcuJMKlXdD8TXWElTzgh7JS4qhFzreL0c1mI0GCj+Aws0usZh7dLIVPnlgZcBhgy1SSDQMQ==",
      "AA==",
    ]) {
      expect(pattern.test(value), value).toBe(decodeStrictBase64(value) !== undefined);
    }
    for (const value of ["not base64", "AAA", "AA==\n"]) expect(pattern.test(value), value).toBe(false);
  });

  it("asks for a production exception's reason as long as the resource's check does", () => {
    expect(d.individualEnrollment.properties.allowSymmetricKeyInProduction.minLength).toBe(
      MIN_SYMMETRIC_KEY_REASON_LENGTH,
    );
    expect(d.enrollmentGroup.properties.allowSymmetricKeyInProduction.minLength).toBe(
      MIN_SYMMETRIC_KEY_REASON_LENGTH,
    );
    const pattern = new RegExp(d.enrollmentGroup.properties.allowSymmetricKeyInProduction.pattern);
    expect(pattern.test("  short   ")).toBe(false);
    expect(pattern.test("legacy meters, replaced in 2027")).toBe(true);
  });

  it("refuses iotHubs without an allocationPolicy, wherever each comes from, as the contract rule does", () => {
    expect(d.allocationPolicyWithHubs.properties.allocationPolicy["x-allowed"]).toBe(
      HUBS_WITHOUT_POLICY_ALLOWED,
    );
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    ajv.addKeyword({ keyword: "x-allowed", schemaType: "string" });
    ajv.addKeyword({ keyword: "x-missing", schemaType: "string" });
    const validate = ajv.compile(schema);
    const entry = { registrationId: "sensor-01", attestation: { type: "symmetricKey" } };
    const hubs = { iotHubs: ["weu"] };
    const policy = { allocationPolicy: "hashed" as const };
    // [file defaults, the entry's own fields]
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{}, {}],
      [{}, hubs],
      [{}, { ...hubs, ...policy }],
      [hubs, {}],
      [hubs, policy],
      [policy, hubs],
      [{ ...hubs, ...policy }, {}],
      [policy, {}],
    ];
    for (const [defaults, own] of cases) {
      const merged = { ...defaults, ...own } as { iotHubs?: string[]; allocationPolicy?: "hashed" };
      const ruleRefuses = allocationRuleViolations(
        merged.allocationPolicy,
        merged.iotHubs?.length,
        false,
      ).some((v) => v.rule === "hubsWithoutPolicy");
      for (const list of ["individualEnrollments", "enrollmentGroups"] as const) {
        const item =
          list === "individualEnrollments"
            ? { ...entry, ...own }
            : { enrollmentGroupId: "meters", attestation: { type: "symmetricKey" }, ...own };
        const manifest = { ...(Object.keys(defaults).length > 0 ? { defaults } : {}), [list]: [item] };
        expect(validate(manifest), JSON.stringify(manifest)).toBe(!ruleRefuses);
      }
    }
  });

  it("claims no default DPS would refuse", () => {
    // allocationPolicy has a default only without iotHubs: with them DPS answers 400004.
    expect(d.allocationPolicy.description).toMatch(/only when iotHubs is absent/);
    expect(d.iotHubs.description).toMatch(/Needs an allocationPolicy/);
  });
});
