import { describe, expect, it } from "vitest";
import { pickHashed } from "../allocation/hashed";
import { latencyMs } from "../allocation/geo";
import { computeSignature, deriveDeviceKey, parseSasToken, signatureMatches } from "../auth/sas";
import { etagMatches, isValidId } from "../model/values";
import { DERIVED_KEY_VECTORS } from "../../testkit/derived-key-vectors";

describe("derived device keys", () => {
  it.each(DERIVED_KEY_VECTORS)(
    "matches Microsoft's documented vector for %s / %s",
    (groupKey, registrationId, expected) => {
      expect(deriveDeviceKey(groupKey, registrationId)).toBe(expected);
    },
  );
});

describe("SAS tokens", () => {
  it("verifies the token captured from the Node SDK (raw sr)", () => {
    const token = parseSasToken(
      "SharedAccessSignature sr=localhost:8443&sig=2cZCtvon7cZozgU8slaFMe9uRf%2FdnZAH6X7RQTHdAao%3D&skn=provisioningserviceowner&se=1795697411",
    )!;
    expect(token.keyName).toBe("provisioningserviceowner");
    expect(signatureMatches(token, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")).toBe(true);
    expect(signatureMatches(token, Buffer.alloc(32).toString("base64"))).toBe(false);
  });

  it("signs sr as it appears: an encoded and a raw sr give different signatures", () => {
    const key = Buffer.alloc(32, 5).toString("base64");
    expect(
      computeSignature(key, "0ne00000001/registrations/dev1", 1).equals(
        computeSignature(key, "0ne00000001%2Fregistrations%2Fdev1", 1),
      ),
    ).toBe(false);
  });

  it("throws on a SharedAccessSignature without se", () => {
    expect(() => parseSasToken("SharedAccessSignature sr=x&sig=y")).toThrow("numeric se");
    expect(parseSasToken("Bearer abc")).toBeUndefined();
  });
});

describe("ids and etags", () => {
  it.each([
    ["dev-1", true],
    ["Dev.1_a:b", true],
    ["ends-with-dash-", true],
    ["a", true],
    ["x".repeat(128), true],
    ["x".repeat(129), false],
    ["-starts-with-dash", false],
    ["ends.with.dot.", false],
    ["has space", false],
    ["", false],
  ])("id %j valid: %s", (id, valid) => expect(isValidId(id)).toBe(valid));

  it.each([
    ['"abc"', '"abc"', true],
    ["abc", '"abc"', true],
    ['W/"abc"', '"abc"', true],
    ["*", '"abc"', true],
    ['"abd"', '"abc"', false],
    ['"x", "abc"', '"abc"', true],
  ])("If-Match %s against %s: %s", (ifMatch, current, matches) =>
    expect(etagMatches(ifMatch, current)).toBe(matches),
  );
});

describe("allocation", () => {
  const hub = (hostName: string, allocationWeight: number) => ({
    hostName,
    location: "",
    allocationWeight,
    applyAllocationPolicy: true,
  });

  it("hashed allocation follows the weights and moves only devices the new hub wins", () => {
    const hubs = [hub("a", 1), hub("b", 3)];
    const ids = Array.from({ length: 4000 }, (_, i) => `device-${i}`);
    const before = ids.map((id) => pickHashed(id, hubs)?.hostName);
    const shareA = before.filter((h) => h === "a").length / ids.length;
    expect(shareA).toBeGreaterThan(0.22);
    expect(shareA).toBeLessThan(0.28);
    const after = ids.map((id) => pickHashed(id, [...hubs, hub("c", 4)])?.hostName);
    const moved = ids.filter((_, i) => before[i] !== after[i]);
    expect(moved.every((_, i) => after[ids.indexOf(moved[i]!)] === "c")).toBe(true);
  });

  it("estimates latency from region coordinates unless configured", () => {
    expect(latencyMs({}, "westeurope", "northeurope")).toBeLessThan(latencyMs({}, "westeurope", "eastus"));
    expect(latencyMs({ latencyMs: { lab: { westeurope: 3 } } }, "lab", "westeurope")).toBe(3);
  });
});
