/**
 * The switches for DPS behaviours no public source pins down (variants.ts), and the IP filter:
 * each answer as the emulator gives it through Microsoft's service SDK, and how the switches are
 * set (in-process, config file, defaults).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { afterEach, describe, expect, it } from "vitest";
import { serviceClientFor } from "../clients";
import type { EmulatorOptions, RunningEmulator } from "../index";
import { ipAllowed } from "../ip-filter";
import { behaviourVariants, DEFAULT_BEHAVIOUR, resolveBehaviour } from "../variants";
import { startTestEmulator } from "../../testkit/emulator";
import { errorBody, statusOf, viaCallback } from "./helpers";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});
async function start(options: EmulatorOptions): Promise<ProvisioningServiceClient> {
  emu = await startTestEmulator(options);
  return serviceClientFor(emu);
}
type BulkResult = { isSuccessful: boolean; errors: Array<{ registrationId: string; errorCode: number }> };
const bulk = (client: ProvisioningServiceClient, mode: string, enrollments: unknown[]) =>
  viaCallback<BulkResult>((cb) =>
    client.runBulkEnrollmentOperation({ mode, enrollments } as never, cb as never),
  );
const keysOf = async (client: ProvisioningServiceClient, id: string) =>
  (await client.getIndividualEnrollmentAttestationMechanism(id)).responseBody.symmetricKey;

describe("how the switches are set", () => {
  it("defaults to the most faithful reading of the sources", () => {
    expect(resolveBehaviour(undefined)).toEqual({
      bulkCreateOnExisting: "refuse",
      bulkDeleteItems: "record",
      bulkQuotaCost: "per-item",
      webhookUrlsInReplies: "clear",
      registrationStateInListings: "included",
      individualDeleteRegistration: "deleted",
    });
  });

  it("takes the config file's answers, in-process options over them, and names a bad value", () => {
    expect(
      resolveBehaviour(
        { bulkCreateOnExisting: "overwrite", bulkQuotaCost: "per-call" },
        { bulkQuotaCost: "per-item" },
      ),
    ).toEqual({ ...DEFAULT_BEHAVIOUR, bulkCreateOnExisting: "overwrite" });
    expect(() => resolveBehaviour({ bulkDeleteItems: "etag" }, {}, "dps.yaml")).toThrow(
      'dps.yaml: undocumented.bulkDeleteItems is "etag"; allowed: record, id',
    );
    expect(() => resolveBehaviour({ bulkCreate: "x" }, {}, "dps.yaml")).toThrow(
      "dps.yaml: undocumented.bulkCreate is unknown; known: bulkCreateOnExisting, bulkDeleteItems, bulkQuotaCost, webhookUrlsInReplies, registrationStateInListings, individualDeleteRegistration",
    );
  });

  it("lists the defaults, each other answer alone, and all of them together", () => {
    expect(behaviourVariants().map((v) => v.name)).toEqual([
      "defaults",
      "bulkCreateOnExisting: overwrite",
      "bulkDeleteItems: id",
      "bulkQuotaCost: per-call",
      "webhookUrlsInReplies: masked",
      "registrationStateInListings: omitted",
      "individualDeleteRegistration: kept",
      "every non-default answer",
    ]);
  });

  it("reads undocumented: and ipFilterRules: from the config file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "emu-config-")), "emulator.yaml");
    writeFileSync(
      file,
      "undocumented:\n  bulkCreateOnExisting: overwrite\nipFilterRules:\n  - { filterName: nobody, action: Reject, ipMask: 0.0.0.0/0, target: serviceApi }\n",
    );
    const client = await start({ configFile: file });
    const err = await client.getIndividualEnrollment("x").catch((e: unknown) => e);
    expect(statusOf(err)).toBe(401);
  });

  it("refuses a config file's bad IP rule, naming it", async () => {
    await expect(
      start({ config: { ipFilterRules: [{ filterName: "r", action: "Deny" as never, ipMask: "1.2.3.4" }] } }),
    ).rejects.toThrow('config: ipFilterRules[0].action is "Deny"; allowed: Accept, Reject');
  });
});

describe("bulk create on an id that exists", () => {
  it("refuse: the item fails with 409, the record and its keys stay, the other items apply", async () => {
    const client = await start({});
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "e-1",
      attestation: { type: "symmetricKey" },
    } as never);
    const keys = await keysOf(client, "e-1");
    const result = await bulk(client, "create", [
      { registrationId: "e-1", attestation: { type: "symmetricKey" } },
      { registrationId: "e-2", attestation: { type: "symmetricKey" } },
    ]);
    expect(result.errors).toEqual([expect.objectContaining({ registrationId: "e-1", errorCode: 409201 })]);
    expect(await keysOf(client, "e-1")).toEqual(keys);
    expect(emu?.inspect.enrollmentCount()).toBe(2);
  });

  it("overwrite: the item replaces the record, with new keys when it sends none", async () => {
    const client = await start({ undocumented: { bulkCreateOnExisting: "overwrite" } });
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "e-1",
      attestation: { type: "symmetricKey" },
      initialTwin: { tags: { by: "hand" } },
    } as never);
    const keys = await keysOf(client, "e-1");
    const result = await bulk(client, "create", [
      { registrationId: "e-1", attestation: { type: "symmetricKey" } },
    ]);
    expect(result).toEqual({ isSuccessful: true, errors: [] });
    expect((await client.getIndividualEnrollment("e-1")).responseBody.initialTwin).toBeFalsy();
    expect((await keysOf(client, "e-1"))?.primaryKey).not.toBe(keys?.primaryKey);
  });
});

describe("bulk delete items", () => {
  it("record: an item without the record's attestation fails with 400 and deletes nothing; the record as read deletes", async () => {
    const client = await start({});
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "d-1",
      attestation: { type: "symmetricKey" },
    } as never);
    const idOnly = await bulk(client, "delete", [{ registrationId: "d-1" }]);
    expect(idOnly.errors).toEqual([expect.objectContaining({ registrationId: "d-1", errorCode: 400014 })]);
    const wrongType = await bulk(client, "delete", [
      { registrationId: "d-1", attestation: { type: "x509" } },
    ]);
    expect(wrongType.errors).toEqual([expect.objectContaining({ errorCode: 400014 })]);
    expect(emu?.inspect.enrollmentCount()).toBe(1);
    const read = (await client.getIndividualEnrollment("d-1")).responseBody;
    expect(await bulk(client, "delete", [read])).toEqual({ isSuccessful: true, errors: [] });
    expect(emu?.inspect.enrollmentCount()).toBe(0);
  });

  it("id: the id alone deletes; a stale etag still fails with 412", async () => {
    const client = await start({ undocumented: { bulkDeleteItems: "id" } });
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "d-1",
      attestation: { type: "symmetricKey" },
    } as never);
    await client.createOrUpdateIndividualEnrollment({
      registrationId: "d-2",
      attestation: { type: "symmetricKey" },
    } as never);
    const stale = await bulk(client, "delete", [{ registrationId: "d-2", etag: '"stale"' }]);
    expect(stale.errors).toEqual([expect.objectContaining({ errorCode: 412002 })]);
    expect(await bulk(client, "delete", [{ registrationId: "d-1" }])).toEqual({
      isSuccessful: true,
      errors: [],
    });
    expect(emu?.inspect.enrollmentCount()).toBe(1);
  });
});

describe("what a bulk call costs against the quota", () => {
  const ten = (prefix: string) =>
    Array.from({ length: 10 }, (_, i) => ({
      registrationId: `${prefix}-${i}`,
      attestation: { type: "symmetricKey" },
    }));
  const throttle = { operationsPerMinute: 12, registrationsPerMinute: 12, retryAfterSeconds: 1 };

  it("per-item: a bulk of 10 takes 10 of 12 operations, so the third call of the minute is throttled", async () => {
    const client = await start({ throttle });
    await bulk(client, "create", ten("q"));
    await client.getIndividualEnrollment("q-0");
    await client.getIndividualEnrollment("q-1");
    expect(statusOf(await client.getIndividualEnrollment("q-2").catch((e: unknown) => e))).toBe(429);
    expect(emu?.inspect.stats().serviceOperations).toBe(12);
  });

  it("per-call: a bulk of 10 takes one operation", async () => {
    const client = await start({ throttle, undocumented: { bulkQuotaCost: "per-call" } });
    await bulk(client, "create", ten("q"));
    await bulk(client, "create", ten("r"));
    for (let i = 0; i < 10; i++) await client.getIndividualEnrollment(`q-${i}`);
    expect(emu?.inspect.stats().byStatus[429]).toBeUndefined();
    expect(emu?.inspect.stats().serviceOperations).toBe(12);
  });
});

describe("DPS's IP filter", () => {
  it("refuses a rejected address with 401 and the body of a bad signature, never mentioning the rule", async () => {
    const client = await start({
      config: {
        ipFilterRules: [
          {
            filterName: "pipeline-egress-only",
            action: "Reject",
            ipMask: "127.0.0.0/8",
            target: "serviceApi",
          },
        ],
      },
    });
    const err = await client.getIndividualEnrollment("any").catch((e: unknown) => e);
    expect(statusOf(err)).toBe(401);
    const body = errorBody(err);
    expect({ errorCode: body.errorCode, message: body.message }).toEqual({
      errorCode: 401000,
      message: "Unauthorized",
    });
    expect(JSON.stringify(body)).not.toMatch(/ip|filter|rule|pipeline-egress/i);
  });

  it("applies rules in order, first match wins; no match accepts; only the rule's API; never the admin API", () => {
    const rules = [
      { filterName: "office", action: "Accept" as const, ipMask: "203.0.113.7" },
      { filterName: "rest", action: "Reject" as const, ipMask: "0.0.0.0/0", target: "serviceApi" as const },
    ];
    expect(ipAllowed(rules, "service", "203.0.113.7")).toBe(true);
    expect(ipAllowed(rules, "service", "::ffff:198.51.100.1")).toBe(false);
    expect(ipAllowed(rules, "device", "198.51.100.1")).toBe(true);
    expect(ipAllowed(rules, "admin", "198.51.100.1")).toBe(true);
    expect(ipAllowed([rules[1]!], "service", "2001:db8::1")).toBe(true);
    expect(ipAllowed([], "service", "198.51.100.1")).toBe(true);
  });
});
