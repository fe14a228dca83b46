import { describe, expect, it } from "vitest";
import { startEmulatorProcess } from "../../testkit/emulator-process";
import { serviceClientFor } from "../clients";

describe("npm run emulator", () => {
  it("prints one JSON line with the endpoints first, then serves the SDK", async () => {
    const emulator = await startEmulatorProcess();
    try {
      const info = emulator.info;
      expect(Object.keys(info).sort()).toEqual([
        "caCertPath",
        "connectionString",
        "deviceHost",
        "idScope",
        "pid",
        "port",
        "serviceHost",
      ]);
      expect(info.serviceHost).toBe(`localhost:${info.port}`);
      expect(info.connectionString).toMatch(
        /^HostName=localhost:\d+;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=.+$/,
      );
      const client = serviceClientFor({
        connectionString: info.connectionString,
        caCertPem: emulator.caCertPem,
      });
      const created = await client.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "cli-group",
        attestation: { type: "symmetricKey" },
      } as never);
      expect(created.responseBody.enrollmentGroupId).toBe("cli-group");
    } finally {
      await emulator.stop();
    }
  });
});
