// The move command's plan, from manifests in a temp folder: the steps' order and exact texts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { adviseManifests, formatAdvice } from "../../components/advice";
import { MovePlanError, planEnrollmentMove, type MoveContext } from "../../components/advice/move-plan";
import { loadEnrollmentManifests } from "../../components/manifests";
import { enrollmentChoiceConfig } from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";

const HUBS = { weu: "weu.example.azure-devices.net", neu: "neu.example.azure-devices.net" };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function context(
  files: Record<string, string>,
  caCertificates: MoveContext["caCertificates"] = [],
): MoveContext {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "move-plan-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const texts = Object.keys(files)
    .sort()
    .map((name) => ({ file: path.join(dir, name), text: files[name]! }));
  return {
    manifests: loadEnrollmentManifests(dir, {
      hubs: HUBS,
      caCertificates: caCertificates.map((c) => c.name),
      repositoryRoot: os.tmpdir(),
    }),
    texts,
    manifestsDir: dir,
    caCertificates,
    hubName: (host) => Object.entries(HUBS).find(([, h]) => h === host)?.[0] ?? host,
    stack: "dev",
  };
}

const PILOTS = `# pilot sensors, enrolled one by one
defaults:
  iotHubs: [weu]
  allocationPolicy: static
individualEnrollments:
  - registrationId: pilot-01
    attestation: { type: symmetricKey }
  - registrationId: pilot-02 # the noisy one
    attestation: { type: symmetricKey }
  - registrationId: pilot-03
    attestation: { type: symmetricKey }
`;

