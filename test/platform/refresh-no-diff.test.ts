// A pull request that changes nothing shows nothing: `pulumi refresh` before a preview or an up
// must not turn the DPS's masked link strings and keyless policies into an update of the DPS.
//
// The inputs are the ones the ProvisioningService component registers for the prod stack (two
// hubs, weights 600/400), under the mocked platform. ARM's answers are built as the spec and
// Microsoft's docs show them: a GET and a write answer alike carry `authorizationPolicies: []`
// (the DPS's keys come only from listKeys: Azure/azure-rest-api-specs
// `specification/deviceprovisioningservices/resource-manager/Microsoft.Devices/preview/2023-03-01-preview/examples/DPSGet.json`
// and `DPSUpdate.json`; iotdps.json: the write's body has "Security-related properties ... set to
// null"), each linked hub with its `name` (`examples/2026-08-01/DPSCreateWithIotHub.json`) and its
// connection string masked, `SharedAccessKey=****` (Azure/azure-powershell
// `Update-AzIoTDeviceProvisioningServiceLinkedHub` help, its example output). What the refresh
// makes of the inputs is azure-native's rule (testkit/azure-native-refresh.ts). Hubs likewise:
// ARM never returns a hub's policies (iothub_get.json), before or after a refresh.
import { beforeAll, describe, expect, it } from "vitest";
import {
  changedPaths,
  IOT_DPS_RESOURCE_INPUT_SHAPE,
  IOT_HUB_RESOURCE_INPUT_SHAPE,
  refreshedInputs,
} from "../../testkit/azure-native-refresh";
import {
  filledInProdConfig,
  isSecretInput,
  runMockedPlatform,
  SUBSCRIPTION,
  type MockedPlatform,
} from "../../testkit/mock-platform";

type Json = unknown;
type Hub = {
  connectionString: string;
  location: string;
  allocationWeight: number;
  applyAllocationPolicy: boolean;
};
type DpsInputs = {
  provisioningServiceName: string;
  resourceGroupName: string;
  location: string;
  sku: { name: string; capacity: number };
  tags: Record<string, string>;
  properties: {
    allocationPolicy: string;
    publicNetworkAccess: string;
    enableDataResidency: boolean;
    ipFilterRules: unknown[];
    authorizationPolicies: unknown[];
    iotHubs: Hub[];
  };
};

/** The value without the mocks' secret wrappers, at every depth. */
function unwrapped(value: Json): Json {
  if (isSecretInput(value)) return unwrapped((value as { value: Json }).value);
  if (Array.isArray(value)) return value.map(unwrapped);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapped(v)]));
  return value;
}

const masked = (connectionString: string) =>
  connectionString.replace(/SharedAccessKey=[^;]*/, "SharedAccessKey=****");

/** What ARM answers for the DPS these inputs describe (a GET, or the end of a write). */
function armAnswer(inputs: DpsInputs, hubs: (hub: Hub) => Hub = (h) => h): Record<string, Json> {
  const name = inputs.provisioningServiceName;
  return {
    id: `${SUBSCRIPTION}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Devices/ProvisioningServices/${name}`,
    name,
    type: "Microsoft.Devices/ProvisioningServices",
    etag: "AAAAAAAADGk=",
    location: inputs.location,
    resourcegroup: inputs.resourceGroupName,
    subscriptionid: SUBSCRIPTION.split("/")[2],
    sku: { ...inputs.sku, tier: "Standard" },
    tags: inputs.tags,
    properties: {
      state: "Active",
      provisioningState: "Succeeded",
      allocationPolicy: inputs.properties.allocationPolicy,
      publicNetworkAccess: inputs.properties.publicNetworkAccess,
      enableDataResidency: inputs.properties.enableDataResidency,
      ipFilterRules: inputs.properties.ipFilterRules,
      serviceOperationsHostName: `${name}.azure-devices-provisioning.net`,
      deviceProvisioningHostName: "global.azure-devices-provisioning.net",
      portalOperationsHostName: `${name}.services.azure-devices-provisioning.net`,
      idScope: "0ne00000012",
      authorizationPolicies: [],
      iotHubs: inputs.properties.iotHubs.map(hubs).map((h) => ({
        name: /HostName=([^;]+)/.exec(h.connectionString)![1],
        connectionString: masked(h.connectionString),
        location: h.location,
        allocationWeight: h.allocationWeight,
        applyAllocationPolicy: h.applyAllocationPolicy,
      })),
    },
  };
}

const refresh = (inputs: DpsInputs, atWrite: Record<string, Json>, now: Record<string, Json>) =>
  refreshedInputs(inputs as unknown as Record<string, Json>, atWrite, now, IOT_DPS_RESOURCE_INPUT_SHAPE);

let run: MockedPlatform;
let program: DpsInputs;
beforeAll(async () => {
  run = await runMockedPlatform("prod", filledInProdConfig());
  program = unwrapped(run.one("azure-native:deviceprovisioningservices:IotDpsResource").inputs) as DpsInputs;
});

