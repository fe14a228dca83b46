import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { deriveDeviceKey } from "../auth/sas";
import { createSelfSignedCertificate, issueCertificate } from "../certificates";
import { serviceClientFor, symmetricKeyDeviceClientFor, x509DeviceClientFor } from "../clients";
import type { RunningEmulator } from "../index";
import { adminRequest } from "../../testkit/admin-client";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";
import { errorBody, statusOf } from "./helpers";

let emu: RunningEmulator;
let client: ProvisioningServiceClient;

beforeAll(async () => {
  emu = await startTestEmulator({
    config: {
      linkedHubs: [
        { hostName: HUB_A, location: "westeurope", allocationWeight: 1 },
        { hostName: HUB_B, location: "eastus", allocationWeight: 3 },
      ],
    },
  });
  client = serviceClientFor(emu);
});
afterAll(() => emu.stop());

const put = (e: object) => client.createOrUpdateIndividualEnrollment(e as never).then((r) => r.responseBody);
const putGroup = (g: object) => client.createOrUpdateEnrollmentGroup(g as never).then((r) => r.responseBody);

describe("symmetric-key devices through azure-iot-provisioning-device-http", () => {
  it("registers an individual enrollment on the hub it names, with its device id, twin and edge capability", async () => {
    const e = await put({
      registrationId: "sym-dev-1",
      deviceId: "Thermostat-1",
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB_A],
      allocationPolicy: "static",
      capabilities: { iotEdge: true },
      initialTwin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } },
    });
    const result = await symmetricKeyDeviceClientFor(
      emu,
      "sym-dev-1",
      e.attestation.symmetricKey!.primaryKey,
    ).register();
    expect(result).toMatchObject({
      registrationId: "sym-dev-1",
      assignedHub: HUB_A,
      deviceId: "Thermostat-1",
      status: "assigned",
      substatus: "initialAssignment",
    });
    expect(emu.inspect.device(HUB_A, "Thermostat-1")).toEqual({
      deviceId: "Thermostat-1",
      registrationId: "sym-dev-1",
      capabilities: { iotEdge: true },
      twin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } },
    });
    const state = (await client.getDeviceRegistrationState("sym-dev-1")).responseBody;
    expect(state).toMatchObject({ assignedHub: HUB_A, status: "assigned", deviceId: "Thermostat-1" });
    // The secondary key works too.
    const again = await symmetricKeyDeviceClientFor(
      emu,
      "sym-dev-1",
      e.attestation.symmetricKey!.secondaryKey,
    ).register();
    expect(again.assignedHub).toBe(HUB_A);
  });

  it("rejects a wrong key with 401 and DPS's error body", async () => {
    const err = await symmetricKeyDeviceClientFor(emu, "sym-dev-1", Buffer.alloc(32, 1).toString("base64"))
      .register()
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("UnauthorizedError");
    expect(statusOf(err)).toBe(401);
    expect(errorBody(err)).toMatchObject({ errorCode: 401000, message: "Unauthorized" });
  });

  it("spreads 200 group devices about 1:3 over hubs weighted 1 and 3", async () => {
    const group = await putGroup({
      enrollmentGroupId: "weighted-group",
      attestation: { type: "symmetricKey" },
    });
    const groupKey = group.attestation.symmetricKey!.primaryKey;
    const counts: Record<string, number> = {};
    const ids = Array.from({ length: 200 }, (_, i) => `weighted-${i}`);
    for (let batch = 0; batch < ids.length; batch += 20) {
      const results = await Promise.all(
        ids
          .slice(batch, batch + 20)
          .map((id) => symmetricKeyDeviceClientFor(emu, id, deriveDeviceKey(groupKey, id)).register()),
      );
      for (const r of results) counts[r.assignedHub!] = (counts[r.assignedHub!] ?? 0) + 1;
    }
    expect((counts[HUB_A] ?? 0) + (counts[HUB_B] ?? 0)).toBe(200);
    // Expected 50 / 150; the binomial standard deviation is about 6.
    expect(counts[HUB_A]).toBeGreaterThan(30);
    expect(counts[HUB_A]).toBeLessThan(70);
    // The placement is stable: the same device lands on the same hub again.
    const first = emu.inspect.registration("weighted-7")?.assignedHub;
    const again = await symmetricKeyDeviceClientFor(
      emu,
      "weighted-7",
      deriveDeviceKey(groupKey, "weighted-7"),
    ).register();
    expect(again.assignedHub).toBe(first);
    // Registration states are listed per group, with paging.
    const page = await client
      .createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, "weighted-group", 50)
      .next();
    expect(page.responseBody).toHaveLength(50);
    expect(page.httpResponse.headers["x-ms-item-type"]).toBe("DeviceRegistration");
    expect(page.httpResponse.headers["x-ms-continuation"]).toBeDefined();
  });

  it("rejects a device key derived from the wrong group key", async () => {
    const err = await symmetricKeyDeviceClientFor(
      emu,
      "weighted-x",
      deriveDeviceKey(Buffer.alloc(64, 9).toString("base64"), "weighted-x"),
    )
      .register()
      .catch((e: unknown) => e);
    expect(statusOf(err)).toBe(401);
    expect(errorBody(err).errorCode).toBe(401000);
  });

  it("answers disabled for a disabled enrollment, and a disabled individual enrollment blocks one group device", async () => {
    const group = await putGroup({
      enrollmentGroupId: "blocking-group",
      attestation: { type: "symmetricKey" },
    });
    await put({
      registrationId: "blocked-dev",
      attestation: { type: "symmetricKey" },
      provisioningStatus: "disabled",
    });
    const err = await symmetricKeyDeviceClientFor(
      emu,
      "blocked-dev",
      deriveDeviceKey(group.attestation.symmetricKey!.primaryKey, "blocked-dev"),
    )
      .register()
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe("status is disabled");
    expect(emu.inspect.registration("blocked-dev")).toMatchObject({ status: "disabled" });
  });

  it("rejects TPM devices with a clear not-supported error", async () => {
    const body = JSON.stringify({ registrationId: "tpm-dev", tpm: { endorsementKey: "AAAA" } });
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: "localhost",
          port: emu.port,
          method: "PUT",
          path: `/${emu.idScope}/registrations/tpm-dev/register?api-version=2019-03-31`,
          ca: emu.caCertPem,
          headers: { "content-type": "application/json" },
        },
        (res) => {
          let t = "";
          res.on("data", (c: Buffer) => (t += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: t }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(400);
    expect(JSON.parse(text).message).toContain("TPM attestation is not supported by the emulator");
  });
});

