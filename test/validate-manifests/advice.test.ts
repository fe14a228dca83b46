// `npm run validate-manifests -- --stack dev <folder>` prints the individual-or-group advice with
// dev's settings (policy/config/dev.json), after the manifests pass.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProjectTool } from "../../testkit/project-tool";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "advice-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sensors = Array.from(
  { length: 5 },
  (_, i) => `  - registrationId: pilot-0${i + 1}\n    attestation: { type: symmetricKey }`,
).join("\n");
fs.writeFileSync(
  path.join(dir, "pilots.yaml"),
  `defaults:\n  iotHubs: [weu]\n  allocationPolicy: static\nindividualEnrollments:\n${sensors}\nenrollmentGroups:\n  - enrollmentGroupId: pumps\n    attestation: { type: symmetricKey }\n    labels: { traceability: individual }\n`,
);

describe("validate-manifests --stack", () => {
  it("prints the group that would replace five shared individual enrollments, and the marked group", () => {
    const { status, stdout: out, stderr } = runProjectTool("validate-manifests", ["--stack", "dev", dir]);
    expect(status, stderr).toBe(0);
    expect(out).toBe(
      `${dir}: 5 individual enrollments, 1 enrollment groups, no problems\n` +
        "individual or group (advice, policy/config/dev.json):\n" +
        "- 5 individual enrollments share one configuration (symmetric key; hubs weu; allocation static; reprovision (DPS default); no initial twin): pilot-01, pilot-02, pilot-03, pilot-04, pilot-05. One enrollment group would replace them:\n" +
        "    enrollmentGroups:\n      - enrollmentGroupId: pilot-group\n        attestation:\n          type: symmetricKey\n        iotHubs:\n          - weu\n        allocationPolicy: static\n" +
        "  Move them safely: npm run plan-enrollment-move -- --stack dev --to-group pilot-group pilot-01 pilot-02 pilot-03 pilot-04 pilot-05\n" +
        '- enrollment group "pumps" is marked "traceability: individual": its devices need individual traceability, so enroll each one individually (npm run plan-enrollment-move -- --stack dev --from-group pumps <registration ids>) and retire the group.\n',
    );
  });
});