describe("refresh of the DPS, then preview", () => {
  it("the component declares what the refresh must keep: every policy's keys and the link strings in clear", () => {
    expect(program.properties.authorizationPolicies).toHaveLength(2);
    for (const policy of program.properties.authorizationPolicies as { primaryKey: string }[])
      expect(policy.primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(program.properties.iotHubs.map((h) => h.connectionString)).toEqual([
      expect.stringMatching(/;SharedAccessKeyName=dps-link;SharedAccessKey=[A-Za-z0-9+/]{43}=$/),
      expect.stringMatching(/;SharedAccessKeyName=dps-link;SharedAccessKey=[A-Za-z0-9+/]{43}=$/),
    ]);
  });

  it("shows nothing when ARM answers with masked link strings and keyless policies, as it did at the write", () => {
    const refreshed = refresh(program, armAnswer(program), armAnswer(program));
    expect(refreshed).toEqual(program);
    expect(changedPaths(refreshed, program)).toEqual([]);
  });

  it("shows a weight changed outside Pulumi, and only that", () => {
    const portal = armAnswer(program, (h) =>
      h.allocationWeight === 600 ? { ...h, allocationWeight: 500 } : h,
    );
    const refreshed = refresh(program, armAnswer(program), portal);
    const weu = program.properties.iotHubs.findIndex((h) => h.allocationWeight === 600);
    expect(changedPaths(refreshed, program)).toEqual([`properties.iotHubs[${weu}].allocationWeight`]);
  });

  it("shows a weight the pull request changes, after a refresh that changed nothing", () => {
    const refreshed = refresh(program, armAnswer(program), armAnswer(program));
    const pr = structuredClone(program);
    pr.properties.iotHubs[1]!.allocationWeight = 450;
    expect(changedPaths(refreshed, pr)).toEqual(["properties.iotHubs[1].allocationWeight"]);
  });

  it("shows a hub linked or unlinked outside Pulumi", () => {
    const unlinked = armAnswer(program);
    (unlinked.properties as { iotHubs: unknown[] }).iotHubs.pop();
    const refreshed = refresh(program, armAnswer(program), unlinked);
    expect(changedPaths(refreshed, program)).toEqual(["properties.iotHubs[1]"]);
  });

  it("cannot see a hub relinked with another key behind the mask (README: Verify on first deploy)", () => {
    const relinked = armAnswer(program, (h) => ({
      ...h,
      connectionString: h.connectionString.replace(/SharedAccessKey=.*/, "SharedAccessKey=another"),
    }));
    expect(changedPaths(refresh(program, armAnswer(program), relinked), program)).toEqual([]);
  });

  it("would show an update on every refresh if ARM's write answer held what a GET masks (the case to verify)", () => {
    const inClear = armAnswer(program);
    (inClear.properties as { iotHubs: Hub[] }).iotHubs = program.properties.iotHubs.map((h) => ({ ...h }));
    const refreshed = refresh(program, inClear, armAnswer(program));
    expect(changedPaths(refreshed, program)).toEqual([
      "properties.iotHubs[0].connectionString",
      "properties.iotHubs[1].connectionString",
    ]);
  });
});

/**
 * What ARM answers for a hub these inputs describe: its properties without
 * `authorizationPolicies` (their keys come from listKeys) and with what the hub fills in, as
 * Azure/azure-rest-api-specs `specification/iothub/resource-manager/Microsoft.Devices/stable/2023-06-30/examples/iothub_get.json` shows.
 */
function armHubAnswer(inputs: Record<string, Json>): Record<string, Json> {
  const { authorizationPolicies: _keys, ...properties } = inputs.properties as Record<string, Json>;
  const events = (properties.eventHubEndpoints as { events: Record<string, Json> }).events;
  return {
    id: `${SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.Devices/IotHubs/${String(inputs.resourceName)}`,
    name: inputs.resourceName,
    type: "Microsoft.Devices/IotHubs",
    etag: "AAAAAAFD6M4=",
    location: inputs.location,
    tags: inputs.tags,
    identity: inputs.identity,
    sku: { ...(inputs.sku as object), tier: "Standard" },
    properties: {
      ...properties,
      state: "Active",
      provisioningState: "Succeeded",
      hostName: `${String(inputs.resourceName)}.azure-devices.net`,
      eventHubEndpoints: {
        events: {
          ...events,
          partitionIds: ["0", "1"],
          path: String(inputs.resourceName),
          endpoint: "sb://iothub-ns/",
        },
      },
      features: "None",
      enableFileUploadNotifications: false,
    },
  };
}

describe("refresh of a hub, then preview", () => {
  it("shows nothing although ARM never returns the hub's policies, whose keys the inputs hold", () => {
    for (const hub of run.ofType("azure-native:iothub:IotHubResource")) {
      const inputs = unwrapped(hub.inputs) as Record<string, Json>;
      expect((inputs.properties as { authorizationPolicies: unknown[] }).authorizationPolicies).toHaveLength(
        1,
      );
      const refreshed = refreshedInputs(
        inputs,
        armHubAnswer(inputs),
        armHubAnswer(inputs),
        IOT_HUB_RESOURCE_INPUT_SHAPE,
      );
      expect(changedPaths(refreshed, inputs), hub.name).toEqual([]);
    }
  });

  it("shows a retention changed outside Pulumi", () => {
    const hub = run.ofType("azure-native:iothub:IotHubResource")[0]!;
    const inputs = unwrapped(hub.inputs) as Record<string, Json>;
    const portal = armHubAnswer(inputs);
    const events = (portal.properties as { eventHubEndpoints: { events: { retentionTimeInDays: number } } })
      .eventHubEndpoints.events;
    events.retentionTimeInDays = events.retentionTimeInDays === 1 ? 2 : 1;
    const refreshed = refreshedInputs(inputs, armHubAnswer(inputs), portal, IOT_HUB_RESOURCE_INPUT_SHAPE);
    expect(changedPaths(refreshed, inputs)).toEqual([
      "properties.eventHubEndpoints.events.retentionTimeInDays",
    ]);
  });
});
