/**
 * Every older form of an EnrollmentSet's stored state that this version still reads, with the
 * versions that wrote it (one place, as components/enrollments/stored-forms.ts is for the
 * enrollment resources). test/stored-forms.test.ts reads each.
 */
import {
  decodeEntries,
  decodeKeys,
  decodeMetadata,
  decodeSecrets,
  type StoredForm,
} from "@dps-as-code/contract";
import { STORED_PROVIDER_CODE } from "../stored-forms";

export const ENROLLMENT_SET_STORED_FORMS: readonly StoredForm[] = [
  {
    field: "__provider",
    form: "the provider's code, serialised by pulumi.dynamic.Resource",
    writtenBy: "dcb8c7c..c02eaa3",
    readBy:
      "the host runs the code itself for read and delete; diff (plan.ts, providerCodeInState) updates the state alone, once, to store the provider's name",
    example: STORED_PROVIDER_CODE,
  },
  {
    field: "__provider",
    form: "a reference naming the folder components/enrollments (typescript-loader.js, sets/set-provider.ts: createEnrollmentSetProvider)",
    writtenBy: "4936d4c..3f00df0",
    readBy:
      "the host loads it for read and delete; diff: no change (the name is stored with the next update)",
    example: [
      '// dps-as-code enrollment set provider, loaded from "components/enrollments" of the project directory (see provider-reference.ts there)',
      "exports.handler = function () {",
      '  var dir = require("path").resolve("components/enrollments");',
      '  require(dir + "/typescript-loader.js").registerTypeScript(process.cwd());',
      '  return require(dir + "/sets/set-provider").createEnrollmentSetProvider();',
      "};",
    ].join("\n"),
  },
  {
    field: "__provider",
    form: "a reference naming the folder components/enrollments/sets (set-provider.ts: createEnrollmentSetProvider) and the loader in components/enrollments",
    writtenBy: "ed5dac6..fba4631",
    readBy:
      "the host loads it for read and delete; diff: no change (the name is stored with the next update)",
    example: [
      '// dps-as-code set-provider, loaded from "components/enrollments/sets" of the project directory (see provider-reference.ts in "components/enrollments")',
      "exports.handler = function () {",
      '  var dir = require("path").resolve("components/enrollments/sets");',
      '  require(require("path").resolve("components/enrollments") + "/typescript-loader.js").registerTypeScript(process.cwd());',
      '  return require(dir + "/set-provider").createEnrollmentSetProvider();',
      "};",
    ].join("\n"),
  },
  {
    field: "metadata",
    form: "a map of registration id to { etag, createdDateTimeUtc?, lastUpdatedDateTimeUtc? }",
    writtenBy: "dcb8c7c..380c333",
    readBy: `${decodeMetadata.name} (fromStored), which drops the times; refresh and the next update store lines`,
    example: { "meter-1": { etag: '"1"', createdDateTimeUtc: "2025-01-01T00:00:00Z" } },
  },
  {
    field: "metadata",
    form: 'lines of ["<id>", "<etag>", "<created>", "<lastUpdated>"], one per entry, sorted by id (times may be "")',
    writtenBy: "c5a371d..94e5377",
    readBy: `${decodeMetadata.name} (fromStored), which drops the times; refresh and the next update store ["<id>", "<etag>"] lines, and neither shows a change`,
    example: [
      '["meter-1","\\"1\\"","2025-01-01T00:00:00Z","2025-01-02T00:00:00Z"]',
      '["meter-2","\\"2\\"","",""]',
    ].join("\n"),
  },
  {
    field: "keys",
    form: "a map of registration id to { primaryKey, secondaryKey }",
    writtenBy: "dcb8c7c..380c333",
    readBy: `${decodeKeys.name} (fromStored, and the stack's key output); refresh and the next update store lines`,
    example: { "meter-1": { primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5" } },
  },
  {
    field: "enrollments",
    form: "(outputs) a map of registration id to entry, the inputs' map repeated",
    writtenBy: "dcb8c7c..95f9b1c",
    readBy: `${decodeEntries.name} (fromStored, the drift report); refresh and the next update store the canonical text packed`,
    example: { "meter-1": { attestation: { type: "symmetricKey" }, iotHubs: ["hub-1.azure-devices.net"] } },
  },
  {
    field: "enrollments",
    form: '(outputs) lines of ["<id>", {entry}], one per entry, sorted by id',
    writtenBy: "9dbec82..9538404",
    readBy: `${decodeEntries.name} (fromStored, the drift report, recover); refresh and the next update store the canonical text packed`,
    example: [
      '["meter-1",{"attestation":{"type":"symmetricKey"},"iotHubs":["hub-1.azure-devices.net"]}]',
      '["meter-2",{"attestation":{"type":"tpm","tpm":{"endorsementKey":"AToAAQAL"}}}]',
    ].join("\n"),
  },
  {
    field: "enrollments",
    form: "(outputs) the canonical text of set-text.ts, unpacked: the inputs' form, hubs resolved",
    writtenBy: "03a00cd..8c36f93",
    readBy: `${decodeEntries.name} (fromStored, the drift report, recover, the PR report, the policy pack); refresh and the next update store it packed (packed-text.ts), and neither shows a change`,
    example: [
      "{",
      '"meter-1":{"attestation":{"type":"symmetricKey"},"iotHubs":["hub-1.azure-devices.net"]},',
      '"meter-2":{"attestation":{"tpm":{"endorsementKey":"AToAAQAL"},"type":"tpm"}}',
      "}",
    ].join("\n"),
  },
  {
    field: "secrets",
    form: "(outputs, secret) a map of registration id to { primaryKey?, secondaryKey?, webhookUrl? }, the inputs' map repeated",
    writtenBy: "dcb8c7c..9538404",
    readBy: `${decodeSecrets.name} (fromStored); refresh and the next update store the canonical text`,
    example: {
      "meter-1": { primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5" },
      "meter-3": { webhookUrl: "https://allocate.example.net/api/allocate?code=c2VjcmV0" },
    },
  },
  {
    field: "enrollments",
    form: "(inputs) a map of registration id to entry, hubs as host names: what the program sent before the text",
    writtenBy: "dcb8c7c..7402894",
    readBy: `decodeSetInputs (set-provider.ts: check, diff, update) and ${decodeEntries.name} (the PR report, the policy pack); the next up stores the program's text by a same step, no DPS call`,
    example: { "meter-1": { attestation: { type: "symmetricKey" }, iotHubs: ["hub-1.azure-devices.net"] } },
  },
  {
    field: "secrets",
    form: "(inputs, secret) a map of registration id to { primaryKey?, secondaryKey?, webhookUrl? }",
    writtenBy: "dcb8c7c..7402894",
    readBy: `decodeSetInputs (set-provider.ts) and ${decodeSecrets.name} (the PR report, the policy pack); the next up stores the program's secret text by a same step`,
    example: { "meter-1": { primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5" } },
  },
];
