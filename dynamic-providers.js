// The project's dynamic-provider entry: every stored `__provider` names this file and a provider's
// stable name (contract/resources/provider-reference.ts), so where the providers' modules sit is
// written here and nowhere in any stack's state. Moving or renaming a component folder changes
// this file, never a state.
//
// Why this place and this language: the engine starts the dynamic-provider process in the project
// directory (the folder of Pulumi.yaml, also under `pulumi -C <dir>`), and the host evaluates
// `__provider` with no file name, so `require` resolves from there: the project root is the one
// place a stored text can name without naming a folder of the code. The process is plain node, so
// this file is JavaScript, and it registers the TypeScript loader (which also starts the orphan
// watchdog) before it loads a provider.
"use strict";

/** Stable name (the resource's type name) -> the provider. */
const PROVIDERS = {
  IndividualEnrollment: () =>
    require("./components/enrollments/provider").createEnrollmentProvider("individual"),
  EnrollmentGroup: () => require("./components/enrollments/provider").createEnrollmentProvider("group"),
  EnrollmentSet: () => require("./components/enrollments/sets/set-provider").createEnrollmentSetProvider(),
  EnrollmentLedger: () => require("./components/fleet/ledger-provider").createLedgerProvider(),
  LocalProvisioningService: () =>
    require("./components/platform/local/provider").localProvisioningServiceProvider,
  DpsCaCertificate: () => require("./components/platform/ca-certificate/provider").dpsCaCertificateProvider(),
};

exports.providerNames = Object.keys(PROVIDERS);

/** The provider named `name`, loaded from the project's TypeScript sources. */
exports.provider = function provider(name) {
  if (!Object.prototype.hasOwnProperty.call(PROVIDERS, name)) {
    throw new Error(
      `dynamic-providers.js has no provider named ${JSON.stringify(name)} (it has ${exports.providerNames.join(", ")})`,
    );
  }
  require("./components/enrollments/typescript-loader.js").registerTypeScript(__dirname);
  return PROVIDERS[name]();
};
