/**
 * What `npm run registrations` reads from a stack's state: the enrollments per DPS (resources and
 * the batch path's set entries), their connection (a secret of `stack export --show-secrets`), and
 * the linked hubs' weights from the local or the Azure DPS resource.
 */
import { describe, expect, it } from "vitest";
import {
  encodeSetEntries,
  ENROLLMENT_GROUP_TYPE,
  ENROLLMENT_SET_TYPE,
  INDIVIDUAL_ENROLLMENT_TYPE,
  LOCAL_DPS_TYPE,
  SECRET_SIGNATURE_KEY,
} from "@dps-as-code/contract";
import { stackEnrollments } from "../../scripts/registrations/stack-enrollments";

/** A secret as `pulumi stack export --show-secrets` shows it. */
const shownSecret = (value: unknown) => ({
  [SECRET_SIGNATURE_KEY]: "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});

const local = {
  serviceEndpoint: "localhost:8443",
  connectionString: "HostName=localhost:8443;SharedAccessKeyName=p;SharedAccessKey=k",
};
const azure = { serviceEndpoint: "fleet-dps.azure-devices-provisioning.net", useEntraId: true };

describe("stackEnrollments", () => {
  it("groups enrollments, set entries and groups by DPS, with the local platform's weights", () => {
    const dps = stackEnrollments({
      resources: [
        {
          urn: "urn:dps",
          type: LOCAL_DPS_TYPE,
          inputs: {
            serviceHost: "localhost:8443",
            linkedHubs: [{ hostName: "hub-a", allocationWeight: 2 }, { hostName: "hub-b" }],
          },
        },
        {
          urn: "urn:1",
          type: INDIVIDUAL_ENROLLMENT_TYPE,
          inputs: { registrationId: "pump-2", dps: shownSecret(local) },
        },
        {
          urn: "urn:2",
          type: ENROLLMENT_GROUP_TYPE,
          inputs: { enrollmentGroupId: "meters", dps: shownSecret(local) },
        },
        {
          urn: "urn:3",
          type: ENROLLMENT_SET_TYPE,
          inputs: { dps: shownSecret(local), shard: "00-of-01", enrollments: { "pump-1": {}, "pump-2": {} } },
        },
        { urn: "urn:4", type: "pulumi:providers:random", inputs: {} },
      ],
    });
    expect(dps).toEqual([
      {
        connection: local,
        serviceEndpoint: "localhost:8443",
        individual: ["pump-1", "pump-2"],
        groups: ["meters"],
        linkedHubs: [
          { hostName: "hub-a", allocationWeight: 2 },
          { hostName: "hub-b", allocationWeight: 1 },
        ],
      },
    ]);
  });

  it("reads a set's entries sent as one text as it reads the map", () => {
    const setOf = (enrollments: unknown) =>
      stackEnrollments({
        resources: [
          {
            urn: "urn:3",
            type: ENROLLMENT_SET_TYPE,
            inputs: { dps: shownSecret(local), shard: "00-of-01", enrollments },
          },
        ],
      });
    const entries = { "pump-1": { provisioningStatus: "enabled" }, "pump-2": { iotHubs: ["weu"] } };
    const text = encodeSetEntries(entries as never);
    expect(setOf(text)).toEqual(setOf(entries));
    expect(setOf(text)[0]!.individual).toEqual(["pump-1", "pump-2"]);
    expect(() => setOf(text.replace('"pump-1"', '"pump-3"'))).toThrow(
      'urn:3: enrollments line 3 ("pump-2"): ids must be unique and sorted; it follows "pump-3"',
    );
  });

  it("reads an Azure DPS's linked hubs from its outputs, and knows no weights for a DPS it does not declare", () => {
    const dps = stackEnrollments({
      resources: [
        {
          urn: "urn:dps",
          type: "azure-native:deviceprovisioningservices:IotDpsResource",
          outputs: {
            properties: {
              serviceOperationsHostName: "fleet-dps.azure-devices-provisioning.net",
              iotHubs: [
                {
                  name: "hub-west.azure-devices.net",
                  allocationWeight: 1,
                  connectionString: shownSecret("HostName=hub-west.azure-devices.net;SharedAccessKey=x"),
                },
                {
                  connectionString: shownSecret(
                    "HostName=hub-east.azure-devices.net;SharedAccessKeyName=l;SharedAccessKey=y",
                  ),
                  allocationWeight: 3,
                },
              ],
            },
          },
        },
        {
          urn: "urn:1",
          type: INDIVIDUAL_ENROLLMENT_TYPE,
          inputs: { registrationId: "pump-1", dps: shownSecret(azure) },
        },
        {
          urn: "urn:2",
          type: ENROLLMENT_GROUP_TYPE,
          inputs: {
            enrollmentGroupId: "elsewhere",
            dps: shownSecret({
              serviceEndpoint: "other-dps.azure-devices-provisioning.net",
              useEntraId: true,
            }),
          },
        },
      ],
    });
    expect(dps.map((d) => [d.serviceEndpoint, d.linkedHubs])).toEqual([
      [
        "fleet-dps.azure-devices-provisioning.net",
        [
          { hostName: "hub-west.azure-devices.net", allocationWeight: 1 },
          { hostName: "hub-east.azure-devices.net", allocationWeight: 3 },
        ],
      ],
      ["other-dps.azure-devices-provisioning.net", []],
    ]);
  });
});