describe("plan-enrollment-move", () => {
  it("moves symmetric-key devices to a new group without a flag day: derived keys as secondary keys first, then the group, then retire only the named entries", () => {
    const ctx = context({ "pilots.yaml": PILOTS });
    const steps = planEnrollmentMove(
      { direction: "to-group", enrollmentGroupId: "pilots", registrationIds: ["pilot-01", "pilot-02"] },
      ctx,
    );
    expect(steps.map((s) => s.slug)).toEqual([
      "add-derived-keys",
      "create-group",
      "retire-individual-enrollments",
    ]);
    // Step 1: each moved enrollment keeps its current key as primary and accepts the derived key as secondary.
    const withKeys = `# pilot sensors, enrolled one by one
defaults:
  iotHubs: [weu]
  allocationPolicy: static
individualEnrollments:
  - registrationId: pilot-01
    attestation: { type: symmetricKey, symmetricKey: { primaryKeySecret: deviceKey-pilot-01-primary, secondaryKeySecret: deviceKey-pilot-01-secondary } }
  - registrationId: pilot-02 # the noisy one
    attestation: { type: symmetricKey, symmetricKey: { primaryKeySecret: deviceKey-pilot-02-primary, secondaryKeySecret: deviceKey-pilot-02-secondary } }
  - registrationId: pilot-03
    attestation: { type: symmetricKey }
`;
    expect(steps[0]!.files).toEqual([{ file: path.join(ctx.manifestsDir, "pilots.yaml"), text: withKeys }]);
    expect(steps[0]!.attachments).toEqual({ "device-ids.txt": "pilot-01\npilot-02\n" });
    expect(steps[0]!.description).toContain(
      "```sh\n" +
        "head -c 64 /dev/urandom | base64 -w0 | pulumi config set --secret groupKey-pilots-primary -s dev\n" +
        "head -c 64 /dev/urandom | base64 -w0 | pulumi config set --secret groupKey-pilots-secondary -s dev\n" +
        "npm run --silent enrollment-key -- --stack dev pilot-01 primary | pulumi config set --secret deviceKey-pilot-01-primary -s dev\n" +
        "pulumi config get groupKey-pilots-primary -s dev | npm run --silent derive-device-key -- pilot-01 | cut -d' ' -f2 | pulumi config set --secret deviceKey-pilot-01-secondary -s dev\n",
    );
    // Step 2: the group, with the keys chosen in step 1, on the devices' one hub.
    expect(steps[1]!.files).toEqual([
      {
        // pilots.yaml exists: the new group gets a file of its own.
        file: path.join(ctx.manifestsDir, "pilots-2.yaml"),
        text: expect.stringContaining(
          "enrollmentGroups:\n  - enrollmentGroupId: pilots\n    attestation:\n      type: symmetricKey\n      symmetricKey:\n        primaryKeySecret: groupKey-pilots-primary\n        secondaryKeySecret: groupKey-pilots-secondary\n    iotHubs:\n      - weu\n    allocationPolicy: static\n",
        ),
      },
    ]);
    // Step 3, on top of step 1's text.
    expect(steps[2]!.files).toEqual([
      {
        file: path.join(ctx.manifestsDir, "pilots.yaml"),
        text: `# pilot sensors, enrolled one by one
defaults:
  iotHubs: [weu]
  allocationPolicy: static
individualEnrollments:
  - registrationId: pilot-03
    attestation: { type: symmetricKey }
`,
      },
    ]);
    expect(steps[2]!.description).toContain(
      "Every device stays on `weu`: it is each moved enrollment's one hub and the group's only hub.",
    );
  });

  it("moves symmetric-key devices into an existing group: derived keys from the group's key first, then retire", () => {
    const ctx = context({
      "pilots.yaml": PILOTS,
      "meters.yaml": `enrollmentGroups:\n  - enrollmentGroupId: meters\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n`,
    });
    const steps = planEnrollmentMove(
      { direction: "to-group", enrollmentGroupId: "meters", registrationIds: ["pilot-03"] },
      ctx,
    );
    expect(steps.map((s) => s.slug)).toEqual(["add-derived-keys", "retire-individual-enrollments"]);
    // DPS generated the group's keys: the derived key is made from the stack's key output.
    expect(steps[0]!.description).toContain(
      `pulumi stack output enrollmentGroupKeys --show-secrets --json -s dev | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8"))["meters"].primaryKey' | npm run --silent derive-device-key -- pilot-03 | cut -d' ' -f2 | pulumi config set --secret deviceKey-pilot-03-secondary -s dev`,
    );
    expect(steps[1]!.description).toContain(
      "Every device stays on `weu`: it is each moved enrollment's one hub and the group's only hub.",
    );
  });

  it("says which devices may change hub when they are on several hubs", () => {
    const ctx = context({
      "pilots.yaml": `individualEnrollments:
  - registrationId: pilot-01
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
  - registrationId: pilot-02
    attestation: { type: symmetricKey }
    iotHubs: [neu]
    allocationPolicy: static
`,
    });
    const steps = planEnrollmentMove(
      { direction: "to-group", enrollmentGroupId: "pilots", registrationIds: ["pilot-01", "pilot-02"] },
      ctx,
    );
    expect(steps[2]!.description).toContain(
      "Hubs: `pilot-01` (weu), `pilot-02` (neu) may land on another hub of the group (weu): DPS keeps a device's hub through a group only when the group has that one hub. To keep them, move the devices of each hub into a group of its own.",
    );
  });

  it("deletes a manifest file the move empties", () => {
    const ctx = context({ "pilots.yaml": PILOTS });
    const steps = planEnrollmentMove(
      {
        direction: "to-group",
        enrollmentGroupId: "pilots",
        registrationIds: ["pilot-01", "pilot-02", "pilot-03"],
      },
      ctx,
    );
    expect(steps[2]!.files).toEqual([{ file: path.join(ctx.manifestsDir, "pilots.yaml"), text: undefined }]);
  });

  it("uses the DPS CA certificate that issued the X.509 devices, and refuses a group that does not cover them", () => {
    const ca = makeCertificate({ commonName: "Camera CA", isCa: true });
    const other = makeCertificate({ commonName: "Other CA", isCa: true });
    const cam = makeCertificate({ commonName: "cam-01", issuer: ca });
    const certFile = path.join(os.tmpdir(), `cam-01-${process.pid}.pem`);
    fs.writeFileSync(certFile, cam.certificatePem);
    const cameras = `individualEnrollments:
  - registrationId: cam-01
    attestation: { type: x509, x509: { clientCertificates: { primary: { certificateFile: ${certFile} } } } }
enrollmentGroups:
  - enrollmentGroupId: other-cams
    attestation: { type: x509, x509: { caReferences: { primary: other-ca } } }
`;
    const ctx = context({ "cams.yaml": cameras }, [
      { name: "camera-ca", certificate: ca.certificatePem },
      { name: "other-ca", certificate: other.certificatePem },
    ]);
    const steps = planEnrollmentMove(
      { direction: "to-group", enrollmentGroupId: "cams", registrationIds: ["cam-01"] },
      ctx,
    );
    expect(steps[0]!.files[0]!.text).toContain(
      "    attestation:\n      type: x509\n      x509:\n        caReferences:\n          primary: camera-ca\n",
    );
    expect(() =>
      planEnrollmentMove(
        { direction: "to-group", enrollmentGroupId: "other-cams", registrationIds: ["cam-01"] },
        ctx,
      ),
    ).toThrow(
      new MovePlanError(
        'enrollment group "other-cams" does not cover "cam-01" (no enabled X.509 enrollment group holds the certificate that issued it (CN=Camera CA)): widen it first (for X.509, declare the issuing CA as its signing certificate or caReference) or choose another group',
      ),
    );
    fs.rmSync(certFile);
  });

  it("refuses to move a device whose IoT Hub id differs from its registration id", () => {
    const ctx = context({
      "a.yaml": `individualEnrollments:\n  - registrationId: bench-2\n    deviceId: thermostat-2\n    attestation: { type: symmetricKey }\n`,
    });
    expect(() =>
      planEnrollmentMove(
        { direction: "to-group", enrollmentGroupId: "bench", registrationIds: ["bench-2"] },
        ctx,
      ),
    ).toThrow(
      'individual enrollment "bench-2" gives its device the IoT Hub id "thermostat-2"; a group\'s device id is its registration id, so the device\'s identity would change: keep it individual',
    );
  });

  it("moves devices of a symmetric-key group to individual enrollments that keep their derived keys", () => {
    const ctx = context({
      "meters.yaml": `enrollmentGroups:\n  - enrollmentGroupId: meters\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n`,
    });
    const steps = planEnrollmentMove(
      { direction: "to-individual", enrollmentGroupId: "meters", registrationIds: ["meter-7"] },
      ctx,
    );
    expect(steps.map((s) => s.slug)).toEqual(["create-individual-enrollments", "retire-group"]);
    expect(steps[0]!.files[0]!.text).toContain(
      "  - registrationId: meter-7\n    iotHubs:\n      - weu\n    allocationPolicy: static\n    attestation:\n      type: symmetricKey\n      symmetricKey:\n        primaryKeySecret: deviceKey-meter-7-primary\n        secondaryKeySecret: deviceKey-meter-7-secondary\n",
    );
    expect(steps[1]!.files).toEqual([{ file: path.join(ctx.manifestsDir, "meters.yaml"), text: undefined }]);
  });
});

