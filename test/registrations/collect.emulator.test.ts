/**
 * `npm run registrations`' reading of DPS, against the emulator under both answers DPS might give
 * to an individual-enrollment listing (with or without `registrationState`): devices registered
 * with Microsoft's device SDK, then the report's data and its exact count of DPS calls, which is
 * also what the emulator counted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDpsClient } from "../../components/dps-client/client";
import { deriveDeviceKey } from "../../components/enrollments/derived-keys";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { collectRegistrations } from "../../scripts/registrations/collect";
import type { StackDps } from "../../scripts/registrations/stack-enrollments";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";

const GROUP_KEY = Buffer.alloc(32, 41).toString("base64");
const DEVICE_KEY = Buffer.alloc(32, 42).toString("base64");
const GROUP_DEVICES = Array.from({ length: 25 }, (_, i) => `meter-${String(i).padStart(2, "0")}`);
const REGISTERED = ["pump-1", "pump-2", "pump-3", "pump-4", "pump-5"];
const NEVER_REGISTERED = ["pump-6"];
/** Enrollments of someone else on the same DPS: the listing pages through them too. */
const OTHERS = Array.from({ length: 30 }, (_, i) => `other-${String(i).padStart(2, "0")}`);
const PAGE = 10;

for (const listing of ["included", "omitted"] as const) {
  describe(`registrations with registrationStateInListings: ${listing}`, () => {
    let emu: RunningEmulator;

    beforeAll(async () => {
      emu = await startTestEmulator({
        config: {
          linkedHubs: [
            { hostName: HUB_A, allocationWeight: 1 },
            { hostName: HUB_B, allocationWeight: 3 },
          ],
        },
        undocumented: { registrationStateInListings: listing },
      });
      const service = serviceClientFor(emu);
      await service.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "meters",
        attestation: {
          type: "symmetricKey",
          symmetricKey: { primaryKey: GROUP_KEY, secondaryKey: GROUP_KEY },
        },
      } as never);
      // Others first, so the stack's enrollments sit on the listing's last page.
      for (const id of [...OTHERS, ...REGISTERED, ...NEVER_REGISTERED])
        await service.createOrUpdateIndividualEnrollment({
          registrationId: id,
          attestation: {
            type: "symmetricKey",
            symmetricKey: { primaryKey: DEVICE_KEY, secondaryKey: DEVICE_KEY },
          },
        } as never);
      const endpoint = {
        connectionString: emu.connectionString,
        caCertPem: emu.caCertPem,
        deviceHost: emu.deviceHost,
        idScope: emu.idScope,
      };
      await Promise.all(
        GROUP_DEVICES.map((id) =>
          symmetricKeyDeviceClientFor(endpoint, id, deriveDeviceKey(GROUP_KEY, id)).register(),
        ),
      );
      // other-00 registered too: the listing's first page shows a registration state where DPS lists them.
      for (const id of ["other-00", ...REGISTERED])
        await symmetricKeyDeviceClientFor(endpoint, id, DEVICE_KEY).register();
    }, 120_000);
    afterAll(async () => emu?.stop());

    const stackDps = (individual: string[], groups: string[]): StackDps => ({
      connection: {
        serviceEndpoint: emu.serviceHost,
        connectionString: emu.connectionString,
        trustedCaCertificate: emu.caCertPem,
      },
      serviceEndpoint: emu.serviceHost,
      individual,
      groups,
      linkedHubs: [
        { hostName: HUB_A, allocationWeight: 1 },
        { hostName: HUB_B, allocationWeight: 3 },
      ],
    });

    async function collect(individual: string[], groups: string[]) {
      const client = createDpsClient(stackDps(individual, groups).connection);
      const before = emu.inspect.stats().serviceOperations;
      const result = await collectRegistrations(client, stackDps(individual, groups), {
        operationsPerMinute: 1000,
        pageSize: PAGE,
      });
      return { result, counted: emu.inspect.stats().serviceOperations - before };
    }

    it("lists a group's devices page by page: one call per page, whatever the group's size", async () => {
      const { result, counted } = await collect([], ["meters"]);
      const [group] = result.enrollments;
      expect(group?.registrations.map((r) => r.registrationId)).toEqual(GROUP_DEVICES);
      for (const r of group!.registrations) {
        expect(r.status).toBe("assigned");
        expect([HUB_A, HUB_B]).toContain(r.assignedHub);
        expect(r.deviceId).toBe(r.registrationId);
        expect(r.lastUpdatedDateTimeUtc).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
      // 25 devices, 10 a page: 3 pages.
      expect(result.calls).toBe(3);
      expect(counted).toBe(3);
    });

    it("gives each individual enrollment its device, hub and time, or none when it never registered", async () => {
      const { result, counted } = await collect([...REGISTERED, ...NEVER_REGISTERED], []);
      const byId = new Map(result.enrollments.map((e) => [e.id, e.registrations]));
      for (const id of REGISTERED) {
        const [registration] = byId.get(id)!;
        expect(registration).toMatchObject({ registrationId: id, deviceId: id, status: "assigned" });
        expect(registration?.assignedHub).toBe(emu.inspect.registration(id)?.assignedHub);
      }
      expect(byId.get("pump-6")).toEqual([]);
      // 36 enrollments, 10 a page: the listing is 4 pages. A listing that shows registration
      // states answers all 6 ids (4 calls); one that shows none leaves every id unknown: the
      // whole listing (4 pages: fewer than the 6 ids at each step), then a GET each.
      if (listing === "included") {
        expect(result.individualReadBy).toEqual(["listing"]);
        expect(result.calls).toBe(4);
      } else {
        expect(result.individualReadBy).toEqual(["listing", "get"]);
        expect(result.calls).toBe(10);
      }
      expect(counted).toBe(result.calls);
    });

    it("reads one individual enrollment with one page and one GET, not the whole listing", async () => {
      const { result, counted } = await collect(["pump-1"], []);
      expect(result.enrollments[0]?.registrations[0]?.deviceId).toBe("pump-1");
      expect(result.individualReadBy).toEqual(["listing", "get"]);
      expect(result.calls).toBe(2);
      expect(counted).toBe(result.calls);
    });
  });
}
