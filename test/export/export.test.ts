// Brownfield export against the local DPS emulator: enrollments created through Microsoft's
// service SDK (more than one page of each kind), read back with query paging, written as a
// manifest that the loader accepts, with adoptExisting and without any key.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestEmulator } from "../../testkit/emulator";
import type { RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { loadEnrollmentManifests } from "../../components/manifests";
import { exportEnrollments } from "../../scripts/export-enrollments";

const WEU = "dpsac-local-weu.azure-devices.net";
const NEU = "dpsac-local-neu.azure-devices.net";
const ROOT_CA = fs.readFileSync(
  path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"),
  "utf8",
);

describe("npm run export against the emulator", () => {
  let emulator: RunningEmulator;
  let dir: string;
  const createdKeys: string[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({
      config: {
        linkedHubs: [
          { hostName: WEU, location: "westeurope" },
          { hostName: NEU, location: "northeurope" },
        ],
        certificates: [{ name: "ev-charger-root-ca", certificate: ROOT_CA, isVerified: true }],
      },
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-"));
    const sdk = serviceClientFor(emulator);
    for (let i = 1; i <= 5; i++) {
      const created = await sdk.createOrUpdateIndividualEnrollment({
        registrationId: `legacy-sensor-${i}`,
        attestation: { type: "symmetricKey" },
        iotHubs: [WEU],
        allocationPolicy: "static",
        initialTwin: { tags: { fleet: "legacy", version: "2" }, properties: { desired: { interval: 60 } } },
        capabilities: { iotEdge: i === 5 },
        reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      } as never);
      const key = (
        created as unknown as { responseBody: { attestation: { symmetricKey: { primaryKey: string } } } }
      ).responseBody.attestation.symmetricKey.primaryKey;
      createdKeys.push(key);
    }
    for (const id of ["meters-a", "meters-b", "meters-c"]) {
      await sdk.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: id,
        attestation: { type: "symmetricKey" },
        iotHubs: [WEU, NEU],
        allocationPolicy: "hashed",
      } as never);
    }
    await sdk.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: "ev-chargers",
      attestation: { type: "x509", x509: { caReferences: { primary: "ev-charger-root-ca" } } },
      provisioningStatus: "disabled",
    } as never);
  });

  afterAll(async () => {
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads every page and writes an adoptable manifest without keys", async () => {
    const out = path.join(dir, "exported.yaml");
    const { counts, actions } = await exportEnrollments({
      target: {
        kind: "connectionString",
        connectionString: emulator.connectionString,
        caCertPem: emulator.caCertPem,
      },
      out,
      hubKeys: { [WEU]: "weu", [NEU]: "neu" },
      pageSize: 2, // forces several pages for both kinds
    });
    expect(counts).toEqual({ individualEnrollments: 5, enrollmentGroups: 4 });
    expect(actions).toEqual([
      "declare the CA certificate 'ev-charger-root-ca' that 'ev-chargers' names: pulumi config set --path 'dps-as-code:dps.caCertificates.ev-charger-root-ca.existing' true",
    ]);

    const text = fs.readFileSync(out, "utf8");
    for (const key of createdKeys) expect(text).not.toContain(key);
    expect(text).not.toMatch(/primaryKey|secondaryKey|SharedAccessKey/);
    expect(text.split("\n")[0]).toMatch(
      /^# yaml-language-server: \$schema=.*schemas\/enrollment-manifest\.schema\.json$/,
    );

    const doc = parse(text) as {
      individualEnrollments: Record<string, unknown>[];
      enrollmentGroups: Record<string, unknown>[];
    };
    expect(doc.individualEnrollments.map((e) => e["registrationId"])).toEqual(
      [1, 2, 3, 4, 5].map((i) => `legacy-sensor-${i}`),
    );
    expect(doc.individualEnrollments[0]).toMatchObject({
      attestation: { type: "symmetricKey" },
      iotHubs: ["weu"],
      allocationPolicy: "static",
      initialTwin: { tags: { fleet: "legacy", version: "2" }, properties: { desired: { interval: 60 } } },
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      adoptExisting: true,
    });
    expect(doc.individualEnrollments[4]).toMatchObject({ capabilities: { iotEdge: true } });
    expect(doc.enrollmentGroups.map((g) => g["enrollmentGroupId"])).toEqual([
      "ev-chargers",
      "meters-a",
      "meters-b",
      "meters-c",
    ]);
    expect(doc.enrollmentGroups[0]).toMatchObject({
      attestation: { type: "x509", x509: { caReferences: { primary: "ev-charger-root-ca" } } },
      provisioningStatus: "disabled",
      adoptExisting: true,
    });

    const loaded = loadEnrollmentManifests(dir, { hubs: { weu: WEU, neu: NEU }, linkedHubs: [WEU, NEU] });
    expect(loaded.individualEnrollments).toHaveLength(5);
    expect(loaded.enrollmentGroups).toHaveLength(4);
    expect(loaded.enrollmentGroups.every((g) => g.adoptExisting === true)).toBe(true);
    expect(loaded.individualEnrollments[0]!.iotHubs).toEqual([WEU]);
  });

  it("names the DPS and the status when the credentials are wrong, without the key", async () => {
    const wrong = emulator.connectionString.replace(
      /SharedAccessKey=[^;]+/,
      "SharedAccessKey=d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=",
    );
    await expect(
      exportEnrollments({
        target: { kind: "connectionString", connectionString: wrong, caCertPem: emulator.caCertPem },
        out: path.join(dir, "never.yaml"),
      }),
    ).rejects.toThrow(
      new RegExp(`^reading enrollments from DPS ${emulator.serviceHost} failed \\(HTTP 401\\)`),
    );
    const error = await exportEnrollments({
      target: { kind: "connectionString", connectionString: wrong, caCertPem: emulator.caCertPem },
      out: path.join(dir, "never.yaml"),
    }).catch((e: Error) => e);
    expect(String(error)).toContain("HTTP 401");
    expect(String(error)).not.toContain("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk");
    expect(fs.existsSync(path.join(dir, "never.yaml"))).toBe(false);
  });
});
