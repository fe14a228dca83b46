// Compliant baselines, one per resource type. Each test copies one and changes one field.
import { makeCertificate } from "../../testkit/certificates";

export const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;
export const validCertificate = makeCertificate({
  commonName: "device-001",
  notBefore: new Date(NOW.getTime() - 10 * DAY),
  notAfter: new Date(NOW.getTime() + 365 * DAY),
}).certificatePem;

export const IOT_HUB = "azure-native:iothub:IotHubResource";
export const AZURE_DPS = "azure-native:deviceprovisioningservices:IotDpsResource";
export const DPS_CERTIFICATE = "azure-native:deviceprovisioningservices:DpsCertificate";
export const LOCAL_DPS = "pulumi-nodejs:dynamic/dps:LocalProvisioningService";
export const INDIVIDUAL = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
export const GROUP = "pulumi-nodejs:dynamic/dps:EnrollmentGroup";

const HUB_WEU = "hub-weu.azure-devices.net";
const HUB_NEU = "hub-neu.azure-devices.net";

export function iotHub(): Record<string, unknown> {
  return {
    resourceGroupName: "rg-iot",
    location: "westeurope",
    sku: { name: "S1", capacity: 1 },
    properties: {
      minTlsVersion: "1.2",
      publicNetworkAccess: "Enabled",
      ipFilterRules: [{ filterName: "factory", action: "Accept", ipMask: "203.0.113.0/24" }],
      authorizationPolicies: [
        { keyName: "iothubowner", rights: "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect" },
        { keyName: "dps-link", rights: "RegistryWrite, ServiceConnect" },
      ],
    },
  };
}

const hubLink = (host: string, location: string) => ({
  connectionString: `HostName=${host};SharedAccessKeyName=dps-link;SharedAccessKey=c2VjcmV0LWh1Yi1rZXktdmFsdWUtZG8tbm90LWxvZw==`,
  location,
  allocationWeight: 10,
  applyAllocationPolicy: true,
});

export function azureDps(): Record<string, unknown> {
  return {
    resourceGroupName: "rg-iot",
    location: "westeurope",
    sku: { name: "S1", capacity: 1 },
    properties: {
      allocationPolicy: "Hashed",
      publicNetworkAccess: "Enabled",
      ipFilterRules: [{ filterName: "ops", action: "Accept", ipMask: "198.51.100.0/24", target: "all" }],
      iotHubs: [hubLink(HUB_WEU, "westeurope"), hubLink(HUB_NEU, "northeurope")],
      authorizationPolicies: [
        {
          keyName: "provisioningserviceowner",
          rights:
            "ServiceConfig, EnrollmentRead, EnrollmentWrite, DeviceConnect, RegistrationStatusRead, RegistrationStatusWrite",
        },
        {
          keyName: "enrollment-writer",
          rights: "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite",
        },
      ],
    },
  };
}

export function localDps(): Record<string, unknown> {
  return {
    allocationPolicy: "hashed",
    linkedHubs: [
      { hostName: HUB_WEU, location: "westeurope", allocationWeight: 1, applyAllocationPolicy: true },
      { hostName: HUB_NEU, location: "northeurope", allocationWeight: 1, applyAllocationPolicy: true },
    ],
    __provider: "exports.handler = ...",
  };
}

const dpsConnection = () => ({
  serviceEndpoint: "mydps.azure-devices-provisioning.net",
  connectionString:
    "HostName=mydps.azure-devices-provisioning.net;SharedAccessKeyName=enrollment-writer;SharedAccessKey=c2VjcmV0LWRwcy1rZXktdmFsdWUtZG8tbm90LWxvZw==",
});

export function individualEnrollment(): Record<string, unknown> {
  return {
    registrationId: "device-001",
    attestation: {
      type: "x509",
      x509: { clientCertificates: { primary: { certificate: validCertificate } } },
    },
    iotHubs: [HUB_WEU],
    allocationPolicy: "static",
    initialTwin: { tags: { site: "plant-7" }, properties: { desired: { telemetryIntervalSeconds: 30 } } },
    provisioningStatus: "enabled",
    dps: dpsConnection(),
    linkedHubs: [HUB_WEU, HUB_NEU],
    __provider: "exports.handler = ...",
  };
}

export function enrollmentGroup(): Record<string, unknown> {
  return {
    enrollmentGroupId: "sensors-plant-7",
    attestation: { type: "x509", x509: { caReferences: { primary: "plant-ca" } } },
    iotHubs: [HUB_WEU, HUB_NEU],
    allocationPolicy: "hashed",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
    initialTwin: { tags: { fleet: "sensors" } },
    provisioningStatus: "enabled",
    dps: dpsConnection(),
    linkedHubs: [HUB_WEU, HUB_NEU],
    __provider: "exports.handler = ...",
  };
}

export function dpsCertificate(): Record<string, unknown> {
  return {
    resourceGroupName: "rg-iot",
    provisioningServiceName: "mydps",
    properties: { certificate: validCertificate, isVerified: true },
  };
}

export const ENROLLMENT_SET = "pulumi-nodejs:dynamic/dps:EnrollmentSet";

/** An entry of an enrollment set: the individual enrollment's inputs minus id, dps and linkedHubs. */
export function setEntry(): Record<string, unknown> {
  const {
    registrationId: _id,
    dps: _dps,
    linkedHubs: _hubs,
    __provider: _provider,
    ...entry
  } = individualEnrollment();
  return entry;
}

/** A compliant set of two entries (components/enrollments/sets/README.md: keys and webhook URLs in `secrets`). */
export function enrollmentSet(): Record<string, unknown> {
  const { dps, linkedHubs } = individualEnrollment();
  return {
    dps,
    linkedHubs,
    shard: "0-of-1",
    enrollments: { "device-001": setEntry(), "device-002": setEntry() },
    secrets: {},
    __provider: "exports.handler = ...",
  };
}
