import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { serviceClientFor } from "../clients";
import type { RunningEmulator } from "../index";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";
import { errorBody, errorCodeHeader, statusOf, viaCallback } from "./helpers";

let emu: RunningEmulator;
let client: ProvisioningServiceClient;

beforeAll(async () => {
  emu = await startTestEmulator({
    config: {
      linkedHubs: [
        { hostName: HUB_A, location: "westeurope" },
        { hostName: HUB_B, location: "eastus" },
      ],
    },
  });
  client = serviceClientFor(emu);
});
afterAll(() => emu.stop());

type Enrollment = Parameters<ProvisioningServiceClient["createOrUpdateIndividualEnrollment"]>[0];

describe("individual enrollments through azure-iot-provisioning-service", () => {
  it("creates a symmetric-key enrollment with generated 64-byte keys, returned on PUT only", async () => {
    const created = await client.createOrUpdateIndividualEnrollment({
      registrationId: "Dev-Sym-1",
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB_B],
      allocationPolicy: "static",
      initialTwin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } },
    } as unknown as Enrollment);
    const body = created.responseBody;
    expect(Buffer.from(body.attestation.symmetricKey!.primaryKey, "base64")).toHaveLength(64);
    expect(Buffer.from(body.attestation.symmetricKey!.secondaryKey, "base64")).toHaveLength(64);
    expect(body.etag).toMatch(/^".+"$/);
    expect(body.provisioningStatus).toBe("enabled");
    expect(body.reprovisionPolicy).toEqual({ updateHubAssignment: true, migrateDeviceData: true });
    expect(body.createdDateTimeUtc).toMatch(/\.\d{7}Z$/);

    const fetched = (await client.getIndividualEnrollment("dev-sym-1")).responseBody; // ids are case-insensitive
    expect(fetched.registrationId).toBe("Dev-Sym-1");
    expect(fetched.attestation).toEqual({ type: "symmetricKey" });
    expect(fetched.iotHubs).toEqual([HUB_B]);

    const mechanism = (await client.getIndividualEnrollmentAttestationMechanism("Dev-Sym-1")).responseBody;
    expect(mechanism.symmetricKey?.primaryKey).toBe(body.attestation.symmetricKey!.primaryKey);
  });

  it("updates with the current etag and rejects a stale one with 412 and DPS's error shape", async () => {
    const first = (
      await client.createOrUpdateIndividualEnrollment({
        registrationId: "etag-dev",
        attestation: { type: "symmetricKey" },
      } as unknown as Enrollment)
    ).responseBody;
    const second = (
      await client.createOrUpdateIndividualEnrollment({ ...first, provisioningStatus: "disabled" })
    ).responseBody;
    expect(second.provisioningStatus).toBe("disabled");
    expect(second.etag).not.toBe(first.etag);
    const err = await client
      .createOrUpdateIndividualEnrollment({ ...first, provisioningStatus: "enabled" })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("InvalidEtagError");
    expect(statusOf(err)).toBe(412);
    const body = errorBody(err);
    expect(body.errorCode).toBe(412002);
    expect(body.trackingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.message).toContain("etag-dev");
    expect(errorCodeHeader(err)).toBe("412002");
    await expect(client.deleteIndividualEnrollment("etag-dev", first.etag)).rejects.toMatchObject({
      name: "InvalidEtagError",
    });
    await client.deleteIndividualEnrollment("etag-dev", "*");
    await expect(client.getIndividualEnrollment("etag-dev")).rejects.toMatchObject({ message: "Not found" });
  });

  it("rejects invalid ids, keys and hubs with 400 naming the field", async () => {
    const bad = async (e: object) => {
      const err = await client.createOrUpdateIndividualEnrollment(e as Enrollment).catch((x: unknown) => x);
      expect(statusOf(err)).toBe(400);
      return errorBody(err).message;
    };
    expect(await bad({ registrationId: "bad id!", attestation: { type: "symmetricKey" } })).toContain(
      "registrationId",
    );
    expect(await bad({ registrationId: "x".repeat(129), attestation: { type: "symmetricKey" } })).toContain(
      "128",
    );
    expect(
      await bad({
        registrationId: "short-key",
        attestation: {
          type: "symmetricKey",
          symmetricKey: { primaryKey: Buffer.alloc(8).toString("base64") },
        },
      }),
    ).toContain("got 8 bytes");
    expect(
      await bad({
        registrationId: "wrong-hub",
        attestation: { type: "symmetricKey" },
        allocationPolicy: "hashed",
        iotHubs: ["nope.azure-devices.net"],
      }),
    ).toContain("not a linked IoT hub");
    expect(await bad({ registrationId: "tpm-nokey", attestation: { type: "tpm", tpm: {} } })).toContain(
      "endorsementKey",
    );
    expect(
      await bad({
        registrationId: "custom-nohook",
        attestation: { type: "symmetricKey" },
        allocationPolicy: "custom",
      }),
    ).toContain("customAllocationDefinition");
  });

  it("refuses iotHubs without an allocationPolicy as DPS does (400004)", async () => {
    for (const put of [
      () =>
        client.createOrUpdateIndividualEnrollment({
          registrationId: "hubs-no-policy",
          attestation: { type: "symmetricKey" },
          iotHubs: [HUB_B],
        } as unknown as Enrollment),
      () =>
        client.createOrUpdateEnrollmentGroup({
          enrollmentGroupId: "hubs-no-policy",
          attestation: { type: "symmetricKey" },
          iotHubs: [HUB_B],
        } as never),
    ]) {
      const err = await put().catch((x: unknown) => x);
      expect(statusOf(err)).toBe(400);
      expect(errorBody(err)).toMatchObject({
        errorCode: 400004,
        message: "Enrollment allocationPolicy must be specified when iotHubs are specified.",
      });
    }
    await expect(client.getIndividualEnrollment("hubs-no-policy")).rejects.toMatchObject({
      message: "Not found",
    });
  });

  it("stores TPM enrollments", async () => {
    const ek = Buffer.alloc(64, 7).toString("base64");
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "tpm-1",
      attestation: { type: "tpm", tpm: { endorsementKey: ek } },
    } as unknown as Enrollment);
    const got = (await client.getIndividualEnrollment("tpm-1")).responseBody;
    expect(got.attestation).toEqual({ type: "tpm", tpm: { endorsementKey: ek } });
  });

  it("pages queries with x-ms-max-item-count and omits the continuation on the last page", async () => {
    for (let i = 0; i < 7; i++) {
      await client.createOrUpdateIndividualEnrollment({
        registrationId: `page-${i}`,
        attestation: { type: "symmetricKey" },
      } as unknown as Enrollment);
    }
    const query = client.createIndividualEnrollmentQuery({ query: "*" }, 3);
    const ids: string[] = [];
    let pages = 0;
    while (query.hasMoreResults) {
      // SDK quirk: the promise form of next() without an argument forgets the held token and
      // fetches page one again; the token must be passed back explicitly.
      const page = await query.next(query.continuationToken as unknown as string);
      pages++;
      expect(page.httpResponse.headers["x-ms-item-type"]).toBe("Enrollment");
      ids.push(
        ...(page.responseBody as unknown as Array<{ registrationId: string }>).map((e) => e.registrationId),
      );
      if (pages > 20) throw new Error("query never ended");
    }
    expect(ids.filter((id) => id.startsWith("page-")).sort()).toEqual([
      "page-0",
      "page-1",
      "page-2",
      "page-3",
      "page-4",
      "page-5",
      "page-6",
    ]);
    expect(pages).toBe(Math.ceil(ids.length / 3));
  });
});

