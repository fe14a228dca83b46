import { describe, expect, it } from "vitest";
import { createIotHubDpsLinkAccessPolicy } from "../policies/iothub-hub-dps-link-access-policy";
import { iotHubMinTlsVersionPolicy } from "../policies/iothub-hub-min-tls-version";
import { createIotHubNetworkAccessPolicy } from "../policies/iothub-hub-network-access";
import { createIotHubSkuSupportsTwinsPolicy } from "../policies/iothub-hub-sku-supports-twins";
import { AZURE_DPS, azureDps, INDIVIDUAL, individualEnrollment, IOT_HUB, iotHub } from "./fixtures";
import { mutate, runResourcePolicy } from "./harness";
import { UNKNOWN_VALUE } from "@dps-as-code/contract";

const hub = (props = iotHub()) => ({ type: IOT_HUB, props });

describe("iothub-hub-min-tls-version", () => {
  const policy = iotHubMinTlsVersionPolicy;
  it("accepts a hub with minTlsVersion 1.2", async () => {
    expect(await runResourcePolicy(policy, hub())).toEqual({ violations: [] });
  });
  it("matches the older azure-native devices token too", async () => {
    const outcome = await runResourcePolicy(policy, {
      type: "azure-native:devices:IotHubResource",
      props: mutate(iotHub(), "properties.minTlsVersion", "1.0"),
    });
    expect(outcome.violations).toHaveLength(1);
  });
  it("rejects a hub without minTlsVersion", async () => {
    expect(
      (await runResourcePolicy(policy, hub(mutate(iotHub(), "properties.minTlsVersion", undefined))))
        .violations,
    ).toEqual([
      'IoT hub properties.minTlsVersion is not set, so the hub also accepts TLS 1.0 and 1.1; set properties.minTlsVersion to "1.2" (only possible when the hub is created).',
    ]);
  });
  it("rejects minTlsVersion 1.1 naming the value", async () => {
    expect(
      (await runResourcePolicy(policy, hub(mutate(iotHub(), "properties.minTlsVersion", "1.1")))).violations,
    ).toEqual([
      'IoT hub properties.minTlsVersion is "1.1"; set it to "1.2" (only possible when the hub is created).',
    ]);
  });
  it("ignores other resource types", async () => {
    expect(await runResourcePolicy(policy, { type: AZURE_DPS, props: azureDps() })).toEqual({
      violations: [],
    });
  });
  it("defers when minTlsVersion is unknown during preview", async () => {
    const outcome = await runResourcePolicy(
      policy,
      hub(mutate(iotHub(), "properties.minTlsVersion", UNKNOWN_VALUE)),
    );
    expect(outcome).toEqual({
      violations: [],
      notApplicable: "properties.minTlsVersion is unknown during preview; checked on update",
    });
  });
});

describe("iothub-hub-sku-supports-twins", () => {
  const policy = createIotHubSkuSupportsTwinsPolicy();
  it("accepts a Standard tier", async () => {
    expect((await runResourcePolicy(policy, hub())).violations).toEqual([]);
  });
  it("rejects a Basic tier because it has no device twins", async () => {
    expect((await runResourcePolicy(policy, hub(mutate(iotHub(), "sku.name", "B1")))).violations).toEqual([
      'IoT hub sku.name is "B1": Basic tiers have no device twins, so DPS initial twins cannot be applied; use a Standard tier (S1, S2 or S3) here. Refused in this environment: F1, B1, B2, B3.',
    ]);
  });
  it("rejects the Free tier by default", async () => {
    expect((await runResourcePolicy(policy, hub(mutate(iotHub(), "sku.name", "F1")))).violations).toEqual([
      'IoT hub sku.name is "F1": the Free tier has one unit, 8,000 messages a day and no SLA; use a Standard tier (S1, S2 or S3) here. Refused in this environment: F1, B1, B2, B3.',
    ]);
  });
  it("allows the Free tier where the config no longer refuses it", async () => {
    const outcome = await runResourcePolicy(policy, hub(mutate(iotHub(), "sku.name", "F1")), {
      disallowedSkus: ["B1", "B2", "B3"],
    });
    expect(outcome.violations).toEqual([]);
  });
  it("defers when the SKU is unknown during preview", async () => {
    expect(
      (await runResourcePolicy(policy, hub(mutate(iotHub(), "sku.name", UNKNOWN_VALUE)))).notApplicable,
    ).toBe("sku.name is unknown during preview; checked on update");
  });
});

