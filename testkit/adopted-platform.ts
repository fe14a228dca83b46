// An existing platform in Azure, for the adoption tests: a DPS and two hubs as their ARM GET
// bodies, and the keys their policies hold as POST listkeys answers them. The GET bodies have the
// fields of the specs' examples: iothub_get.json
// (specification/iothub/resource-manager/Microsoft.Devices/stable/2023-06-30/examples) and
// DPSGet.json (specification/deviceprovisioningservices/resource-manager/Microsoft.Devices/preview/
// 2023-03-01-preview/examples), the API versions azure-native 3.28's IotHubResource and
// IotDpsResource use, with this scenario's values, plus the properties those specs define that a
// configured resource returns and the examples leave out (publicNetworkAccess, disableLocalAuth,
// identity, enableDataResidency, ipFilterRules, the DPS's iotHubs, whose connection strings GET masks).
import type { MockAzure } from "./mock-platform";

/** An ARM GET body. */
export type ArmBody = Record<string, unknown>;

export const SUB = "/subscriptions/91d12660-3dec-467a-be2a-213b5544ddc0";
export const RG = "myResourceGroup";
export const DPS_ID = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/ProvisioningServices/myFirstProvisioningService`;
export const WEU_ID = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/IotHubs/testHub`;
export const NEU_ID = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/IotHubs/testHub2`;
// Test-only keys: base64 of 32 bytes, as IoT Hub and DPS generate them.
export const key = (n: number) => Buffer.alloc(32, n).toString("base64");

/** A hub's GET body (fields of iothub_get.json). */
export function hubGet(id: string, name: string, extra: Record<string, unknown>): ArmBody {
  return {
    id,
    name,
    type: "Microsoft.Devices/IotHubs",
    location: "eastus",
    tags: { owner: "iot-team" },
    etag: "AAAAAAFD6M4=",
    properties: {
      state: "Active",
      provisioningState: "Succeeded",
      ipFilterRules: [],
      hostName: `${name}.azure-devices.net`,
      eventHubEndpoints: {
        events: {
          retentionTimeInDays: 1,
          partitionCount: 4,
          partitionIds: ["0", "1", "2", "3"],
          path: name.toLowerCase(),
          endpoint: "sb://iothub-ns-testhub-245306-76aca8e13b.servicebus.windows.net/",
        },
      },
      routing: {
        endpoints: { serviceBusQueues: [], serviceBusTopics: [], eventHubs: [], storageContainers: [] },
        routes: [
          {
            name: "alerts",
            source: "DeviceMessages",
            condition: "true",
            endpointNames: ["events"],
            isEnabled: true,
          },
        ],
        fallbackRoute: {
          source: "DeviceMessages",
          condition: "true",
          endpointNames: ["events"],
          isEnabled: true,
        },
      },
      storageEndpoints: { $default: { sasTtlAsIso8601: "PT1H", connectionString: "", containerName: "" } },
      messagingEndpoints: {
        fileNotifications: { lockDurationAsIso8601: "PT1M", ttlAsIso8601: "PT1H", maxDeliveryCount: 10 },
      },
      enableFileUploadNotifications: false,
      cloudToDevice: {
        maxDeliveryCount: 10,
        defaultTtlAsIso8601: "PT1H",
        feedback: { lockDurationAsIso8601: "PT1M", ttlAsIso8601: "PT1H", maxDeliveryCount: 10 },
      },
      features: "None",
      locations: [
        { location: "East US", role: "primary" },
        { location: "West US", role: "secondary" },
      ],
      minTlsVersion: "1.2",
      publicNetworkAccess: "Enabled",
      disableLocalAuth: false,
      ...extra,
    },
    sku: { name: "S1", tier: "Standard", capacity: 2 },
    identity: { type: "None" },
    systemData: { createdAt: "2021-01-30T00:28:38.963Z" },
  };
}

export const WEU_GET = hubGet(WEU_ID, "testHub", {
  networkRuleSets: {
    defaultAction: "Deny",
    applyToBuiltInEventHubEndpoint: true,
    ipRules: [{ filterName: "plant-a", action: "Allow", ipMask: "131.117.159.53" }],
  },
});
export const NEU_GET = hubGet(NEU_ID, "testHub2", {});
export const masked = (hub: string, policy: string) =>
  `HostName=${hub}.azure-devices.net;SharedAccessKeyName=${policy};SharedAccessKey=****`;

/** The DPS's GET body (fields of DPSGet.json). */
export const DPS_GET: ArmBody = {
  etag: "AAAAAAAADGk=",
  name: "myFirstProvisioningService",
  location: "eastus",
  properties: {
    state: "Active",
    allocationPolicy: "Hashed",
    serviceOperationsHostName: "myFirstProvisioningService.azure-devices-provisioning.net",
    deviceProvisioningHostName: "global.azure-devices-provisioning.net",
    idScope: "0ne00000012",
    // GET lists no policy, whatever the DPS holds: list-keys does (DPSGet.json).
    authorizationPolicies: [],
    portalOperationsHostName: "myFirstProvisioningService.services.azure-devices-provisioning.net",
    publicNetworkAccess: "Enabled",
    enableDataResidency: false,
    ipFilterRules: [],
    iotHubs: [
      {
        name: "testHub.azure-devices.net",
        connectionString: masked("testHub", "iothubowner"),
        location: "eastus",
        allocationWeight: 600,
        applyAllocationPolicy: true,
      },
      {
        name: "testHub2.azure-devices.net",
        connectionString: masked("testHub2", "dps-link"),
        location: "eastus",
        allocationWeight: 400,
        applyAllocationPolicy: true,
      },
    ],
  },
  resourcegroup: RG,
  type: "Microsoft.Devices/ProvisioningServices",
  id: DPS_ID,
  subscriptionid: "91d12660-3dec-467a-be2a-213b5544ddc0",
  tags: {},
  sku: { name: "S1", tier: "Standard", capacity: 1 },
};

// What POST listkeys answers (iothub_listkeys.json, DPSListKeys.json shapes): the keys GET never shows.
export const HUB_DEFAULT_POLICIES = (n: number) => [
  {
    keyName: "iothubowner",
    primaryKey: key(n),
    secondaryKey: key(n + 1),
    rights: "RegistryWrite, ServiceConnect, DeviceConnect",
  },
  { keyName: "service", primaryKey: key(n + 2), secondaryKey: key(n + 3), rights: "ServiceConnect" },
];
export const AZURE: MockAzure = {
  resources: {
    [DPS_ID]: DPS_GET,
    [WEU_ID]: WEU_GET,
    [NEU_ID]: NEU_GET,
    [`${WEU_ID}/eventHubEndpoints/events/ConsumerGroups/telemetry`]: {
      name: "telemetry",
      properties: { name: "telemetry" },
    },
  },
  keys: {
    [WEU_ID]: HUB_DEFAULT_POLICIES(10),
    // This hub was linked by a dps-link policy already: it keeps its keys.
    [NEU_ID]: [
      ...HUB_DEFAULT_POLICIES(20),
      {
        keyName: "dps-link",
        primaryKey: key(30),
        secondaryKey: key(31),
        rights: "RegistryWrite, ServiceConnect",
      },
    ],
    [DPS_ID]: [
      {
        keyName: "provisioningserviceowner",
        primaryKey: key(40),
        secondaryKey: key(41),
        rights: "ServiceConfig, DeviceConnect, EnrollmentWrite",
      },
    ],
  },
};
