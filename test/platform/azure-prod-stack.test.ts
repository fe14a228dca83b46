import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { DPS_CA_CERTIFICATE_TYPE, providerReference } from "@dps-as-code/contract";
import type { IotPlatform } from "../../components/platform";
import {
  PROD_EV_CHARGER_CA_PEM,
  ROLE_ASSIGNED_AT,
  PROD_PIPELINE_EGRESS_IP,
  PROD_PIPELINE_PRINCIPAL_ID,
  RANDOM_SUFFIX,
  SUBSCRIPTION,
  filledInProdConfig,
  mockKey,
  plain,
  secretValue,
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
const hub = (key: string) =>
  run.registrations.find(
    (r) => r.type === "azure-native:iothub:IotHubResource" && r.name === `platform-${key}`,
  )!.inputs;

beforeAll(async () => {
  run = await runMockedPlatform("prod", filledInProdConfig());
  ({ platform, registrations } = run);
});

describe("prod stack on Azure (mocked)", () => {
  it("creates two hubs with two consumer groups each, one DPS with the EV chargers' CA and the data-contributor role", () => {
    const counts: Record<string, number> = {};
    for (const r of registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "dps-as-code:platform:IotPlatform": 1,
      "random:index/randomString:RandomString": 1,
      // dps-link on each hub, provisioningserviceowner and enrollment-writer on the DPS: two keys each.
      "random:index/randomBytes:RandomBytes": 8,
      "azure-native:resources:ResourceGroup": 1,
      "dps-as-code:platform:IotHub": 2,
      "azure-native:iothub:IotHubResource": 2,
      "azure-native:iothub:IotHubResourceEventHubConsumerGroup": 4,
      "dps-as-code:platform:ProvisioningService": 1,
      "azure-native:deviceprovisioningservices:IotDpsResource": 1,
      [DPS_CA_CERTIFICATE_TYPE]: 1,
      "azure-native:authorization:RoleAssignment": 1,
    });
    expect(
      ofType("azure-native:iothub:IotHubResourceEventHubConsumerGroup")
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "platform-neu-alerts",
      "platform-neu-telemetry",
      "platform-weu-alerts",
      "platform-weu-telemetry",
    ]);
  });

  it("places each hub in its own region with its SKU, units, partitions, identity and IP filter", () => {
    expect(hub("weu")).toMatchObject({
      resourceName: `dpsac-prod-weu-${RANDOM_SUFFIX}`,
      location: "westeurope",
      sku: { name: "S2", capacity: 2 },
      identity: { type: "SystemAssigned" },
    });
    expect(hub("neu")).toMatchObject({
      resourceName: `dpsac-prod-neu-${RANDOM_SUFFIX}`,
      location: "northeurope",
      sku: { name: "S2", capacity: 1 },
      identity: { type: "SystemAssigned" },
    });
    for (const key of ["weu", "neu"]) {
      expect(plain(hub(key).properties)).toEqual({
        minTlsVersion: "1.2",
        publicNetworkAccess: "Enabled",
        networkRuleSets: { defaultAction: "Allow", applyToBuiltInEventHubEndpoint: true, ipRules: [] },
        eventHubEndpoints: { events: { partitionCount: 8, retentionTimeInDays: 7 } },
        disableLocalAuth: false,
        authorizationPolicies: [
          {
            keyName: "dps-link",
            rights: "RegistryWrite, ServiceConnect",
            primaryKey: mockKey(`platform-${key}-dps-link-key-primary`),
            secondaryKey: mockKey(`platform-${key}-dps-link-key-secondary`),
          },
        ],
      });
    }
  });

  it("links both hubs with their regions and weights under the geoLatency policy", () => {
    const props = plain(one("azure-native:deviceprovisioningservices:IotDpsResource").inputs.properties);
    expect(props.allocationPolicy).toBe("GeoLatency");
    expect(props.iotHubs).toEqual([
      {
        connectionString: `HostName=dpsac-prod-weu-${RANDOM_SUFFIX}.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("platform-weu-dps-link-key-primary")}`,
        location: "westeurope",
        allocationWeight: 600,
        applyAllocationPolicy: true,
      },
      {
        connectionString: `HostName=dpsac-prod-neu-${RANDOM_SUFFIX}.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("platform-neu-dps-link-key-primary")}`,
        location: "northeurope",
        allocationWeight: 400,
        applyAllocationPolicy: true,
      },
    ]);
  });

  it("restricts the DPS service API to the pipeline's egress and keeps data in region", () => {
    const props = plain(one("azure-native:deviceprovisioningservices:IotDpsResource").inputs.properties);
    expect(props.enableDataResidency).toBe(true);
    expect(props.publicNetworkAccess).toBe("Enabled");
    expect(props.ipFilterRules).toEqual([
      {
        filterName: "pipeline-egress",
        action: "Accept",
        ipMask: PROD_PIPELINE_EGRESS_IP,
        target: "serviceApi",
      },
      { filterName: "service-deny-rest", action: "Reject", ipMask: "0.0.0.0/0", target: "serviceApi" },
    ]);
  });

  it("uploads the CA the prod manifests name, verified, and hands it out by name for the enrollments to depend on", () => {
    expect(one(DPS_CA_CERTIFICATE_TYPE)).toEqual({
      type: DPS_CA_CERTIFICATE_TYPE,
      name: "platform-dps-ev-charger-root-ca",
      inputs: {
        __provider: providerReference("DpsCaCertificate"),
        subscriptionId: SUBSCRIPTION.split("/")[2],
        provisioningServiceName: `dpsac-prod-dps-${RANDOM_SUFFIX}`,
        resourceGroupName: "rg-dpsac-prod",
        certificateName: "ev-charger-root-ca",
        properties: { certificate: PROD_EV_CHARGER_CA_PEM, isVerified: true },
      },
    });
    expect(Object.keys(platform.caCertificates)).toEqual(["ev-charger-root-ca"]);
  });

  it("grants the pipeline identity Device Provisioning Service Data Contributor on the DPS only", () => {
    const role = one("azure-native:authorization:RoleAssignment");
    expect(role.name).toBe("platform-dps-data-contributor");
    const dpsId = `${SUBSCRIPTION}/resourceGroups/rg-dpsac-prod/providers/Microsoft.Devices/provisioningServices/dpsac-prod-dps-${RANDOM_SUFFIX}`;
    expect(role.inputs).toEqual({
      principalId: PROD_PIPELINE_PRINCIPAL_ID,
      principalType: "ServicePrincipal",
      scope: dpsId,
      roleDefinitionId: `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/dfce44e4-17b7-4bd1-a6d1-04996ec95633`,
    });
  });

  it("hands over an Entra ID connection with no shared key, and when the role was assigned, when a data contributor is configured", async () => {
    const conn = platform.dpsConnection;
    expect(Object.keys(conn).sort()).toEqual(["roleAssignedAt", "serviceEndpoint", "useEntraId"]);
    // Enrollments retry 401s for ten minutes after this (role propagation), and not after.
    expect(await valueOf(conn.roleAssignedAt!)).toBe(ROLE_ASSIGNED_AT);
    expect(conn.useEntraId).toBe(true);
    expect(await valueOf(conn.serviceEndpoint)).toBe(
      `dpsac-prod-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net`,
    );
  });

  it("makes the Entra ID connection depend on the role assignment, so no enrollment is written before the identity may write it", async () => {
    // The enrollment resources take their dependencies from their inputs' resources.
    const endpoint = platform.dpsConnection.serviceEndpoint as unknown as {
      allResources(): Promise<Set<pulumi.Resource>>;
    };
    const urns = await Promise.all([...(await endpoint.allResources())].map((r) => valueOf(r.urn)));
    expect(
      urns.filter((u) =>
        u.endsWith("azure-native:authorization:RoleAssignment::platform-dps-data-contributor"),
      ),
    ).toHaveLength(1);
    expect(
      urns.filter((u) => u.endsWith("azure-native:deviceprovisioningservices:IotDpsResource::platform-dps")),
    ).toHaveLength(1);
  });

  it("outputs both hubs' host names keyed by hub key, not secret", async () => {
    expect(await secretValue(platform.hubHostNames)).toEqual({
      value: {
        weu: `dpsac-prod-weu-${RANDOM_SUFFIX}.azure-devices.net`,
        neu: `dpsac-prod-neu-${RANDOM_SUFFIX}.azure-devices.net`,
      },
      secret: false,
    });
    expect(await secretValue(platform.linkedHubHostNames)).toEqual({
      value: [
        `dpsac-prod-weu-${RANDOM_SUFFIX}.azure-devices.net`,
        `dpsac-prod-neu-${RANDOM_SUFFIX}.azure-devices.net`,
      ],
      secret: false,
    });
    expect(await secretValue(platform.idScope)).toEqual({ value: "0ne00ABC123", secret: false });
  });
});
