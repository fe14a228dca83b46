import { beforeAll, describe, expect, it } from "vitest";
import type { IotPlatform } from "../../components/platform";
import {
  isSecretInput,
  mockKey,
  plain,
  RANDOM_SUFFIX,
  secretValue,
  stackConfig,
  valueOf,
  runMockedPlatform,
  type MockedPlatform,
  type Registration,
} from "../../testkit/mock-platform";

let run: MockedPlatform;
let platform: IotPlatform;
let registrations: Registration[];
const ofType = (type: string) => run.ofType(type);
const one = (type: string) => run.one(type);
beforeAll(async () => {
  run = await runMockedPlatform("dev", stackConfig("dev"));
  ({ platform, registrations } = run);
});

describe("dev stack on Azure (mocked)", () => {
  it("creates exactly a random suffix, a resource group, one hub with one consumer group and one DPS", () => {
    const counts: Record<string, number> = {};
    for (const r of registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "dps-as-code:platform:IotPlatform": 1,
      "random:index/randomString:RandomString": 1,
      // dps-link on the hub, provisioningserviceowner and enrollment-writer on the DPS: two keys each.
      "random:index/randomBytes:RandomBytes": 6,
      "azure-native:resources:ResourceGroup": 1,
      "dps-as-code:platform:IotHub": 1,
      "azure-native:iothub:IotHubResource": 1,
      "azure-native:iothub:IotHubResourceEventHubConsumerGroup": 1,
      "dps-as-code:platform:ProvisioningService": 1,
      "azure-native:deviceprovisioningservices:IotDpsResource": 1,
    });
  });

  it("names resources from prefix, environment, hub key and a lower-case random suffix", () => {
    const suffix = one("random:index/randomString:RandomString");
    expect(suffix.name).toBe("platform-suffix");
    expect(suffix.inputs).toMatchObject({
      length: 6,
      lower: true,
      upper: false,
      numeric: true,
      special: false,
    });
    expect(one("azure-native:resources:ResourceGroup").inputs).toMatchObject({
      resourceGroupName: "rg-dpsac-dev",
      location: "westeurope",
    });
    const hub = one("azure-native:iothub:IotHubResource");
    expect(hub.name).toBe("platform-weu");
    expect(hub.inputs.resourceName).toBe(`dpsac-dev-weu-${RANDOM_SUFFIX}`);
    expect(hub.inputs.resourceGroupName).toBe("rg-dpsac-dev");
    const dps = one("azure-native:deviceprovisioningservices:IotDpsResource");
    expect(dps.name).toBe("platform-dps");
    expect(dps.inputs.provisioningServiceName).toBe(`dpsac-dev-dps-${RANDOM_SUFFIX}`);
  });

  it("configures the hub with the small SKU, TLS 1.2, public access, local auth and only the dps-link policy", () => {
    const hub = one("azure-native:iothub:IotHubResource").inputs;
    expect(hub.location).toBe("westeurope");
    expect(hub.sku).toEqual({ name: "S1", capacity: 1 });
    expect(hub.identity).toEqual({ type: "None" });
    expect(plain(hub.properties)).toEqual({
      minTlsVersion: "1.2",
      publicNetworkAccess: "Enabled",
      eventHubEndpoints: { events: { partitionCount: 2, retentionTimeInDays: 1 } },
      disableLocalAuth: false,
      authorizationPolicies: [
        {
          keyName: "dps-link",
          rights: "RegistryWrite, ServiceConnect",
          primaryKey: mockKey("platform-weu-dps-link-key-primary"),
          secondaryKey: mockKey("platform-weu-dps-link-key-secondary"),
        },
      ],
    });
  });

  it("creates the configured consumer group on the built-in events endpoint", () => {
    const cg = one("azure-native:iothub:IotHubResourceEventHubConsumerGroup");
    expect(cg.name).toBe("platform-weu-dev-tools");
    expect(cg.inputs).toEqual({
      resourceGroupName: "rg-dpsac-dev",
      resourceName: `dpsac-dev-weu-${RANDOM_SUFFIX}`,
      eventHubEndpointName: "events",
      name: "dev-tools",
      properties: { name: "dev-tools" },
    });
  });

  it("creates an S1 DPS with hashed allocation linking the hub through its dps-link key", () => {
    const dps = one("azure-native:deviceprovisioningservices:IotDpsResource").inputs;
    expect(dps.sku).toEqual({ name: "S1", capacity: 1 });
    expect(dps.location).toBe("westeurope");
    const props = plain(dps.properties);
    expect(props.allocationPolicy).toBe("Hashed");
    expect(props.publicNetworkAccess).toBe("Enabled");
    expect(props.enableDataResidency).toBe(false);
    expect(props.ipFilterRules).toEqual([]);
    expect(props.iotHubs).toEqual([
      {
        connectionString: `HostName=dpsac-dev-weu-${RANDOM_SUFFIX}.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("platform-weu-dps-link-key-primary")}`,
        location: "westeurope",
        allocationWeight: 1,
        applyAllocationPolicy: true,
      },
    ]);
  });

  it("sends the hub and DPS properties, which carry policy keys and the link string, as secrets so state encrypts them", () => {
    expect(
      isSecretInput(one("azure-native:deviceprovisioningservices:IotDpsResource").inputs.properties),
    ).toBe(true);
    expect(isSecretInput(one("azure-native:iothub:IotHubResource").inputs.properties)).toBe(true);
  });

  it("declares the owner policy and a least-privilege enrollment-writer policy on the DPS, each with its kept keys", () => {
    const props = plain(one("azure-native:deviceprovisioningservices:IotDpsResource").inputs.properties);
    expect(props.authorizationPolicies).toEqual([
      {
        keyName: "provisioningserviceowner",
        rights:
          "ServiceConfig, EnrollmentRead, EnrollmentWrite, DeviceConnect, RegistrationStatusRead, RegistrationStatusWrite",
        primaryKey: mockKey("platform-dps-provisioningserviceowner-key-primary"),
        secondaryKey: mockKey("platform-dps-provisioningserviceowner-key-secondary"),
      },
      {
        keyName: "enrollment-writer",
        rights: "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite",
        primaryKey: mockKey("platform-dps-enrollment-writer-key-primary"),
        secondaryKey: mockKey("platform-dps-enrollment-writer-key-secondary"),
      },
    ]);
  });

  it("generates every policy key as 32 random bytes kept in state, and reads no key back from Azure", () => {
    const keys = ofType("random:index/randomBytes:RandomBytes");
    expect(keys.map((k) => k.name).sort()).toEqual([
      "platform-dps-enrollment-writer-key-primary",
      "platform-dps-enrollment-writer-key-secondary",
      "platform-dps-provisioningserviceowner-key-primary",
      "platform-dps-provisioningserviceowner-key-secondary",
      "platform-weu-dps-link-key-primary",
      "platform-weu-dps-link-key-secondary",
    ]);
    for (const k of keys) expect(k.inputs).toEqual({ length: 32 });
    expect(run.invocations).toEqual([]);
  });

  it("tags every Azure resource with the stack tags, environment and managed-by", () => {
    const expected = {
      owner: "iot-platform",
      costCenter: "iot-dev",
      environment: "dev",
      "managed-by": "pulumi",
    };
    expect(one("azure-native:resources:ResourceGroup").inputs.tags).toEqual(expected);
    expect(one("azure-native:deviceprovisioningservices:IotDpsResource").inputs.tags).toEqual(expected);
    expect(one("azure-native:iothub:IotHubResource").inputs.tags).toEqual({
      ...expected,
      "iot-hub-key": "weu",
    });
  });

  it("outputs idScope, endpoints and hub host names in plain text", async () => {
    expect(await secretValue(platform.idScope)).toEqual({ value: "0ne00ABC123", secret: false });
    expect(await secretValue(platform.serviceEndpoint)).toEqual({
      value: `dpsac-dev-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net`,
      secret: false,
    });
    expect(await secretValue(platform.deviceEndpoint)).toEqual({
      value: "global.azure-devices-provisioning.net",
      secret: false,
    });
    expect(await secretValue(platform.linkedHubHostNames)).toEqual({
      value: [`dpsac-dev-weu-${RANDOM_SUFFIX}.azure-devices.net`],
      secret: false,
    });
  });

  it("hands the enrollment resources the enrollment-writer connection string as a secret", async () => {
    const conn = platform.dpsConnection;
    expect(Object.keys(conn).sort()).toEqual(["connectionString", "serviceEndpoint"]);
    expect(await valueOf(conn.serviceEndpoint)).toBe(
      `dpsac-dev-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net`,
    );
    expect(await secretValue(conn.connectionString!)).toEqual({
      value: `HostName=dpsac-dev-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net;SharedAccessKeyName=enrollment-writer;SharedAccessKey=${mockKey("platform-dps-enrollment-writer-key-primary")}`,
      secret: true,
    });
  });
});
