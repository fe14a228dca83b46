/**
 * What the move plan tells a person about a symmetric-key device moved from its individual
 * enrollment into a group (components/advice/move-plan.ts, REPROVISION_THROUGH_GROUP), under both
 * readings of what DPS does with the device's registration record when the individual enrollment
 * is deleted (emulator/variants.ts, individualDeleteRegistration): during the overlap the device
 * registers with its old key and with its derived key (the individual enrollment's secondary),
 * on its hub; after the individual enrollment goes, the derived key registers through the group,
 * and a group whose only hub is the device's hub keeps it there with the same device id, whether
 * DPS treats the registration as a first one or as a re-registration. With the group's other
 * hubs allowed, only "kept" plus updateHubAssignment false pins the hub, which DPS does not
 * promise: the reason the plan pins the group to the devices' hub instead.
 * Devices register with Microsoft's device SDK.
 */
import { afterEach, describe, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";

const OLD_KEY = Buffer.alloc(32, 11).toString("base64");
const GROUP_KEY = Buffer.alloc(64, 12).toString("base64");
const GROUP_SECONDARY = Buffer.alloc(64, 13).toString("base64");
const ID = "pilot-sensor-07";
const DERIVED = deriveDeviceKey(GROUP_KEY, ID);

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

const keys = (primaryKey: string, secondaryKey: string) => ({
  type: "symmetricKey",
  symmetricKey: { primaryKey, secondaryKey },
});

describe.each(["deleted", "kept"] as const)(
  "when DPS deletes an individual enrollment, its registration record is %s",
  (answer) => {
    async function movedDevice(group: { iotHubs: string[]; allocationPolicy: string }) {
      emu = await startTestEmulator({
        undocumented: { individualDeleteRegistration: answer },
        config: {
          linkedHubs: [
            { hostName: HUB_A, allocationWeight: 1, applyAllocationPolicy: true },
            { hostName: HUB_B, allocationWeight: 1000, applyAllocationPolicy: true },
          ],
        },
      });
      const service = serviceClientFor(emu);
      const register = (key: string) => symmetricKeyDeviceClientFor(emu!, ID, key).register();
      // On HUB_A; the group below would prefer HUB_B wherever it may choose.
      const individual = {
        registrationId: ID,
        attestation: keys(OLD_KEY, OLD_KEY),
        iotHubs: [HUB_A],
        allocationPolicy: "static",
        provisioningStatus: "enabled",
      };
      await service.createOrUpdateIndividualEnrollment(individual as never);
      expect(await register(OLD_KEY)).toMatchObject({ assignedHub: HUB_A, deviceId: ID });
      // Step 1: the derived key becomes the individual enrollment's secondary.
      const current = (await service.getIndividualEnrollment(ID)).responseBody;
      await service.createOrUpdateIndividualEnrollment({
        ...individual,
        attestation: keys(OLD_KEY, DERIVED),
        etag: current.etag,
      } as never);
      // Step 2: the group.
      await service.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "pilot-sensors",
        attestation: keys(GROUP_KEY, GROUP_SECONDARY),
        provisioningStatus: "enabled",
        ...group,
      } as never);
      // The overlap: either key, through the individual enrollment, on its hub.
      for (const key of [DERIVED, OLD_KEY, DERIVED]) {
        const during = await register(key);
        expect(during).toMatchObject({ assignedHub: HUB_A, deviceId: ID });
        expect(
          (during as { symmetricKey?: { enrollmentGroupId?: string } }).symmetricKey?.enrollmentGroupId,
        ).toBeUndefined();
      }
      // Step 3: the individual enrollment goes.
      await service.deleteIndividualEnrollment(ID);
      await expect(register(OLD_KEY)).rejects.toThrow();
      const after = await register(DERIVED);
      expect(after).toMatchObject({ deviceId: ID });
      expect(
        (after as { symmetricKey?: { enrollmentGroupId?: string } }).symmetricKey?.enrollmentGroupId,
      ).toBe("pilot-sensors");
      return after as { assignedHub: string; substatus?: string };
    }

    it("a group whose only hub is the device's keeps it there, with its device id", async () => {
      const after = await movedDevice({ iotHubs: [HUB_A], allocationPolicy: "static" });
      expect(after.assignedHub).toBe(HUB_A);
      expect(emu!.inspect.device(HUB_A, ID)).toBeDefined();
    });

    it("a group that may choose another hub moves the device unless DPS kept its record and the group never reprovisions", async () => {
      const after = await movedDevice({ iotHubs: [HUB_B], allocationPolicy: "static" });
      expect(after.assignedHub).toBe(HUB_B);
      const pinned = await (async () => {
        await emu?.stop();
        return movedDevice({
          iotHubs: [HUB_B],
          allocationPolicy: "static",
          reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: true },
        } as never);
      })();
      expect(pinned.assignedHub).toBe(answer === "kept" ? HUB_A : HUB_B);
    });
  },
);
