// What the report must not get wrong whatever the pipeline's flags: a --refresh preview's
// update shows its fields; a failed preview says it failed, why, and which stack; the event log
// the pipeline uploads is cut to the policy events; the advice reads both paths and stays in a
// report cut to fit a comment.
import { describe, expect, it } from "vitest";
import { encodeSetEntries, enrollmentChoiceConfig } from "@dps-as-code/contract";
import {
  buildPrReport,
  buildPrReports,
  COMMENT_BUDGET,
  bytes,
  parsePolicyEvents,
  policyEventLog,
} from "../../scripts/pr-report/index";

const HUB = "dpsac-dev-weu-abc123.azure-devices.net";
const URN = "urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::gw-device-001";
const TYPE = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
const KEY = Buffer.alloc(32, 9).toString("base64");
const inputs = (interval: number) => ({
  registrationId: "gw-device-001",
  attestation: { type: "symmetricKey" },
  iotHubs: [HUB],
  initialTwin: { properties: { desired: { telemetryIntervalSeconds: interval } } },
});
const json = (value: unknown) => JSON.stringify(value);

describe("a preview with --refresh", () => {
  // What the engine prints with --refresh: a refresh step (stored -> read back), then the update
  // from the refreshed state to the goal.
  const previewJson = json({
    steps: [
      {
        op: "refresh",
        urn: URN,
        oldState: { type: TYPE, urn: URN, inputs: inputs(30) },
        newState: { type: TYPE, urn: URN, inputs: inputs(30) },
      },
      {
        op: "update",
        urn: URN,
        oldState: { type: TYPE, urn: URN, inputs: inputs(30) },
        newState: { type: TYPE, urn: URN, inputs: inputs(60) },
        diffReasons: ["initialTwin"],
      },
    ],
    changeSummary: { update: 1 },
  });

  it("shows the update's fields old -> new, not the refresh's", () => {
    const report = buildPrReport([{ stack: "dev", previewJson }]);
    expect(report).toContain("| ✏️ | update | enrollment | `gw-device-001` | 1 |");
    expect(report).toContain("| `initialTwin.properties.desired.telemetryIntervalSeconds` | `30` | `60` |");
  });

  it("counts an enrollment that is only refreshed as unchanged", () => {
    const refreshedOnly = json({ steps: [JSON.parse(previewJson).steps[0]], changeSummary: { same: 1 } });
    expect(buildPrReport([{ stack: "dev", previewJson: refreshedOnly }])).toContain(
      "**No enrollment changes.**",
    );
  });
});

describe("a failed preview", () => {
  const failedJson = json({
    steps: [],
    diagnostics: [
      {
        urn: URN,
        severity: "error",
        message: `refresh of gw-device-001 failed: connect ECONNREFUSED 127.0.0.1:1 (HostName=x;SharedAccessKeyName=owner;SharedAccessKey=${KEY})\n`,
      },
      { severity: "info", message: "some info" },
    ],
  });

  it("says it failed, which stack, its exit status and its errors with secrets masked, in every form", () => {
    const reports = buildPrReports([{ stack: "dev", previewJson: failedJson, exitCode: 255, eventLog: "" }]);
    for (const text of [reports.comment, reports.summary, reports.full]) {
      expect(text).toContain(
        "**❗ The preview of `dev` failed (exit 255): this is not the list of changes the merge would make.**",
      );
      expect(text).toContain(
        "- `gw-device-001`: refresh of gw-device-001 failed: connect ECONNREFUSED 127.0.0.1:1 (HostName=x;SharedAccessKeyName=owner;SharedAccessKey=[secret])",
      );
      expect(text).not.toContain(KEY);
      expect(text).not.toContain("No enrollment changes");
      expect(text).not.toContain("some info");
    }
  });

  it("is a failure from its error diagnostics alone, when the exit status was not passed on", () => {
    expect(buildPrReport([{ stack: "prod", previewJson: failedJson }])).toContain(
      "The preview of `prod` failed:",
    );
  });

  it("says a preview that printed nothing failed, instead of leaving the stack out", () => {
    for (const previewJson of [undefined, "", "error: could not reach the backend"]) {
      const report = buildPrReport([{ stack: "dev", previewJson, exitCode: 1 }]);
      expect(report).toContain("The preview of `dev` failed (exit 1)");
      expect(report).toContain("It printed no preview");
    }
    expect(buildPrReport([{ stack: "dev", previewJson: undefined }])).toContain(
      "The preview of `dev` failed:",
    );
  });

  it("lists the changes it reached as incomplete, never as the plan", () => {
    const partial = { steps: [{ op: "create", urn: URN, newState: { type: TYPE, inputs: inputs(30) } }] };
    const report = buildPrReport([{ stack: "dev", previewJson: json(partial), exitCode: 255 }]);
    expect(report).toContain("Changes the preview listed before it stopped: 1 to create.");
  });
});