describe("bulk operations", () => {
  it("creates up to 10 enrollments and reports per-item errors (callback form)", async () => {
    const result = await viaCallback<{
      isSuccessful: boolean;
      errors: Array<{ registrationId: string; errorCode: number }>;
    }>((cb) =>
      client.runBulkEnrollmentOperation(
        {
          mode: "create",
          enrollments: [
            { registrationId: "bulk-1", attestation: { type: "symmetricKey" } },
            { registrationId: "bulk-2", attestation: { type: "tpm", tpm: {} } },
            { registrationId: "Dev-Sym-1", attestation: { type: "symmetricKey" } },
          ],
        } as never,
        cb as never,
      ),
    );
    expect(result.isSuccessful).toBe(false);
    expect(result.errors.map((e) => [e.registrationId, e.errorCode])).toEqual([
      ["bulk-2", 400012],
      ["Dev-Sym-1", 409201],
    ]);
    expect((await client.getIndividualEnrollment("bulk-1")).responseBody.registrationId).toBe("bulk-1");
  });

  it("rejects more than 10 items and duplicate ids as a whole", async () => {
    const items = Array.from({ length: 11 }, (_, i) => ({
      registrationId: `too-many-${i}`,
      attestation: { type: "symmetricKey" },
    }));
    const err = await viaCallback((cb) =>
      client.runBulkEnrollmentOperation({ mode: "create", enrollments: items } as never, cb as never),
    ).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(400);
    expect(errorBody(err).message).toContain("at most 10");
    const dup = await viaCallback((cb) =>
      client.runBulkEnrollmentOperation(
        {
          mode: "delete",
          enrollments: [{ registrationId: "bulk-1" }, { registrationId: "BULK-1" }],
        } as never,
        cb as never,
      ),
    ).catch((e: unknown) => e);
    expect(statusOf(dup)).toBe(400);
  });

  it("updates only on a matching etag in updateIfMatchETag mode, then deletes", async () => {
    const current = (await client.getIndividualEnrollment("bulk-1")).responseBody;
    const stale = await viaCallback<{ isSuccessful: boolean; errors: Array<{ errorCode: number }> }>((cb) =>
      client.runBulkEnrollmentOperation(
        { mode: "updateIfMatchETag", enrollments: [{ ...current, etag: '"stale"' }] } as never,
        cb as never,
      ),
    );
    expect(stale.errors[0]?.errorCode).toBe(412002);
    const ok = await viaCallback<{ isSuccessful: boolean }>((cb) =>
      client.runBulkEnrollmentOperation(
        { mode: "updateIfMatchETag", enrollments: [{ ...current, provisioningStatus: "disabled" }] } as never,
        cb as never,
      ),
    );
    expect(ok.isSuccessful).toBe(true);
    // As Microsoft's sample deletes: with the record read back (the default bulkDeleteItems).
    const read = (await client.getIndividualEnrollment("bulk-1")).responseBody;
    const deleted = await viaCallback<{ isSuccessful: boolean }>((cb) =>
      client.runBulkEnrollmentOperation({ mode: "delete", enrollments: [read] } as never, cb as never),
    );
    expect(deleted.isSuccessful).toBe(true);
    await expect(client.getIndividualEnrollment("bulk-1")).rejects.toThrow("Not found");
  });
});

