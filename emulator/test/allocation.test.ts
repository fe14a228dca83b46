import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../clients";
import type { RunningEmulator } from "../index";
import { adminRequest } from "../../testkit/admin-client";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";

const HUB_C = "hub-c.azure-devices.net";

let emu: RunningEmulator;
let client: ProvisioningServiceClient;
let webhook: http.Server;
let webhookUrl: string;
/** What the webhook received, and how it answers next. */
const received: Array<Record<string, unknown>> = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  webhook = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c));
    req.on("end", () => {
      received.push(JSON.parse(data));
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((ok) => webhook.listen(0, "127.0.0.1", ok));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/api/allocate?code=secret-function-key`;
  emu = await startTestEmulator({
    config: {
      linkedHubs: [
        { hostName: HUB_A, location: "westeurope" },
        { hostName: HUB_B, location: "eastus" },
        { hostName: HUB_C, location: "japaneast", applyAllocationPolicy: false },
      ],
      geoLatency: { deviceLocations: { "eu-": "northeurope", "us-": "centralus" } },
    },
    customAllocation: { retryCount: 2, retryIntervalMs: 10, retryIncrementMs: 10 },
  });
  client = serviceClientFor(emu);
});
afterAll(async () => {
  await emu.stop();
  await new Promise((ok) => webhook.close(ok));
});

async function enrol(registrationId: string, extra: object = {}): Promise<string> {
  const e = (
    await client.createOrUpdateIndividualEnrollment({
      registrationId,
      attestation: { type: "symmetricKey" },
      ...extra,
    } as never)
  ).responseBody;
  return e.attestation.symmetricKey!.primaryKey;
}

async function register(registrationId: string, key: string, payload?: unknown) {
  const device = symmetricKeyDeviceClientFor(emu, registrationId, key);
  if (payload !== undefined) device.setProvisioningPayload(payload as never);
  return device.register();
}

describe("custom allocation", () => {
  const custom = () => ({
    allocationPolicy: "custom",
    customAllocationDefinition: { webhookUrl, apiVersion: "2021-10-01" },
  });

  it("sends DPS's AllocationRequest and assigns the hub, twin and payload the webhook answers", async () => {
    answer = {
      status: 200,
      body: {
        iotHubHostName: HUB_B,
        initialTwin: { tags: { chosenBy: "webhook" } },
        payload: { welcome: true },
      },
    };
    const key = await enrol("custom-1", { ...custom(), initialTwin: { tags: { chosenBy: "enrollment" } } });
    received.length = 0;
    const result = await register("custom-1", key, { model: "t1000" });
    expect(result).toMatchObject({ assignedHub: HUB_B, status: "assigned", payload: { welcome: true } });
    expect(emu.inspect.device(HUB_B, "custom-1")?.twin.tags).toEqual({ chosenBy: "webhook" });
    const request = received[0] as {
      individualEnrollment: { registrationId: string; attestation: unknown };
      deviceRuntimeContext: unknown;
      linkedHubs: string[];
    };
    expect(request.individualEnrollment.registrationId).toBe("custom-1");
    expect(request.individualEnrollment.attestation).toEqual({ type: "symmetricKey" });
    expect(JSON.stringify(request)).not.toContain("secret-function-key");
    expect(request.deviceRuntimeContext).toEqual({
      registrationId: "custom-1",
      symmetricKey: {},
      payload: { model: "t1000" },
    });
    // All linked hubs that take part in allocation are offered (hub C does not).
    expect(request.linkedHubs).toEqual([HUB_A, HUB_B]);
  });

  it("fails the registration with DPS's error codes when the webhook fails", async () => {
    const key = await enrol("custom-2", custom());
    const failed = async () => {
      const err = (await register("custom-2", key).catch((e: unknown) => e)) as {
        name: string;
        result?: { registrationState?: { errorCode?: number } };
      };
      expect(err.name).toBe("ProvisioningRegistrationFailedError");
      return err.result?.registrationState?.errorCode;
    };
    answer = { status: 200, body: { iotHubHostName: "" } };
    expect(await failed()).toBe(400208);
    answer = { status: 401, body: {} };
    expect(await failed()).toBe(400209);
    answer = { status: 500, body: {} };
    const before = received.length;
    expect(await failed()).toBe(400207);
    expect(received.length - before).toBe(3); // >= 429 is retried (2 retries configured here)
    answer = { status: 200, body: { iotHubHostName: "unlinked.azure-devices.net" } };
    expect(await failed()).toBe(400207);
  });
});

describe("built-in allocation policies", () => {
  it("geoLatency picks the hub nearest the device's configured location", async () => {
    const eu = await enrol("eu-sensor-1", { allocationPolicy: "geoLatency" });
    const us = await enrol("us-sensor-1", { allocationPolicy: "geoLatency" });
    expect((await register("eu-sensor-1", eu)).assignedHub).toBe(HUB_A);
    expect((await register("us-sensor-1", us)).assignedHub).toBe(HUB_B);
  });

  it("an enrollment may name a hub that does not take part in allocation", async () => {
    const key = await enrol("static-c", { allocationPolicy: "static", iotHubs: [HUB_C] });
    expect((await register("static-c", key)).assignedHub).toBe(HUB_C);
  });
});

describe("reprovisioning", () => {
  async function moveBetweenHubs(registrationId: string, reprovisionPolicy: object) {
    const key = await enrol(registrationId, {
      allocationPolicy: "static",
      iotHubs: [HUB_A],
      reprovisionPolicy,
      initialTwin: { tags: { v: 1 } },
    });
    await register(registrationId, key);
    // The device's twin changes on the hub after provisioning...
    const deviceOnA = emu.inspect.device(HUB_A, registrationId);
    expect(deviceOnA).toBeDefined();
    // ...then the enrollment moves to hub B with a new initial twin.
    const current = (await client.getIndividualEnrollment(registrationId)).responseBody;
    await client.createOrUpdateIndividualEnrollment({
      ...current,
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: key, secondaryKey: key } },
      iotHubs: [HUB_B],
      initialTwin: { tags: { v: 2 } },
    } as never);
    return register(registrationId, key);
  }

  it("migrates the device and its data to the new hub by default", async () => {
    const result = await moveBetweenHubs("rp-migrate", {
      updateHubAssignment: true,
      migrateDeviceData: true,
    });
    expect(result).toMatchObject({ assignedHub: HUB_B, substatus: "deviceDataMigrated" });
    expect(emu.inspect.device(HUB_A, "rp-migrate")).toBeUndefined();
    expect(emu.inspect.device(HUB_B, "rp-migrate")?.twin.tags).toEqual({ v: 1 });
  });

  it("resets the device to the enrollment's initial twin when data is not migrated", async () => {
    const result = await moveBetweenHubs("rp-reset", { updateHubAssignment: true, migrateDeviceData: false });
    expect(result).toMatchObject({ assignedHub: HUB_B, substatus: "deviceDataReset" });
    expect(emu.inspect.device(HUB_A, "rp-reset")).toBeUndefined();
    expect(emu.inspect.device(HUB_B, "rp-reset")?.twin.tags).toEqual({ v: 2 });
  });

  it("keeps the device on its hub when the policy says never reprovision", async () => {
    const result = await moveBetweenHubs("rp-never", {
      updateHubAssignment: false,
      migrateDeviceData: false,
    });
    expect(result).toMatchObject({ assignedHub: HUB_A, substatus: "initialAssignment" });
    expect(emu.inspect.device(HUB_A, "rp-never")?.twin.tags).toEqual({ v: 1 });
  });

  it("reports reprovisionedToInitialAssignment when a device returns to its first hub", async () => {
    await moveBetweenHubs("rp-back", { updateHubAssignment: true, migrateDeviceData: true });
    const current = (await client.getIndividualEnrollment("rp-back")).responseBody;
    const key = (await client.getIndividualEnrollmentAttestationMechanism("rp-back")).responseBody
      .symmetricKey!.primaryKey;
    await client.createOrUpdateIndividualEnrollment({
      ...current,
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: key, secondaryKey: key } },
      iotHubs: [HUB_A],
    } as never);
    expect(await register("rp-back", key)).toMatchObject({
      assignedHub: HUB_A,
      substatus: "reprovisionedToInitialAssignment",
    });
  });
});

describe("admin API", () => {
  it("changes linked hubs and the default policy at run time and validates input", async () => {
    const before = await adminRequest(emu, "GET", "/admin/config");
    expect(before.body).toMatchObject({ idScope: emu.idScope, allocationPolicy: "hashed" });
    const bad = await adminRequest(emu, "PUT", "/admin/config", {
      allocationPolicy: "hashed",
      linkedHubs: [{ hostName: HUB_A, allocationWeight: 0 }],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain("linkedHubs[0].allocationWeight is 0");
    expect(bad.headers["x-ms-error-code"]).toBeDefined();
    const custom = await adminRequest(emu, "PUT", "/admin/config", {
      allocationPolicy: "custom",
      linkedHubs: [],
    });
    expect(custom.status).toBe(400);
    const changed = await adminRequest(emu, "PUT", "/admin/config", {
      allocationPolicy: "static",
      linkedHubs: [
        {
          hostName: HUB_B,
          location: "eastus",
          connectionString: "HostName=hub-b;SharedAccessKeyName=x;SharedAccessKey=c2VjcmV0",
        },
      ],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({
      idScope: emu.idScope,
      allocationPolicy: "static",
      linkedHubs: [{ hostName: HUB_B, location: "eastus", allocationWeight: 1, applyAllocationPolicy: true }],
    });
    const key = await enrol("after-change");
    expect((await register("after-change", key)).assignedHub).toBe(HUB_B);
    const hubs = (await adminRequest(emu, "GET", "/admin/hubs")).body as Array<{
      hostName: string;
      devices: Array<{ deviceId: string }>;
    }>;
    expect(hubs[0]?.hostName).toBe(HUB_B);
    expect(hubs.find((h) => h.hostName === HUB_B)?.devices.map((d) => d.deviceId)).toContain("after-change");
  });
});
