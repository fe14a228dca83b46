/**
 * The owner marker against the emulator, through Microsoft's service SDK: an enrollment that a
 * killed run left on DPS is recognised as this stack's own (keys kept), one made by another stack
 * or by a person is not taken over without adoptExisting, and the marker never shows as drift.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_TAG } from "../../components/enrollments/ownership";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import { validateEnrollmentInputs } from "../../components/enrollments/validation";
import type { EnrollmentInputs, EnrollmentOutputs } from "@dps-as-code/contract";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { startTestEmulator } from "../../testkit/emulator";

const HUB = "hub-a.azure-devices.net";
const THIS_STACK = "organization/dps-as-code/dev";
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalBudgetMs: 5_000 },
};
const provider = createEnrollmentProvider("individual", FAST_RETRY);
const groups = createEnrollmentProvider("group", FAST_RETRY);

let emu: RunningEmulator;
const dps = () => ({
  serviceEndpoint: emu.serviceHost,
  connectionString: emu.connectionString,
  trustedCaCertificate: emu.caCertPem,
});
const device = (id: string, extra: Partial<EnrollmentInputs> = {}): EnrollmentInputs =>
  ({
    registrationId: id,
    attestation: { type: "symmetricKey" },
    iotHubs: [HUB],
    allocationPolicy: "static",
    initialTwin: { tags: { line: "a" } },
    dps: dps(),
    owner: THIS_STACK,
    ...extra,
  }) as EnrollmentInputs;

beforeAll(async () => {
  emu = await startTestEmulator({ config: { linkedHubs: [{ hostName: HUB }] } });
});
afterAll(async () => emu?.stop());

describe("the owner marker", () => {
  it("is written on DPS as an initial-twin tag beside the declared ones", async () => {
    await provider.create!(device("own-1"));
    const record = (await serviceClientFor(emu).getIndividualEnrollment("own-1")).responseBody;
    expect(record.initialTwin?.tags).toEqual({ line: "a", [OWNER_TAG]: THIS_STACK });
  });

  it("lets a rerun take over what a killed run of the same stack created, keeping DPS's generated keys", async () => {
    // The killed run: DPS made the enrollment (and its keys), the engine never saved it.
    const lost = await provider.create!(device("own-2"));
    const again = await provider.create!(device("own-2", { initialTwin: { tags: { line: "b" } } }));
    expect(again.outs).toMatchObject({
      adopted: false,
      primaryKey: lost.outs.primaryKey,
      secondaryKey: lost.outs.secondaryKey,
    });
    const record = (await serviceClientFor(emu).getIndividualEnrollment("own-2")).responseBody;
    expect(record.initialTwin?.tags).toEqual({ line: "b", [OWNER_TAG]: THIS_STACK });
  });

  it("does the same for a group, with no write when DPS already holds the declaration", async () => {
    const inputs = {
      enrollmentGroupId: "own-group",
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB],
      allocationPolicy: "hashed",
      dps: dps(),
      owner: THIS_STACK,
    } as EnrollmentInputs;
    const lost = await groups.create!(inputs);
    const etag = (await serviceClientFor(emu).getEnrollmentGroup("own-group")).responseBody.etag;
    const again = await groups.create!(inputs);
    expect(again.outs).toMatchObject({ adopted: false, etag, primaryKey: lost.outs.primaryKey });
  });

  it("refuses an enrollment another stack made, naming that stack, even with adoptExisting", async () => {
    await provider.create!(device("own-3", { owner: "organization/dps-as-code/prod" }));
    await expect(provider.create!(device("own-3"))).rejects.toThrow(
      /^individual enrollment "own-3" already exists on DPS .* made by stack organization\/dps-as-code\/prod\)\. Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true/,
    );
    await expect(provider.create!(device("own-3", { adoptExisting: true }))).rejects.toThrow(
      /^cannot adopt individual enrollment "own-3": it is managed by stack organization\/dps-as-code\/prod on DPS \S+ \(its owner marker, initialTwin\.tags\.dpsAsCodeOwner\), and no stack takes over another's enrollment, even with adoptExisting\. Choose another id, or hand it over/,
    );
  });

  it("adopts an enrollment a person made (no marker) with adoptExisting", async () => {
    await serviceClientFor(emu).createOrUpdateIndividualEnrollment({
      registrationId: "own-person",
      attestation: { type: "symmetricKey" },
    } as never);
    const adopted = await provider.create!(device("own-person", { adoptExisting: true }));
    expect(adopted.outs.adopted).toBe(true);
  });

  it("refuses an enrollment a person made (no marker)", async () => {
    await serviceClientFor(emu).createOrUpdateIndividualEnrollment({
      registrationId: "own-4",
      attestation: { type: "symmetricKey" },
    } as never);
    await expect(provider.create!(device("own-4"))).rejects.toThrow(
      /already exists on DPS .*\(created [^,)]*\)\. Pulumi will not overwrite/,
    );
  });

  it("never shows as drift on refresh", async () => {
    const created = await provider.create!(device("own-5"));
    const read = await provider.read!("own-5", created.outs as EnrollmentOutputs);
    expect(read.inputs?.initialTwin).toEqual({ tags: { line: "a" } });
    expect(read.props?.initialTwin).toEqual({ tags: { line: "a" } });
  });

  it("is a reserved tag name in a declaration", () => {
    const failures = validateEnrollmentInputs(
      "individual",
      device("own-6", { initialTwin: { tags: { [OWNER_TAG]: "me" } } }) as unknown as Record<string, unknown>,
      new Date(),
    );
    expect(failures).toEqual([
      expect.objectContaining({
        property: `initialTwin.tags.${OWNER_TAG}`,
        reason: expect.stringContaining("is reserved"),
      }),
    ]);
  });
});
