import { describe, expect, it } from "vitest";
import { createDpsEnrollmentAccessNotOwnerPolicy } from "../policies/dps-enrollment-access-not-owner";
import { dpsServiceAllocationWeightsPolicy } from "../policies/dps-service-allocation-weights";
import { createDpsServiceLinkedHubsPolicy } from "../policies/dps-service-linked-hubs";
import { createDpsServiceNetworkAccessPolicy } from "../policies/dps-service-network-access";
import {
  AZURE_DPS,
  azureDps,
  INDIVIDUAL,
  individualEnrollment,
  IOT_HUB,
  iotHub,
  LOCAL_DPS,
  localDps,
} from "./fixtures";
import { mutate, runResourcePolicy } from "./harness";
import { UNKNOWN_VALUE } from "@dps-as-code/contract";

const prodHubs = { minimumHubs: 2, minimumRegions: 2 };

describe("dps-service-linked-hubs", () => {
  const policy = createDpsServiceLinkedHubsPolicy();
  it("accepts two hubs in two regions under the production config", async () => {
    expect(
      (await runResourcePolicy(policy, { type: AZURE_DPS, props: azureDps() }, prodHubs)).violations,
    ).toEqual([]);
    expect(
      (await runResourcePolicy(policy, { type: LOCAL_DPS, props: localDps() }, prodHubs)).violations,
    ).toEqual([]);
  });
  it("rejects a DPS without linked hubs", async () => {
    const props = mutate(azureDps(), "properties.iotHubs", undefined);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toEqual([
      "DPS links 0 IoT hub(s); this environment requires at least 1: link more hubs.",
    ]);
  });
  it("rejects a local DPS with one hub under the production config", async () => {
    const props = mutate(localDps(), "linkedHubs", [
      { hostName: "hub-weu.azure-devices.net", location: "westeurope" },
    ]);
    expect((await runResourcePolicy(policy, { type: LOCAL_DPS, props }, prodHubs)).violations).toEqual([
      "local DPS links 1 IoT hub(s); this environment requires at least 2: link more hubs.",
      "local DPS links hubs in 1 region(s) (westeurope); this environment requires at least 2: link a hub in another region.",
    ]);
  });
  it("rejects two hubs in the same region under the production config", async () => {
    const props = mutate(azureDps(), "properties.iotHubs.1.location", "West Europe");
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props }, prodHubs)).violations).toEqual([
      "DPS links hubs in 1 region(s) (westeurope); this environment requires at least 2: link a hub in another region.",
    ]);
  });
  it("defers when the hub list is unknown during preview", async () => {
    const props = mutate(azureDps(), "properties.iotHubs", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).notApplicable).toBe(
      "the linked hub list is unknown during preview; checked on update",
    );
  });
  it("does not apply to IoT hubs", async () => {
    expect(await runResourcePolicy(policy, { type: IOT_HUB, props: iotHub() })).toEqual({ violations: [] });
  });
});

describe("dps-service-allocation-weights", () => {
  const policy = dpsServiceAllocationWeightsPolicy;
  it("accepts weights within 1..1000 and absent weights", async () => {
    const props = mutate(azureDps(), "properties.iotHubs.1.allocationWeight", undefined);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toEqual([]);
  });
  it("rejects a weight of 0 naming the hub", async () => {
    const props = mutate(azureDps(), "properties.iotHubs.0.allocationWeight", 0);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toEqual([
      'DPS hub "hub-weu.azure-devices.net" has allocationWeight 0; use a whole number from 1 to 1000 (absent means 1).',
    ]);
  });
  it("rejects a weight above 1000 on the local DPS", async () => {
    const props = mutate(localDps(), "linkedHubs.1.allocationWeight", 1001);
    expect((await runResourcePolicy(policy, { type: LOCAL_DPS, props })).violations).toEqual([
      'local DPS hub "hub-neu.azure-devices.net" has allocationWeight 1001; use a whole number from 1 to 1000 (absent means 1).',
    ]);
  });
  it("names a hub by position when its connection string is unknown during preview", async () => {
    let props = mutate(azureDps(), "properties.iotHubs.0.connectionString", UNKNOWN_VALUE);
    props = mutate(props, "properties.iotHubs.0.allocationWeight", 2.5);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toEqual([
      'DPS hub "hub #1" has allocationWeight 2.5; use a whole number from 1 to 1000 (absent means 1).',
    ]);
  });
  it("skips a weight that is unknown during preview", async () => {
    const props = mutate(azureDps(), "properties.iotHubs.0.allocationWeight", UNKNOWN_VALUE);
    expect(await runResourcePolicy(policy, { type: AZURE_DPS, props })).toEqual({ violations: [] });
  });
});