describe("the event log the pipeline uploads", () => {
  const engineLog = [
    json({
      sequence: 1,
      timestamp: 1,
      resourcePreEvent: { metadata: { new: { inputs: { primaryKey: KEY } } } },
    }),
    json({
      sequence: 2,
      timestamp: 2,
      resOutputsEvent: { metadata: { new: { outputs: { primaryKey: KEY } } } },
    }),
    json({
      sequence: 3,
      timestamp: 3,
      policyEvent: {
        resourceUrn: URN,
        policyName: "dps-enrollment-individual-or-group",
        enforcementLevel: "advisory",
        message: "Individual enrollments ...\n5 share one configuration\n",
        color: "never",
        policyPackName: "dps-as-code",
      },
    }),
    json({ sequence: 4, diagnosticEvent: { message: `debug: key ${KEY}`, severity: "debug" } }),
    '{"truncated',
  ].join("\n");

  it("keeps the policy events the report reads and nothing else", () => {
    const cleaned = policyEventLog(engineLog);
    expect(cleaned).not.toContain(KEY);
    expect(cleaned.trim().split("\n")).toHaveLength(1);
    expect(parsePolicyEvents(cleaned)).toEqual(parsePolicyEvents(engineLog));
    expect(policyEventLog(cleaned)).toBe(cleaned);
  });
});

describe("the advice", () => {
  const SET_URN =
    "urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentSet::enrollment-set-00-of-01";
  const ids = Array.from({ length: 400 }, (_, i) => `sensor-${String(i).padStart(4, "0")}`);
  const entries = (n: number, hub: string) =>
    Object.fromEntries(
      ids.slice(0, n).map((id) => [
        id,
        {
          attestation: { type: "symmetricKey" },
          iotHubs: [hub],
          allocationPolicy: "static",
          initialTwin: { tags: { site: "plant-7" } },
        },
      ]),
    );
  const set = (n: number, form: "map" | "text" = "map") => ({
    type: "pulumi-nodejs:dynamic/dps:EnrollmentSet",
    inputs: {
      dps: { endpoint: "x" },
      // As one text, the entries name their hub by key and the set resolves it (set-text.ts).
      ...(form === "map"
        ? { enrollments: entries(n, HUB) }
        : { enrollments: encodeSetEntries(entries(n, "weu") as never), hubHostNames: { weu: HUB } }),
      secrets: "[secret]",
    },
  });
  const previewOf = (form: "map" | "text") =>
    json({
      steps: [
        { op: "refresh", urn: SET_URN, oldState: set(5, form), newState: set(5, form) },
        { op: "update", urn: SET_URN, oldState: set(5, form), newState: set(400, form) },
      ],
    });
  const previewJson = previewOf("map");

  it.each(["map", "text"] as const)(
    "reads the batch path's enrollments, once each, with --refresh (entries as a %s)",
    (form) => {
      const full = buildPrReports([
        { stack: "dev", previewJson: previewOf(form), enrollmentChoice: enrollmentChoiceConfig({}) },
      ]).full;
      expect(full).toContain("**Individual or group (1 suggestion):**");
      expect(full).toContain(
        `- 400 individual enrollments share one configuration (symmetric key; hubs ${HUB}`,
      );
    },
  );

  it("keeps its line in a comment cut to fit", () => {
    const { comment, full } = buildPrReports([
      { stack: "dev", previewJson, enrollmentChoice: enrollmentChoiceConfig({}) },
    ]);
    expect(bytes(full)).toBeGreaterThan(COMMENT_BUDGET);
    expect(bytes(comment)).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(comment).toContain("**Individual or group (1 suggestion):**");
    expect(comment).toMatch(/^- 400 individual enrollments share one configuration .{0,300}…$/m);
  });
});