describe("iothub-hub-network-access", () => {
  const policy = createIotHubNetworkAccessPolicy();
  const prod = { allowPublicNetworkAccess: true, requireIpFilterRules: true };
  it("accepts public access by default (dev)", async () => {
    const props = mutate(iotHub(), "properties.ipFilterRules", undefined);
    expect((await runResourcePolicy(policy, hub(props))).violations).toEqual([]);
  });
  it("accepts public access behind IP filter rules when filters are required", async () => {
    expect((await runResourcePolicy(policy, hub(), prod)).violations).toEqual([]);
  });
  it("rejects public access without IP filter rules when filters are required", async () => {
    const props = mutate(iotHub(), "properties.ipFilterRules", undefined);
    expect((await runResourcePolicy(policy, hub(props), prod)).violations).toEqual([
      'IoT hub allows public network access with no IP filter rules; add properties.ipFilterRules for the allowed ranges, or set properties.publicNetworkAccess to "Disabled".',
    ]);
  });
  it("accepts a network rule set that denies by default instead of IP filter rules", async () => {
    let props = mutate(iotHub(), "properties.ipFilterRules", undefined);
    props = mutate(props, "properties.networkRuleSets", {
      defaultAction: "Deny",
      applyToBuiltInEventHubEndpoint: true,
      ipRules: [],
    });
    expect((await runResourcePolicy(policy, hub(props), prod)).violations).toEqual([]);
  });
  it("rejects an IP filter rule that accepts every address", async () => {
    const props = mutate(iotHub(), "properties.ipFilterRules", [
      { filterName: "anyone", action: "Accept", ipMask: "0.0.0.0/0" },
    ]);
    expect((await runResourcePolicy(policy, hub(props), prod)).violations).toEqual([
      'IoT hub IP filter rule "anyone" accepts every address (0.0.0.0/0); accept only the ranges devices and operators use.',
    ]);
  });
  it("rejects absent publicNetworkAccess where only private endpoints are allowed", async () => {
    const props = mutate(iotHub(), "properties.publicNetworkAccess", undefined);
    expect(
      (await runResourcePolicy(policy, hub(props), { allowPublicNetworkAccess: false })).violations,
    ).toEqual([
      'IoT hub properties.publicNetworkAccess is not set (Azure\'s default is Enabled); this environment allows private endpoints only: set properties.publicNetworkAccess to "Disabled".',
    ]);
  });
  it("accepts a hub with public access disabled", async () => {
    const props = mutate(iotHub(), "properties.publicNetworkAccess", "Disabled");
    expect(
      (await runResourcePolicy(policy, hub(props), { allowPublicNetworkAccess: false })).violations,
    ).toEqual([]);
  });
  it("defers when publicNetworkAccess is unknown during preview", async () => {
    const props = mutate(iotHub(), "properties.publicNetworkAccess", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, hub(props), prod)).notApplicable).toBe(
      "network settings are unknown during preview; checked on update",
    );
  });
});

describe("iothub-hub-dps-link-access-policy", () => {
  const policy = createIotHubDpsLinkAccessPolicy();
  it("accepts a hub with a dedicated RegistryWrite+ServiceConnect policy and a DPS linking with it", async () => {
    expect((await runResourcePolicy(policy, hub())).violations).toEqual([]);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props: azureDps() })).violations).toEqual([]);
  });
  it("rejects a hub whose only fitting policy also grants DeviceConnect", async () => {
    const props = mutate(iotHub(), "properties.authorizationPolicies", [
      { keyName: "iothubowner", rights: "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect" },
    ]);
    expect((await runResourcePolicy(policy, hub(props))).violations).toEqual([
      'IoT hub declares no access policy DPS can link with at least privilege; add an entry to properties.authorizationPolicies with rights "RegistryWrite, ServiceConnect" (no DeviceConnect) and link DPS with it.',
    ]);
  });
  it("rejects a DPS that links a hub with iothubowner, without printing the key", async () => {
    const props = mutate(
      azureDps(),
      "properties.iotHubs.0.connectionString",
      "HostName=hub-weu.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=T1dORVItS0VZLURPLU5PVC1MT0c=",
    );
    const { violations } = await runResourcePolicy(policy, { type: AZURE_DPS, props });
    expect(violations).toEqual([
      'DPS links hub "hub-weu.azure-devices.net" with access policy "iothubowner", which also grants DeviceConnect; link it with the hub\'s dedicated policy (rights "RegistryWrite, ServiceConnect").',
    ]);
    expect(violations.join()).not.toContain("T1dORVItS0VZ");
  });
  it("skips hub links whose connection string is unknown during preview", async () => {
    const props = mutate(azureDps(), "properties.iotHubs.0.connectionString", UNKNOWN_VALUE);
    expect(await runResourcePolicy(policy, { type: AZURE_DPS, props })).toEqual({ violations: [] });
  });
  it("defers when a hub policy entry is unknown during preview", async () => {
    const props = mutate(iotHub(), "properties.authorizationPolicies.1", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, hub(props))).notApplicable).toBe(
      "an authorization policy is unknown during preview; checked on update",
    );
  });
  it("does not apply to enrollments", async () => {
    expect(await runResourcePolicy(policy, { type: INDIVIDUAL, props: individualEnrollment() })).toEqual({
      violations: [],
    });
  });
});
