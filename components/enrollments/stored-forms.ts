/**
 * Every older form of an IndividualEnrollment's or EnrollmentGroup's stored state that this version
 * still reads, with the versions that wrote it (azurerm's `migration/*_v0_to_v1.go` is the model):
 * one place to see what a stack of any earlier version holds. test/stored-forms.test.ts reads each.
 *
 * Only `__provider` has older forms. The host loads the provider for read and delete from the
 * stored text, and keeps that text in the outputs until the resource's next create or update
 * (contract/resources/provider-reference.ts), so the module paths and exports these references name
 * (components/enrollments/index.ts, provider.ts, typescript-loader.js) must keep loading, whatever
 * moves elsewhere.
 */
import type { EnrollmentKind, StoredForm } from "@dps-as-code/contract";

/** A stand-in for the serialised closure `pulumi.dynamic.Resource` stored (~97 KB of code). */
export const STORED_PROVIDER_CODE =
  "exports.handler = __f0;\nfunction __f0() { /* the provider, serialised */ }";

export function enrollmentStoredForms(kind: EnrollmentKind): readonly StoredForm[] {
  const ts = {
    individual: [
      '// dps-as-code enrollment provider: "components/enrollments" of the project directory, loaded by reference (components/enrollments/provider-reference.ts)',
      "exports.handler = function () {",
      '  if (!require.extensions[".ts"]) require("ts-node").register({ transpileOnly: true });',
      '  return require(require("path").resolve("components/enrollments")).createEnrollmentProvider("individual");',
      "};",
    ].join("\n"),
    group: [
      '// dps-as-code enrollment provider: "components/enrollments" of the project directory, loaded by reference (components/enrollments/provider-reference.ts)',
      "exports.handler = function () {",
      '  if (!require.extensions[".ts"]) require("ts-node").register({ transpileOnly: true });',
      '  return require(require("path").resolve("components/enrollments")).createEnrollmentProvider("group");',
      "};",
    ].join("\n"),
  };
  const folder = {
    individual: [
      '// dps-as-code enrollment provider, loaded from "components/enrollments" of the project directory (see provider-reference.ts there)',
      "exports.handler = function () {",
      '  var dir = require("path").resolve("components/enrollments");',
      '  require(dir + "/typescript-loader.js").registerTypeScript(process.cwd());',
      '  return require(dir + "/provider").createEnrollmentProvider("individual");',
      "};",
    ].join("\n"),
    group: [
      '// dps-as-code enrollment provider, loaded from "components/enrollments" of the project directory (see provider-reference.ts there)',
      "exports.handler = function () {",
      '  var dir = require("path").resolve("components/enrollments");',
      '  require(dir + "/typescript-loader.js").registerTypeScript(process.cwd());',
      '  return require(dir + "/provider").createEnrollmentProvider("group");',
      "};",
    ].join("\n"),
  };
  return [
    {
      field: "__provider",
      form: "the provider's code, serialised by pulumi.dynamic.Resource",
      writtenBy: "35a3f14..81129c7",
      readBy:
        "the host runs the code itself for read and delete; diff (providerCodeInState) updates the state alone, once, to store the provider's name",
      example: STORED_PROVIDER_CODE,
    },
    {
      field: "__provider",
      form: "a reference that registers ts-node and loads components/enrollments (index.ts: createEnrollmentProvider)",
      writtenBy: "c7f66de..3b6d67b",
      readBy:
        "the host loads it for read and delete; diff: no change (the name is stored with the next update)",
      example: ts[kind],
    },
    {
      field: "__provider",
      form: "a reference naming the folder components/enrollments (typescript-loader.js, provider.ts: createEnrollmentProvider)",
      writtenBy: "b38e215..fba4631",
      readBy:
        "the host loads it for read and delete; diff: no change (the name is stored with the next update)",
      example: folder[kind],
    },
  ];
}
