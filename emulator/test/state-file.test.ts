/**
 * The state file at size: written a chunk at a time and read back a chunk at a time (lines cut at
 * chunk edges, multi-byte characters too), refused whole when a byte changed, and the first
 * format (one JSON document) still read.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StateFile } from "../state/persistence";
import { MemoryStore, type StoreSnapshot } from "../state/store";
import type { IndividualEnrollmentRecord, RegistrationRecord } from "../state/types";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "dps-state-file-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const settings = {
  idScope: "0ne00000001",
  allocationPolicy: "hashed" as const,
  linkedHubs: [{ hostName: "hub-a" }],
};
const policies = [{ name: "owner", rights: [], primaryKey: "cA==", secondaryKey: "cQ==" }];

/** Enough records for several 4 MB chunks, with multi-byte characters all through. */
function enrollment(i: number): IndividualEnrollmentRecord {
  return {
    registrationId: `Device-${i}`,
    attestation: {
      type: "symmetricKey",
      symmetricKey: { primaryKey: `k${i}`.padEnd(44, "="), secondaryKey: "s" },
    },
    initialTwin: { tags: { site: `Zürich-東京-${i}`, note: "x".repeat(i % 97) } },
    provisioningStatus: "enabled",
    etag: `"${i}"`,
    createdDateTimeUtc: "2026-12-07T00:00:00.000Z",
    lastUpdatedDateTimeUtc: "2026-12-07T00:00:00.000Z",
  } as unknown as IndividualEnrollmentRecord;
}

function filledStore(count: number): MemoryStore {
  const store = new MemoryStore(settings as never, policies as never);
  for (let i = 0; i < count; i++) store.enrollments.set(`Device-${i}`, enrollment(i));
  const registration = {
    registrationId: "device-7",
    createdDateTimeUtc: "2026-12-07T00:00:00.000Z",
    lastUpdatedDateTimeUtc: "2026-12-07T00:00:00.000Z",
    assignedHub: "hub-a",
    deviceId: "Device-7",
    status: "assigned",
    etag: '"r"',
  } as RegistrationRecord;
  store.registrations.set("Device-7", registration);
  store
    .hubDevices("hub-a")
    .set("Device-7", { deviceId: "Device-7", twin: { tags: { site: "Zürich" } } } as never);
  return store;
}

async function save(dir: string, store: MemoryStore): Promise<void> {
  const file = new StateFile(dir, (e) => {
    throw e;
  });
  file.track(() => store.lines());
  file.changed();
  await file.flush();
}

describe("the state file", () => {
  const COUNT = 30_000;

  it("reads back every record, in order, across chunk edges and multi-byte characters", async () => {
    const dir = tempDir();
    const store = filledStore(COUNT);
    await save(dir, store);
    expect(readFileSync(join(dir, "state.bin")).length).toBeGreaterThan(3 * 4 * 1024 * 1024);

    const loaded = new StateFile(dir, () => undefined).load()!;
    expect(loaded.enrollments.size).toBe(COUNT);
    expect(loaded.settings()).toEqual(settings);
    expect(loaded.policies()).toEqual(policies);
    for (const i of [0, 1, 4_999, 12_345, COUNT - 1])
      expect(loaded.enrollments.get(`device-${i}`)).toEqual(enrollment(i));
    expect(loaded.enrollments.page(12_340, 3).map((e) => e.registrationId)).toEqual([
      "Device-12340",
      "Device-12341",
      "Device-12342",
    ]);
    expect(loaded.registrations.get("device-7")?.assignedHub).toBe("hub-a");
    expect(loaded.hubDevices("hub-a").get("Device-7")).toEqual({
      deviceId: "Device-7",
      twin: { tags: { site: "Zürich" } },
    });
    // Nothing readable at rest.
    expect(readFileSync(join(dir, "state.bin")).includes(Buffer.from("Zürich-東京"))).toBe(false);
  });

  it("refuses a file with one byte changed, naming the file and what to do", async () => {
    const dir = tempDir();
    await save(dir, filledStore(2_000));
    const path = join(dir, "state.bin");
    const data = readFileSync(path);
    // A byte inside a record's text (caught by the tag at the end) and one that breaks a line.
    for (const at of [Math.floor(data.length / 2), 40]) {
      const changed = Buffer.from(data);
      changed[at]! ^= 0x01;
      writeFileSync(path, changed);
      expect(() => new StateFile(dir, () => undefined).load()).toThrow(
        `${path} cannot be decrypted with ${join(dir, "state.key")}; delete the state folder to start afresh`,
      );
    }
  });

  it("reads a state folder of the first format (one JSON document), and writes the new one", async () => {
    const dir = tempDir();
    const key = randomBytes(32);
    writeFileSync(join(dir, "state.key"), key.toString("base64"), { mode: 0o600 });
    const snapshot: StoreSnapshot = {
      version: 1,
      settings: settings as never,
      policies: policies as never,
      enrollments: [enrollment(1), enrollment(2)],
      groups: [],
      registrations: [],
      certificates: [],
      hubs: {},
    };
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(snapshot), "utf8"), cipher.final()]);
    writeFileSync(
      join(dir, "state.bin"),
      Buffer.concat([Buffer.from("DPSEMU1\n"), iv, cipher.getAuthTag(), body]),
    );

    const loaded = new StateFile(dir, () => undefined).load()!;
    expect([...loaded.enrollments.values()]).toEqual([enrollment(1), enrollment(2)]);
    await save(dir, loaded);
    expect(readFileSync(join(dir, "state.bin")).subarray(0, 8).toString()).toBe("DPSEMU2\n");
    expect(new StateFile(dir, () => undefined).load()!.enrollments.get("device-2")).toEqual(enrollment(2));
  });
});
