import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnrollmentManifests, loadEnrollmentManifestTexts } from "../../components/manifests";
import type { LoadedManifests } from "../../components/manifests";
import { CORPUS_OPTIONS, manifestProblems } from "./manifest-options";

const fixtures = path.resolve(__dirname, "../fixtures");
/** The fixture files have Windows line endings (node-forge wrote them); the loader normalises. */
const readPem = (name: string) =>
  fs.readFileSync(path.join(fixtures, "certs", name), "utf8").replace(/\r\n/g, "\n");
const monitorPem = readPem("medical-monitor-001.pem");

function load(
  text: string,
  options = CORPUS_OPTIONS,
  file = path.join(fixtures, "inline.yaml"),
): LoadedManifests {
  return loadEnrollmentManifestTexts([{ file, text }], options);
}

/** The problems `run` throws, with the fixtures folder cut from file names. */
const problemsOf = (run: () => unknown) => manifestProblems(run).map((l) => l.split(`${fixtures}/`).join(""));

describe("loadEnrollmentManifests", () => {
  it("loads the local example fleet with hub keys resolved to host names", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-"));
    fs.mkdirSync(path.join(home, "local/certs"), { recursive: true });
    fs.writeFileSync(path.join(home, "local/certs/medical-monitor-001.pem"), monitorPem);
    const loaded = loadEnrollmentManifests(path.resolve(__dirname, "../../enrollments/local"), {
      ...CORPUS_OPTIONS,
      pathVariables: { DPS_HOME: home },
    });
    expect(loaded.individualEnrollments.map((e) => e.registrationId).sort()).toEqual([
      "edge-gateway-001",
      "medical-monitor-001",
      "test-device-001",
      "test-device-002",
      "test-device-003",
    ]);
    expect(loaded.enrollmentGroups.map((g) => g.enrollmentGroupId).sort()).toEqual([
      "ev-chargers",
      "lab-sensors",
      "smart-meters-industrial",
      "smart-meters-residential",
    ]);
    const meters = loaded.enrollmentGroups.find((g) => g.enrollmentGroupId === "smart-meters-residential")!;
    expect(meters).toMatchObject({
      attestation: { type: "symmetricKey" },
      iotHubs: ["hub-weu.example.net", "hub-neu.example.net"],
      allocationPolicy: "hashed",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      initialTwin: {
        tags: { fleet: "smart-meters", owner: "metering-team", tariff: "residential" },
        properties: { desired: { telemetryIntervalSeconds: 900 } },
      },
    });
    expect(meters.source.file.endsWith("smart-meters.yaml")).toBe(true);
    expect(meters.source.line).toBe(13);
    const monitor = loaded.individualEnrollments.find((e) => e.registrationId === "medical-monitor-001")!;
    expect(monitor.attestation).toEqual({
      type: "x509",
      x509: { clientCertificates: { primary: { certificate: monitorPem } } },
    });
  });

  it("lets an entry override a default list and merges default twin tags", () => {
    const { individualEnrollments } = load(`
defaults:
  iotHubs: [weu, neu]
  allocationPolicy: hashed
  initialTwin: { tags: { fleet: bench, site: lab } }
individualEnrollments:
  - registrationId: sensor-01
    attestation: { type: symmetricKey }
    iotHubs: [neu]
    initialTwin: { tags: { site: roof } }
`);
    expect(individualEnrollments[0]).toMatchObject({
      iotHubs: ["hub-neu.example.net"],
      initialTwin: { tags: { fleet: "bench", site: "roof" } },
    });
  });

  it("passes secret references through by name, never values", () => {
    const { enrollmentGroups } = load(`
enrollmentGroups:
  - enrollmentGroupId: meters
    attestation: { type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey } }
  - enrollmentGroupId: lab
    attestation: { type: symmetricKey }
    allocationPolicy: custom
    customAllocationDefinition: { webhookUrlSecret: labWebhookUrl, apiVersion: "2021-10-01" }
`);
    expect(enrollmentGroups[0]!.attestation).toEqual({
      type: "symmetricKey",
      symmetricKey: {
        primaryKeySecret: "meterGroupPrimaryKey",
        secondaryKeySecret: "meterGroupSecondaryKey",
      },
    });
    expect(enrollmentGroups[1]!.customAllocationDefinition).toEqual({
      webhookUrlSecret: "labWebhookUrl",
      apiVersion: "2021-10-01",
    });
  });

  it("accepts hub host names and, without a hub catalogue, any hub", () => {
    const text = `
individualEnrollments:
  - { registrationId: sensor-01, attestation: { type: symmetricKey }, allocationPolicy: hashed, iotHubs: [hub-weu.example.net] }
`;
    expect(load(text).individualEnrollments[0]!.iotHubs).toEqual(["hub-weu.example.net"]);
    expect(load(text, {}).individualEnrollments[0]!.iotHubs).toEqual(["hub-weu.example.net"]);
  });

  it("carries adoptExisting and the source line of each entry", () => {
    const { individualEnrollments } = load(`individualEnrollments:
  - registrationId: a-1
    attestation: { type: symmetricKey }
  - registrationId: a-2
    adoptExisting: true
    attestation: { type: tpm, tpm: { endorsementKey: AToAAQALAAMAsgAgg3GX } }
`);
    expect(individualEnrollments.map((e) => [e.registrationId, e.source.line, e.adoptExisting])).toEqual([
      ["a-1", 2, undefined],
      ["a-2", 4, true],
    ]);
  });

  it("reports every problem of every file at once, in file and position order", () => {
    const problems = problemsOf(() =>
      loadEnrollmentManifestTexts(
        [
          {
            file: "b.yaml",
            text: "individualEnrollments:\n  - { registrationId: x, attestation: { type: magic } }\n",
          },
          {
            file: "a.yaml",
            text: "enrollmentGroups:\n  - enrollmentGroupId: g\n    attestation: { type: symmetricKey }\n    allocationPolicy: static\n    iotHubs: [weu, nowhere]\n",
          },
        ],
        CORPUS_OPTIONS,
      ),
    );
    expect(problems).toEqual([
      "a.yaml:5:14: enrollment group 'g': field 'iotHubs': static allocation with 2 hubs; allowed: exactly one hub in iotHubs with allocationPolicy 'static'",
      "a.yaml:5:20: enrollment group 'g': field 'iotHubs[1]': hub 'nowhere' is not linked to the DPS; allowed: neu (hub-neu.example.net), weu (hub-weu.example.net)",
      "b.yaml:2:47: enrollment 'x': field 'attestation.type': value 'magic' is not allowed; allowed: symmetricKey, x509, tpm",
    ]);
  });

  it("never repeats a pasted key in its message", () => {
    const key = "G3vn0IZH9oK3d4wsxFpWBtd2KUrtjI+39dZVRf26To8w9OX0LaFV9yZ93ELXY7voqHEUsNhnb9bt717UP87KxA==";
    const message = problemsOf(() =>
      load(
        `individualEnrollments:\n  - registrationId: s\n    attestation: { type: symmetricKey, symmetricKey: { primaryKey: "${key}", primaryKeySecret: 7 } }\n`,
      ),
    ).join("\n");
    expect(message).toContain("secrets never appear in manifests");
    expect(message).not.toContain(key.slice(0, 12));
  });

  it("accepts a certificate that is valid at the pinned clock and rejects it after expiry", () => {
    const text = `individualEnrollments:
  - registrationId: medical-monitor-001
    attestation: { type: x509, x509: { clientCertificates: { primary: { certificateFile: "\${FIXTURES}/certs/medical-monitor-001.pem" } } } }
`;
    expect(load(text).individualEnrollments).toHaveLength(1);
    expect(
      problemsOf(() => load(text, { ...CORPUS_OPTIONS, now: new Date("2100-01-01T00:00:00Z") })),
    ).toEqual([
      "inline.yaml:3:90: enrollment 'medical-monitor-001': field 'attestation.x509.clientCertificates.primary.certificateFile': certificate expired on 2099-01-01T00:00:00.000Z; allowed: a certificate valid now (renew it, then update the manifest)",
    ]);
  });

  it("names a missing manifests folder", () => {
    expect(problemsOf(() => loadEnrollmentManifests("/nonexistent/enrollments/dev"))).toEqual([
      "/nonexistent/enrollments/dev:1:1: cannot read the manifests folder (ENOENT); allowed: a folder of *.yaml manifests (the stack config key `enrollmentManifests` names it)",
    ]);
  });

  it("accepts an X.509 group with signing certificates given inline", () => {
    const pem = readPem("ev-charger-signing-ca.pem");
    const indented = pem.trim().split("\n").join("\n              ");
    const { enrollmentGroups } = load(`enrollmentGroups:
  - enrollmentGroupId: ev-chargers
    attestation:
      type: x509
      x509:
        signingCertificates:
          primary:
            certificate: |
              ${indented}
`);
    expect(enrollmentGroups[0]!.attestation).toEqual({
      type: "x509",
      x509: { signingCertificates: { primary: { certificate: pem } } },
    });
  });
});
