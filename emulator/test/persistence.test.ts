import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../clients";
import { silentLogger, startEmulator } from "../index";
import { HUB_A } from "../../testkit/emulator";

const stateDir = mkdtempSync(join(tmpdir(), "dps-emulator-test-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("state folder", () => {
  it("keeps enrollments, keys, registrations, hub registries, id scope and CA across a restart, encrypted at rest", async () => {
    const options = {
      stateDir,
      retryAfterSeconds: 0,
      logger: silentLogger,
      config: { linkedHubs: [{ hostName: HUB_A }] },
    };
    const first = await startEmulator(options);
    const created = (
      await serviceClientFor(first).createOrUpdateIndividualEnrollment({
        registrationId: "persist-1",
        attestation: { type: "symmetricKey" },
      } as never)
    ).responseBody;
    const key = created.attestation.symmetricKey!.primaryKey;
    await symmetricKeyDeviceClientFor(first, "persist-1", key).register();
    const { idScope, caCertPem, connectionString } = first;
    await first.stop();

    const files = readdirSync(stateDir);
    expect(files).toEqual(
      expect.arrayContaining([
        "ca.pem",
        "ca.key.pem",
        "server.pem",
        "server.key.pem",
        "state.bin",
        "state.key",
      ]),
    );
    const raw = readFileSync(join(stateDir, "state.bin"));
    expect(raw.includes(Buffer.from(key))).toBe(false);
    expect(raw.includes(Buffer.from("persist-1"))).toBe(false);
    expect(statSync(join(stateDir, "state.key")).mode & 0o077).toBe(0);

    const second = await startEmulator({ ...options, port: 0 });
    try {
      expect(second.idScope).toBe(idScope);
      expect(second.caCertPem).toBe(caCertPem);
      // Same policy key; only the port in HostName may differ.
      expect(second.connectionString.split(";").slice(1)).toEqual(connectionString.split(";").slice(1));
      const client = serviceClientFor(second);
      const got = (await client.getIndividualEnrollment("persist-1")).responseBody;
      expect(got.etag).toBe(created.etag);
      expect(got.registrationState).toMatchObject({ status: "assigned", assignedHub: HUB_A });
      expect(second.inspect.device(HUB_A, "persist-1")).toBeDefined();
      const again = await symmetricKeyDeviceClientFor(second, "persist-1", key).register();
      expect(again.assignedHub).toBe(HUB_A);
    } finally {
      await second.stop();
    }
  });

  it("ephemeral mode writes nothing that outlives stop()", async () => {
    const emu = await startEmulator({ ephemeral: true, logger: silentLogger });
    const dir = emu.stateDir;
    expect(readdirSync(dir)).not.toContain("state.bin");
    await emu.stop();
    expect(() => readdirSync(dir)).toThrow();
  });
});
