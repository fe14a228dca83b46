// The architecture of dps-as-code, as rules CI enforces (`npm run lint` runs dependency-cruiser
// with this file). The parts, and what each may import:
//
//   contract/            the one contract: DPS rules, individual-or-group rules, the resources'
//                        contract. Imports nothing but itself and Node's built-ins.
//   components/enrollments, components/dps-client
//                        the enrollment resources and their DPS client: DPS's service API only,
//                        nothing of azure-native or of the platform, so they work against any DPS.
//   components/platform  IoT Hubs, DPS, linked hubs (azure-native) and the local target: nothing
//                        of the enrollments; it hands over an endpoint and credentials.
//   components/manifests manifest loading: no fleet, no advice, no platform, no tools.
//   components/config, components/fleet, components/advice
//                        stack config; where manifests, platform and enrollments meet; advice.
//   index.ts             the program.
//   policy/              the policy pack: the contract and @pulumi/policy, never component code.
//   scripts/             command-line tools; libraries never import them.
//   emulator/            a separate program standing for Azure: imports nothing of the product.
//   test/, testkit/, benchmarks/, */test/
//                        tests and their helpers; nothing of the product imports them.
//
// Each rule's comment says why; the names are what a failing run prints.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "contract-is-pure",
      comment:
        "The contract is loaded by provider processes and by the policy pack as it is: it imports only itself and Node's built-ins.",
      severity: "error",
      from: { path: "^contract/" },
      to: { pathNot: "^contract/", dependencyTypesNot: ["core"] },
    },
    {
      name: "emulator-imports-nothing-of-the-product",
      comment:
        "The emulator stands for Azure: the product talks to it over HTTPS, as to Azure. It must not share the product's code, or it would share its guesses.",
      severity: "error",
      from: { path: "^emulator/", pathNot: "^emulator/test/" },
      to: { path: "^(components|contract|policy|scripts|test|testkit|benchmarks)/|^index\\.ts$" },
    },
    {
      name: "enrollments-know-nothing-of-the-platform",
      comment:
        "The enrollment resources work against any DPS (made by our components, by Bicep, by hand, or the emulator): no azure-native, no platform, no fleet, no config.",
      severity: "error",
      from: { path: "^components/(enrollments|dps-client)/" },
      to: {
        path: "^components/(platform|fleet|config|manifests|advice)/|@pulumi/azure-native|node_modules/@pulumi/random",
      },
    },
    {
      name: "platform-knows-nothing-of-the-enrollments",
      comment:
        "The platform components hand over an endpoint and credentials; enrollment internals are not theirs to import.",
      severity: "error",
      from: { path: "^components/platform/" },
      to: { path: "^components/(enrollments|fleet|manifests|advice)/" },
    },
    {
      name: "manifests-load-manifests-only",
      comment:
        "Manifest loading is one module the program uses: it does not reach up into the fleet, the advice or the platform (it checks entries with the enrollment resources' own rules).",
      severity: "error",
      from: { path: "^components/manifests/" },
      to: { path: "^components/(fleet|advice|platform)/" },
    },
    {
      name: "policy-pack-imports-only-the-contract",
      comment:
        "The policy pack reads resource types and inputs; its rules come from the contract package, never from component code, so it would build if published on its own.",
      severity: "error",
      from: { path: "^policy/(index\\.ts|lib/|policies/)" },
      to: { path: "^(components|scripts|test|testkit|emulator|benchmarks)/|^index\\.ts$" },
    },
    {
      name: "libraries-never-import-tools",
      comment: "Command-line tools live in scripts/ and import libraries, never the other way round.",
      severity: "error",
      from: { path: "^(components|contract|policy/(lib|policies))/|^index\\.ts$" },
      to: { path: "^scripts/" },
    },
    {
      name: "product-never-imports-tests",
      comment: "Test helpers serve tests and benchmarks; nothing the product runs depends on them.",
      severity: "error",
      from: {
        path: "^(components|contract|scripts|emulator)/|^policy/(index\\.ts|lib/|policies/)|^index\\.ts$",
        pathNot: "/test/",
      },
      to: { path: "^(test|testkit|benchmarks)/|/test/" },
    },
    {
      name: "product-never-imports-the-emulator",
      comment:
        "The product reaches the emulator over HTTPS only; only tests, benchmarks and the demo start it.",
      severity: "error",
      from: { path: "^(components|contract)/|^policy/(index\\.ts|lib/|policies/)|^index\\.ts$" },
      to: { path: "^emulator/" },
    },
    {
      name: "benchmarks-do-not-import-tests",
      comment: "Benchmarks share the test kit with the tests, not the tests themselves.",
      severity: "error",
      from: { path: "^benchmarks/" },
      to: { path: "^test/" },
    },
    {
      name: "no-unresolvable-import",
      comment: "An import that resolves to nothing fails at run time.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|bin)/|^test/fixtures/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