describe("dps-enrollment-access-not-owner", () => {
  const policy = createDpsEnrollmentAccessNotOwnerPolicy();
  it("accepts a DPS with a dedicated enrollment policy and an enrollment using it", async () => {
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props: azureDps() })).violations).toEqual([]);
    expect(
      (await runResourcePolicy(policy, { type: INDIVIDUAL, props: individualEnrollment() })).violations,
    ).toEqual([]);
  });
  it("rejects an enrollment managed with the owner policy, without printing the key", async () => {
    const props = mutate(
      individualEnrollment(),
      "dps.connectionString",
      "HostName=mydps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=T1dORVItS0VZ",
    );
    const { violations } = await runResourcePolicy(policy, { type: INDIVIDUAL, props });
    expect(violations).toEqual([
      'individual enrollment "device-001" is managed with DPS access policy "provisioningserviceowner", which also holds ServiceConfig; use a dedicated policy with rights "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite" (or dps.useEntraId).',
    ]);
    expect(violations.join()).not.toContain("T1dORVItS0VZ");
  });
  it("accepts an enrollment that uses Entra ID", async () => {
    let props = mutate(individualEnrollment(), "dps.connectionString", undefined);
    props = mutate(props, "dps.useEntraId", true);
    expect((await runResourcePolicy(policy, { type: INDIVIDUAL, props })).violations).toEqual([]);
  });
  it("defers when the connection string is unknown during preview", async () => {
    const props = mutate(individualEnrollment(), "dps.connectionString", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, { type: INDIVIDUAL, props })).notApplicable).toBe(
      "the DPS credentials are unknown during preview; checked on update",
    );
  });
  it("rejects a DPS whose enrollment policy also grants DeviceConnect", async () => {
    const props = mutate(
      azureDps(),
      "properties.authorizationPolicies.1.rights",
      "EnrollmentRead, EnrollmentWrite, DeviceConnect",
    );
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toHaveLength(1);
  });
  it("rejects a DPS whose only enrollment-capable policy holds ServiceConfig", async () => {
    const props = mutate(azureDps(), "properties.authorizationPolicies", [
      { keyName: "provisioningserviceowner", rights: "ServiceConfig, EnrollmentRead, EnrollmentWrite" },
    ]);
    expect((await runResourcePolicy(policy, { type: AZURE_DPS, props })).violations).toEqual([
      'DPS declares no access policy for managing enrollments without ServiceConfig or DeviceConnect; add an entry to properties.authorizationPolicies with rights "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite" and manage enrollments with it.',
    ]);
  });
});

describe("dps-service-network-access", () => {
  const policy = createDpsServiceNetworkAccessPolicy();
  it("accepts a DPS behind IP filter rules when filters are required", async () => {
    expect(
      (
        await runResourcePolicy(
          policy,
          { type: AZURE_DPS, props: azureDps() },
          { requireIpFilterRules: true },
        )
      ).violations,
    ).toEqual([]);
  });
  it("rejects public access where only private endpoints are allowed", async () => {
    expect(
      (
        await runResourcePolicy(
          policy,
          { type: AZURE_DPS, props: azureDps() },
          { allowPublicNetworkAccess: false },
        )
      ).violations,
    ).toEqual([
      'DPS properties.publicNetworkAccess is "Enabled"; this environment allows private endpoints only: set properties.publicNetworkAccess to "Disabled".',
    ]);
  });
  it("does not apply to the local DPS, which has no network settings", async () => {
    expect(
      await runResourcePolicy(
        policy,
        { type: LOCAL_DPS, props: localDps() },
        { allowPublicNetworkAccess: false },
      ),
    ).toEqual({
      violations: [],
    });
  });
});
