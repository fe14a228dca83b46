/**
 * Every older form of the EnrollmentLedger's stored state that this version still reads, with the
 * versions that wrote it (one place, as components/enrollments/stored-forms.ts is for the
 * enrollment resources). test/stored-forms.test.ts reads each.
 */
import { decodeLedgerIndividuals, type StoredForm } from "@dps-as-code/contract";
import { STORED_PROVIDER_CODE } from "../enrollments/stored-forms";

export const ENROLLMENT_LEDGER_STORED_FORMS: readonly StoredForm[] = [
  {
    field: "__provider",
    form: "the provider's code, serialised by pulumi.dynamic.Resource",
    writtenBy: "ffdf4f4..3f00df0",
    readBy:
      "ledgerChanged (providerCodeInState): one update stores the provider's name (the ledger has no read or delete)",
    example: STORED_PROVIDER_CODE,
  },
  {
    field: "__provider",
    form: "a reference naming the folder components/fleet (ledger-provider.ts: createLedgerProvider) and the loader in components/enrollments",
    writtenBy: "ed5dac6..fba4631",
    readBy: "the host loads it only for read and delete, which the ledger does not have; diff: no change",
    example: [
      '// dps-as-code ledger-provider, loaded from "components/fleet" of the project directory (see provider-reference.ts in "components/enrollments")',
      "exports.handler = function () {",
      '  var dir = require("path").resolve("components/fleet");',
      '  require(require("path").resolve("components/enrollments") + "/typescript-loader.js").registerTypeScript(process.cwd());',
      '  return require(dir + "/ledger-provider").createLedgerProvider();',
      "};",
    ].join("\n"),
  },
  {
    field: "individualEnrollments",
    form: "a list of { registrationId, attestation, previousIds? } records",
    writtenBy: "ffdf4f4..380c333",
    readBy: `${decodeLedgerIndividuals.name}; ledgerChanged: one update stores lines`,
    example: [{ registrationId: "cam-1", attestation: { type: "symmetricKey" } }],
  },
  {
    field: "outputs",
    form: "the checked inputs again: the individual enrollments, groups, CA certificates, retirements and the credential book, beside the findings (no `recorded` digests)",
    writtenBy: "ffdf4f4..717fd99",
    readBy:
      "ledgerChanged compares it as that version did and finds no change in it alone; the ledger's next update stores digests (contract/resources/ledger-digests.ts)",
    example: {
      individualEnrollments: '{"registrationId":"cam-1","attestation":{"type":"symmetricKey"}}',
      enrollmentGroups: [],
      caCertificates: [],
      retiredEnrollments: [],
      credentials: "individual:cam-1\tsymmetricKey\tkey:00000000000000000000000000000000\t",
      deletedIndividualEnrollments: [],
      credentialChanges: [],
      earlyCaRetirements: [],
    },
  },
];
