/**
 * Deleting a group with `deleteRegistrationStateOnDelete` removes the registration state of every
 * device that registered through it, also when they fill more than one page of DPS's
 * registration-state query (the provider asks for 100 a page; the emulator pages like DPS: an
 * x-ms-continuation header on every page but the last).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments/derived-keys";
import { createDpsClient } from "../../components/dps-client/client";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import type { EnrollmentInputs } from "@dps-as-code/contract";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { startTestEmulator } from "../../testkit/emulator";

const DEVICES = 250;
const GROUP_KEY_1 = Buffer.alloc(32, 71).toString("base64");
const GROUP_KEY_2 = Buffer.alloc(32, 72).toString("base64");
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalBudgetMs: 5_000 },
};

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ config: { linkedHubs: [{ hostName: "hub-a.azure-devices.net" }] } });
});
afterAll(async () => emu?.stop());

function connection() {
  return {
    serviceEndpoint: emu.serviceHost,
    connectionString: emu.connectionString,
    trustedCaCertificate: emu.caCertPem,
  };
}

/** Registers devices through Microsoft's device SDK, a few at a time. */
async function registerDevices(ids: readonly string[], groupKey: string): Promise<void> {
  const endpoint = {
    connectionString: emu.connectionString,
    caCertPem: emu.caCertPem,
    deviceHost: emu.deviceHost,
    idScope: emu.idScope,
  };
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids
        .slice(i, i + 10)
        .map((id) => symmetricKeyDeviceClientFor(endpoint, id, deriveDeviceKey(groupKey, id)).register()),
    );
  }
}

/** What DPS's registration-state query returns for the group, read to the end with the SDK's Query. */
async function registrationIdsInDps(groupId: string): Promise<string[]> {
  const query = serviceClientFor(emu).createEnrollmentGroupDeviceRegistrationStateQuery(
    { query: "*" },
    groupId,
    100,
  );
  const ids: string[] = [];
  do {
    const page = await query.next(query.continuationToken ?? undefined);
    ids.push(...(page.responseBody as unknown as { registrationId: string }[]).map((r) => r.registrationId));
  } while (query.hasMoreResults);
  return ids;
}

describe("a group with more registrations than one query page", () => {
  const groupId = "many-meters";
  const deviceIds = Array.from({ length: DEVICES }, (_, i) => `many-meter-${String(i).padStart(3, "0")}`);
  const group = createEnrollmentProvider("group", FAST_RETRY);
  let created: Awaited<ReturnType<typeof group.create>>;

  it("lists every registration id, each once", async () => {
    const inputs: EnrollmentInputs = {
      enrollmentGroupId: groupId,
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: GROUP_KEY_1, secondaryKey: GROUP_KEY_2 },
      },
      deleteRegistrationStateOnDelete: true,
      dps: connection(),
    };
    created = await group.create(inputs);
    await registerDevices(deviceIds, GROUP_KEY_1);
    expect((await registrationIdsInDps(groupId)).sort()).toEqual(deviceIds);

    const listed = await createDpsClient(connection(), FAST_RETRY).listGroupRegistrationIds(groupId);
    expect(listed.sort()).toEqual(deviceIds);
  }, 60_000);

  it("deletes the group and all its registration states, leaving none in DPS", async () => {
    await group.delete!(created.id, created.outs);
    expect(await createDpsClient(connection(), FAST_RETRY).get("group", groupId)).toBeUndefined();
    expect(deviceIds.filter((id) => emu.inspect.registration(id) !== undefined)).toEqual([]);
    expect(await registrationIdsInDps(groupId)).toEqual([]);
  }, 60_000);
});
