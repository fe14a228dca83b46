import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { IotHub, IotPlatform, ProvisioningService } from "../../components/platform";
import { DPS_CA_CERTIFICATE_TYPE, providerReference } from "@dps-as-code/contract";
import {
  RANDOM_SUFFIX,
  SUBSCRIPTION,
  isSecretInput,
  mockKey,
  plain,
  secretValue,
  strictMocks,
  valueOf,
  type Invocation,
  type Registration,
} from "../../testkit/mock-platform";

// A real certificate: the stack config reads CA certificates with contract/dps' parser.
const PEM = fs.readFileSync(path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"), "utf8");
const registrations: Registration[] = [];
const invocations: Invocation[] = [];
let platform: IotPlatform;
let hub: IotHub;
let service: ProvisioningService;

beforeAll(async () => {
  await pulumi.runtime.setMocks(strictMocks(registrations, invocations), "dps-as-code", "qa", false);
  const { parsePlatformConfig } = await import("../../components/config");
  const { createPlatform, IotHub, ProvisioningService } = await import("../../components/platform");
  const config = parsePlatformConfig(
    {
      environment: "qa",
      location: "westeurope",
      resourceGroupName: "rg-existing",
      hubs: {
        weu: {
          networkRuleSets: { defaultAction: "Deny", ipRules: [{ name: "plant-a", ipMask: "20.50.0.0/16" }] },
        },
      },
      dps: {
        allocationPolicy: "static",
        caCertificates: {
          "fleet-root": { certificate: PEM },
          "legacy-root": { certificate: PEM, verified: false },
        },
      },
    },
    {
      readTextFile: () => {
        throw new Error("no files in this test");
      },
    },
  );
  platform = createPlatform(config, "qa");
  hub = new IotHub("solo", {
    resourceGroupName: "rg-solo",
    hubName: "solo-hub",
    location: "swedencentral",
    sku: "B1",
    units: 1,
    partitionCount: 2,
    retentionDays: 1,
    publicNetworkAccess: "Disabled",
  });
  service = new ProvisioningService("solo-dps", {
    resourceGroupName: "rg-solo",
    serviceName: "solo-dps",
    location: "swedencentral",
    capacity: 1,
    allocationPolicy: "hashed",
    linkedHubs: [{ hub, allocationWeight: 7, applyAllocationPolicy: false }],
    publicNetworkAccess: "Disabled",
  });
  await valueOf(pulumi.all([platform.idScope, service.idScope, hub.hostName]));
  await pulumi.runtime.disconnect();
});

describe("Azure components (mocked)", () => {
  it("uses an existing resource group instead of creating one when resourceGroupName is set", () => {
    expect(registrations.filter((r) => r.type === "azure-native:resources:ResourceGroup")).toEqual([]);
    const hubs = registrations.filter(
      (r) => r.type === "azure-native:iothub:IotHubResource" && r.name === "qa-weu",
    );
    expect(hubs.map((h) => [h.inputs.resourceGroupName, h.inputs.resourceName])).toEqual([
      ["rg-existing", `dpsac-qa-weu-${RANDOM_SUFFIX}`],
    ]);
  });

  it("uploads CA certificates to the DPS, verified unless the config says otherwise", () => {
    const certs = registrations.filter((r) => r.type === DPS_CA_CERTIFICATE_TYPE);
    expect(certs.map((c) => [c.name, c.inputs])).toEqual([
      [
        "qa-dps-fleet-root",
        {
          __provider: providerReference("DpsCaCertificate"),
          subscriptionId: SUBSCRIPTION.split("/")[2],
          provisioningServiceName: `dpsac-qa-dps-${RANDOM_SUFFIX}`,
          resourceGroupName: "rg-existing",
          certificateName: "fleet-root",
          properties: { certificate: PEM, isVerified: true },
        },
      ],
      [
        "qa-dps-legacy-root",
        {
          __provider: providerReference("DpsCaCertificate"),
          subscriptionId: SUBSCRIPTION.split("/")[2],
          provisioningServiceName: `dpsac-qa-dps-${RANDOM_SUFFIX}`,
          resourceGroupName: "rg-existing",
          certificateName: "legacy-root",
          properties: { certificate: PEM, isVerified: false },
        },
      ],
    ]);
  });

  it("sends a hub's IP filter as a network rule set of allow rules, never the retired classic ipFilterRules", () => {
    const weu = plain(
      registrations.find((r) => r.type === "azure-native:iothub:IotHubResource" && r.name === "qa-weu")!
        .inputs.properties,
    );
    expect(weu.networkRuleSets).toEqual({
      defaultAction: "Deny",
      applyToBuiltInEventHubEndpoint: true,
      ipRules: [{ filterName: "plant-a", action: "Allow", ipMask: "20.50.0.0/16" }],
    });
    for (const hub of registrations.filter((r) => r.type === "azure-native:iothub:IotHubResource"))
      expect(plain(hub.inputs.properties)).not.toHaveProperty("ipFilterRules");
  });

  it("maps the static allocation policy to ARM's spelling", () => {
    const dps = registrations.find(
      (r) => r.name === "qa-dps" && r.type === "azure-native:deviceprovisioningservices:IotDpsResource",
    )!;
    expect(plain(dps.inputs.properties).allocationPolicy).toBe("Static");
  });

  it("applies the IotHub component's defaults: no identity, no IP filter (no network rule set sent), no consumer groups, no tags", () => {
    const solo = registrations.find(
      (r) => r.type === "azure-native:iothub:IotHubResource" && r.name === "solo",
    )!;
    expect(isSecretInput(solo.inputs.properties)).toBe(true);
    expect({ ...solo.inputs, properties: plain(solo.inputs.properties) }).toEqual({
      resourceName: "solo-hub",
      resourceGroupName: "rg-solo",
      location: "swedencentral",
      sku: { name: "B1", capacity: 1 },
      identity: { type: "None" },
      tags: {},
      properties: {
        minTlsVersion: "1.2",
        publicNetworkAccess: "Disabled",
        eventHubEndpoints: { events: { partitionCount: 2, retentionTimeInDays: 1 } },
        disableLocalAuth: false,
        authorizationPolicies: [
          {
            keyName: "dps-link",
            rights: "RegistryWrite, ServiceConnect",
            primaryKey: mockKey("solo-dps-link-key-primary"),
            secondaryKey: mockKey("solo-dps-link-key-secondary"),
          },
        ],
      },
    });
    expect(
      registrations.filter(
        (r) =>
          r.type === "azure-native:iothub:IotHubResourceEventHubConsumerGroup" && r.name.startsWith("solo"),
      ),
    ).toEqual([]);
  });

  it("outputs the hub's linking connection string as a secret built from the hub's host name and its kept dps-link key", async () => {
    expect(await secretValue(hub.linkingConnectionString)).toEqual({
      value: `HostName=solo-hub.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("solo-dps-link-key-primary")}`,
      secret: true,
    });
    expect(await secretValue(hub.hostName)).toEqual({ value: "solo-hub.azure-devices.net", secret: false });
  });

  it("links a hub that is excluded from the allocation policy with its weight", () => {
    const dps = registrations.find(
      (r) => r.name === "solo-dps" && r.type === "azure-native:deviceprovisioningservices:IotDpsResource",
    )!;
    const props = plain(dps.inputs.properties);
    expect(props.iotHubs).toEqual([
      {
        connectionString: `HostName=solo-hub.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("solo-dps-link-key-primary")}`,
        location: "swedencentral",
        allocationWeight: 7,
        applyAllocationPolicy: false,
      },
    ]);
    expect(props.publicNetworkAccess).toBe("Disabled");
    expect(props.enableDataResidency).toBe(false);
  });

  it("outputs the enrollment-writer connection string as a secret and the endpoints in plain text", async () => {
    expect(await secretValue(service.enrollmentWriterConnectionString)).toEqual({
      value: `HostName=solo-dps.azure-devices-provisioning.net;SharedAccessKeyName=enrollment-writer;SharedAccessKey=${mockKey("solo-dps-enrollment-writer-key-primary")}`,
      secret: true,
    });
    expect(await secretValue(service.serviceEndpoint)).toEqual({
      value: "solo-dps.azure-devices-provisioning.net",
      secret: false,
    });
    expect(await secretValue(service.linkedHubHostNames)).toEqual({
      value: ["solo-hub.azure-devices.net"],
      secret: false,
    });
    expect(service.dataContributorAssignment).toBeUndefined();
  });
});
