import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { serviceClientFor } from "../clients";
import { readFileSync } from "node:fs";

const ROOT = join(__dirname, "..", "..");

describe("npm run emulator", () => {
  it("prints one JSON line with the endpoints first, then serves the SDK", async () => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules/ts-node/dist/bin.js"),
        "--transpile-only",
        join(ROOT, "emulator/cli.ts"),
        "--port",
        "0",
        "--ephemeral",
        "--retry-after",
        "0",
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
      });
      const info = JSON.parse(firstLine) as Record<string, unknown>;
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
      const caCertPem = readFileSync(info.caCertPath as string, "utf8");
      const client = serviceClientFor({ connectionString: info.connectionString as string, caCertPem });
      const created = await client.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "cli-group",
        attestation: { type: "symmetricKey" },
      } as never);
      expect(created.responseBody.enrollmentGroupId).toBe("cli-group");
    } finally {
      child.kill("SIGTERM");
      await new Promise((ok) => child.once("exit", ok));
    }
  });
});
