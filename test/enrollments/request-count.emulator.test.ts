/**
 * How many DPS service operations each provider method costs, counted in the emulator's request
 * log (one line per request: method, operationId, status). DPS allows 1,000 service operations
 * per minute per instance, so on a large fleet these counts are the refresh's and the up's cost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import type { EnrollmentInputs, EnrollmentOutputs } from "@dps-as-code/contract";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { operationLog } from "../../testkit/dps-operations";
import { startTestEmulator } from "../../testkit/emulator";

const FAST_RETRY = {
  retryPolicy: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 5_000 },
};
const KEY_A = Buffer.alloc(32, 7).toString("base64");
const KEY_B = Buffer.alloc(32, 8).toString("base64");

let emu: RunningEmulator;
const log = operationLog();
const operations = log.operations;

/** The operations `work` made, in order. */
async function operationsOf(work: () => Promise<unknown>): Promise<string[]> {
  const before = operations.length;
  await work();
  // The log line is written after the reply is sent; let it land.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return operations.slice(before);
}

beforeAll(async () => {
  emu = await startTestEmulator({
    logger: log.logger,
    logRequests: true,
    config: { linkedHubs: [{ hostName: "hub-a.azure-devices.net" }] },
  });
});
afterAll(async () => emu?.stop());

const connection = () => ({
  serviceEndpoint: emu.serviceHost,
  connectionString: emu.connectionString,
  trustedCaCertificate: emu.caCertPem,
});

describe.each([
  ["individual", "registrationId", "IndividualEnrollment"],
  ["group", "enrollmentGroupId", "EnrollmentGroup"],
] as const)("DPS operations per %s enrollment", (kind, idField, operation) => {
  const provider = createEnrollmentProvider(kind, FAST_RETRY);
  const inputsFor = (id: string): EnrollmentInputs => ({
    [idField]: id,
    attestation: { type: "symmetricKey" },
    dps: connection(),
  });

  it("creates with a GET (does it exist?) and a PUT whose answer carries the generated keys", async () => {
    let outs: EnrollmentOutputs | undefined;
    expect(
      await operationsOf(
        async () => (outs = (await provider.create(inputsFor(`${kind}-create`))).outs as EnrollmentOutputs),
      ),
    ).toEqual([`${operation}_Get`, `${operation}_CreateOrUpdate`]);
    expect(Buffer.from(outs?.primaryKey ?? "", "base64")).toHaveLength(64);
  });

  it("refreshes an unchanged enrollment with one GET, keeping the keys of the state", async () => {
    const created = await provider.create(inputsFor(`${kind}-refresh`));
    const outs = created.outs as EnrollmentOutputs;
    let read: { props?: Record<string, unknown> } = {};
    expect(await operationsOf(async () => (read = await provider.read!(created.id, outs)))).toEqual([
      `${operation}_Get`,
    ]);
    expect(read.props).toMatchObject({
      etag: outs.etag,
      primaryKey: outs.primaryKey,
      secondaryKey: outs.secondaryKey,
    });
  });

  it("reads the keys again when the ETag moved since the state's (keys changed outside Pulumi)", async () => {
    const id = `${kind}-rotated`;
    const created = await provider.create(inputsFor(id));
    const sdk = serviceClientFor(emu);
    const current = (
      kind === "individual" ? await sdk.getIndividualEnrollment(id) : await sdk.getEnrollmentGroup(id)
    ).responseBody;
    const rotated = {
      ...current,
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_A, secondaryKey: KEY_B } },
    } as never;
    await (kind === "individual"
      ? sdk.createOrUpdateIndividualEnrollment(rotated)
      : sdk.createOrUpdateEnrollmentGroup(rotated));

    let read: { props?: Record<string, unknown> } = {};
    expect(await operationsOf(async () => (read = await provider.read!(created.id, created.outs)))).toEqual([
      `${operation}_Get`,
      `${operation}_GetAttestationMechanism`,
    ]);
    expect(read.props).toMatchObject({ primaryKey: KEY_A, secondaryKey: KEY_B });
    expect(read.props?.etag).not.toBe((created.outs as EnrollmentOutputs).etag);
  });

  it("reads the keys when the state holds none (a create whose key read failed)", async () => {
    const created = await provider.create(inputsFor(`${kind}-keyless`));
    const { primaryKey: _p, secondaryKey: _s, ...keyless } = created.outs as EnrollmentOutputs;
    let read: { props?: Record<string, unknown> } = {};
    expect(await operationsOf(async () => (read = await provider.read!(created.id, keyless)))).toEqual([
      `${operation}_Get`,
      `${operation}_GetAttestationMechanism`,
    ]);
    expect(read.props).toMatchObject({ primaryKey: (created.outs as EnrollmentOutputs).primaryKey });
  });
});