describe("advice over manifests", () => {
  it("writes the group that would replace shared individual enrollments as a manifest entry", () => {
    const ctx = context({ "pilots.yaml": PILOTS });
    const advice = adviseManifests(
      ctx.manifests,
      enrollmentChoiceConfig({ "dps-enrollment-individual-or-group": { minimumSharedConfiguration: 3 } }),
    );
    expect(formatAdvice(advice, ctx.hubName)).toEqual([
      "3 individual enrollments share one configuration (symmetric key; hubs weu.example.azure-devices.net; allocation static; reprovision (DPS default); no initial twin): pilot-01, pilot-02, pilot-03. One enrollment group would replace them:\n" +
        "    enrollmentGroups:\n      - enrollmentGroupId: pilot-group\n        attestation:\n          type: symmetricKey\n        iotHubs:\n          - weu\n        allocationPolicy: static\n" +
        "  Move them safely: npm run plan-enrollment-move -- --stack <stack> --to-group pilot-group pilot-01 pilot-02 pilot-03",
    ]);
  });
  it("gives no advice where the environment disables it", () => {
    const ctx = context({ "pilots.yaml": PILOTS });
    expect(
      adviseManifests(
        ctx.manifests,
        enrollmentChoiceConfig({ all: "advisory", "dps-enrollment-individual-or-group": "disabled" }),
      ),
    ).toEqual([]);
  });
  it("names the config key of a wrong setting", () => {
    expect(() =>
      enrollmentChoiceConfig(
        { "dps-enrollment-individual-or-group": { minimumSharedConfiguration: 1 } },
        "policy/config/dev.json",
      ),
    ).toThrow(
      "policy/config/dev.json: dps-enrollment-individual-or-group.minimumSharedConfiguration must be a whole number >= 2 (got 1)",
    );
  });
});
