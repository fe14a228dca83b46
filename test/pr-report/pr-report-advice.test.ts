// The PR report's "Individual or group" section, from a preview's new inputs.
import { describe, expect, it } from "vitest";
import { buildPrReport } from "../../scripts/pr-report/index";
import { enrollmentChoiceConfig } from "@dps-as-code/contract";

const HUB = "dpsac-dev-weu-abc123.azure-devices.net";
const individual = (id: string) => ({
  op: "create",
  urn: `urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::${id}`,
  newState: {
    type: "pulumi-nodejs:dynamic/dps:IndividualEnrollment",
    inputs: {
      registrationId: id,
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB],
      allocationPolicy: "static",
      labels: id === "sensor-06" ? { traceability: "individual" } : undefined,
    },
  },
});
const group = {
  op: "same",
  urn: "urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentGroup::pumps",
  newState: {
    type: "pulumi-nodejs:dynamic/dps:EnrollmentGroup",
    inputs: {
      enrollmentGroupId: "pumps",
      attestation: { type: "symmetricKey" },
      labels: { traceability: "individual" },
    },
  },
};
const ledger = {
  op: "update",
  urn: "urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentLedger::enrollment-ledger",
  newState: { inputs: {} },
};
const previewJson = JSON.stringify({
  steps: [...["01", "02", "03", "04", "05", "06"].map((n) => individual(`sensor-${n}`)), group, ledger],
  changeSummary: { create: 6, same: 1, update: 1 },
});

describe("the PR report's individual-or-group section", () => {
  it("shows the group that would replace shared individual enrollments, as YAML, and the marked group", () => {
    const report = buildPrReport([
      { stack: "dev", previewJson, enrollmentChoice: enrollmentChoiceConfig({}) },
    ]);
    expect(report).toContain("**Individual or group (2 suggestions):**");
    expect(report).toContain(
      `- 5 individual enrollments share one configuration (symmetric key; hubs ${HUB}; allocation static; reprovision (DPS default); no initial twin): sensor-01, sensor-02, sensor-03, sensor-04, sensor-05. One enrollment group would replace them:\n\n` +
        `  \`\`\`yaml\n  enrollmentGroups:\n    - enrollmentGroupId: sensor-group\n      attestation:\n        type: symmetricKey\n      iotHubs:\n        - ${HUB}\n      allocationPolicy: static\n  \`\`\`\n` +
        "  Move them safely: npm run plan-enrollment-move -- --stack dev --to-group sensor-group sensor-01 sensor-02 sensor-03 sensor-04 sensor-05",
    );
    expect(report).toContain('- enrollment group "pumps" is marked "traceability: individual"');
    // The ledger is bookkeeping, not another resource for the reviewer.
    expect(report).not.toContain("Other resources");
  });
  it("has no section when the environment disables the advice or none was asked for", () => {
    expect(
      buildPrReport([
        {
          stack: "dev",
          previewJson,
          enrollmentChoice: enrollmentChoiceConfig({ "dps-enrollment-individual-or-group": "disabled" }),
        },
      ]),
    ).not.toContain("Individual or group");
    expect(buildPrReport([{ stack: "dev", previewJson }])).not.toContain("Individual or group");
  });
});