describe("X.509 devices", () => {
  it("registers an individual enrollment by its client certificate and rejects another certificate", async () => {
    const device = createSelfSignedCertificate({ commonName: "x509-dev-1" });
    await put({
      registrationId: "x509-dev-1",
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
      },
      allocationPolicy: "static",
      iotHubs: [HUB_B],
    });
    const got = (await client.getIndividualEnrollment("x509-dev-1")).responseBody;
    expect(got.attestation.x509?.clientCertificates?.primary?.info?.subjectName).toBe("CN=x509-dev-1");
    const result = await x509DeviceClientFor(
      emu,
      "x509-dev-1",
      device.certificatePem,
      device.privateKeyPem,
    ).register();
    expect(result).toMatchObject({ assignedHub: HUB_B, deviceId: "x509-dev-1", status: "assigned" });

    const impostor = createSelfSignedCertificate({ commonName: "x509-dev-1" });
    const err = await x509DeviceClientFor(emu, "x509-dev-1", impostor.certificatePem, impostor.privateKeyPem)
      .register()
      .catch((e: unknown) => e);
    expect(statusOf(err)).toBe(401);
    expect(errorBody(err).errorCode).toBe(401002);
  });

  it("registers group devices whose chain reaches the signing certificate or a verified CA reference", async () => {
    const root = createSelfSignedCertificate({ commonName: "Test Root", isCa: true });
    const intermediate = issueCertificate(root, { commonName: "Test Intermediate", isCa: true });
    await putGroup({
      enrollmentGroupId: "x509-group",
      attestation: {
        type: "x509",
        x509: {
          signingCertificates: {
            primary: { certificate: Buffer.from(intermediate.certificatePem).toString("base64") },
          },
        },
      },
      allocationPolicy: "static",
      iotHubs: [HUB_A],
    });
    const leaf = issueCertificate(intermediate, { commonName: "x509-group-dev-1" });
    const result = await x509DeviceClientFor(
      emu,
      "x509-group-dev-1",
      leaf.certificatePem + intermediate.certificatePem,
      leaf.privateKeyPem,
    ).register();
    expect(result).toMatchObject({ assignedHub: HUB_A, deviceId: "x509-group-dev-1" });

    // A CA reference: the root is uploaded through the admin API (verified), the group names it.
    const otherRoot = createSelfSignedCertificate({ commonName: "Other Root", isCa: true });
    await adminRequest(emu, "PUT", "/admin/certificates/other-root", {
      certificate: otherRoot.certificatePem,
      isVerified: true,
    });
    await putGroup({
      enrollmentGroupId: "ca-ref-group",
      attestation: { type: "x509", x509: { caReferences: { primary: "other-root" } } },
      allocationPolicy: "static",
      iotHubs: [HUB_B],
    });
    const leaf2 = issueCertificate(otherRoot, { commonName: "ca-ref-dev" });
    const r2 = await x509DeviceClientFor(
      emu,
      "ca-ref-dev",
      leaf2.certificatePem,
      leaf2.privateKeyPem,
    ).register();
    expect(r2.assignedHub).toBe(HUB_B);

    const stranger = createSelfSignedCertificate({ commonName: "Stranger CA", isCa: true });
    const leaf3 = issueCertificate(stranger, { commonName: "stranger-dev" });
    const err = await x509DeviceClientFor(emu, "stranger-dev", leaf3.certificatePem, leaf3.privateKeyPem)
      .register()
      .catch((e: unknown) => e);
    expect(statusOf(err)).toBe(401);
  });
});
