// What the recovery asks DPS (scripts/recover/dps-owners.ts), against the emulator through the
// providers' own client: present or not, and whose owner marker a record carries.
import { afterAll, beforeAll, expect, it } from "vitest";
import { OWNER_TAG } from "../../components/enrollments/ownership";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { ownershipFor } from "../../scripts/recover/dps-owners";
import { startTestEmulator } from "../../testkit/emulator";

const THIS = "organization/dps-as-code/dev";
const OTHER = "organization/dps-as-code/prod";
let emu: RunningEmulator;
const dps = () => ({
  serviceEndpoint: emu.serviceHost,
  connectionString: emu.connectionString,
  trustedCaCertificate: emu.caCertPem,
});
const write = (registrationId: string, owner?: string) =>
  serviceClientFor(emu).createOrUpdateIndividualEnrollment({
    registrationId,
    attestation: { type: "symmetricKey" },
    ...(owner ? { initialTwin: { tags: { [OWNER_TAG]: owner } } } : {}),
  } as never);

beforeAll(async () => {
  emu = await startTestEmulator({});
  await write("mine-1", THIS);
  await write("Theirs-1", OTHER);
  await write("manual-1");
});
afterAll(async () => emu?.stop());

it("answers for one enrollment with one GET", async () => {
  const calls = () => emu.inspect.stats().byOperation["IndividualEnrollment_Get"] ?? 0;
  const before = calls();
  const subject = { what: "enrollment" as const, kind: "individual" as const, id: "mine-1", owner: THIS };
  expect((await ownershipFor(subject, dps()))("mine-1")).toEqual({ present: true, owner: THIS });
  expect((await ownershipFor({ ...subject, id: "gone-1" }, dps()))("gone-1")).toEqual({ present: false });
  expect(calls() - before).toBe(2);
});

it("answers for a set's ids from one listing, whatever their case", async () => {
  const subject = {
    what: "set" as const,
    shard: "0-of-1",
    ids: ["mine-1", "theirs-1", "manual-1", "gone-1"],
    owner: THIS,
  };
  const owner = await ownershipFor(subject, dps());
  expect(subject.ids.map(owner)).toEqual([
    { present: true, owner: THIS },
    { present: true, owner: OTHER },
    { present: true, owner: undefined },
    { present: false },
  ]);
});