describe("enrollment groups", () => {
  it("creates, reads (no keys), queries and deletes a symmetric-key group", async () => {
    const created = (
      await client.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "group-1",
        attestation: { type: "symmetricKey" },
      } as never)
    ).responseBody;
    expect(created.attestation.symmetricKey?.primaryKey).toBeTruthy();
    const got = (await client.getEnrollmentGroup("GROUP-1")).responseBody;
    expect(got.attestation).toEqual({ type: "symmetricKey" });
    const keys = (await client.getEnrollmentGroupAttestationMechanism("group-1")).responseBody;
    expect(keys.symmetricKey?.primaryKey).toBe(created.attestation.symmetricKey?.primaryKey);
    const page = await client.createEnrollmentGroupQuery({ query: "SELECT * FROM enrollmentGroups" }).next();
    expect(
      (page.responseBody as unknown as Array<{ enrollmentGroupId: string }>).map((g) => g.enrollmentGroupId),
    ).toContain("group-1");
    expect(page.httpResponse.headers["x-ms-item-type"]).toBe("EnrollmentGroup");
    await client.deleteEnrollmentGroup("group-1");
    await expect(client.getEnrollmentGroup("group-1")).rejects.toThrow("Not found");
  });

  it("allows at most 100 symmetric-key groups", async () => {
    const existing = (await client.createEnrollmentGroupQuery({ query: "*" }, 1000).next())
      .responseBody as unknown as unknown[];
    expect(existing).toHaveLength(0);
    for (let i = 0; i < 100; i++) {
      await client.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: `quota-${i}`,
        attestation: { type: "symmetricKey" },
      } as never);
    }
    const err = await client
      .createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "quota-100",
        attestation: { type: "symmetricKey" },
      } as never)
      .catch((e: unknown) => e);
    expect(statusOf(err)).toBe(403);
    expect(errorBody(err).message).toContain("at most 100");
    for (let i = 0; i < 100; i++) await client.deleteEnrollmentGroup(`quota-${i}`);
  });
});
