/**
 * What an enrollment (or an EnrollmentSet) stores as `__provider`: a few hundred bytes that load the
 * provider from the project on disk, instead of the provider's code (~97 KB, stored twice per
 * resource).
 *
 * Why this works (read in @pulumi/pulumi 3.260.0):
 * - `pulumi.dynamic.Resource` only sets `props.__provider` to the serialised closure and registers
 *   a CustomResource of type `pulumi-nodejs:dynamic/<module>:<type>` (dynamic/index.js). We register
 *   that same type with our own `__provider` text, so the engine sees the same resources.
 * - The dynamic-provider host (cmd/dynamic-provider/index.js) evaluates `__provider` with
 *   require-from-string and no file name: inside it, `require` resolves from `process.cwd()`, and
 *   the host calls `exports.handler()` once per distinct text and caches the provider.
 * - The engine starts the provider plugin, like the language host, in the project directory (the
 *   folder of Pulumi.yaml, also under `pulumi -C <dir>` / `--cwd`); Pulumi's own plugin script runs
 *   `node ./node_modules/@pulumi/pulumi/cmd/dynamic-provider` from there. So the stub names the
 *   provider module by its path relative to that directory: the same text on every machine and
 *   every clone, and no absolute path that a pipeline runner would not have.
 * - The provider process is plain node: the stub first registers typescript-loader.js, which
 *   transpiles the provider's TypeScript with the project's compiler and tsconfig.json (as the
 *   language host does for the program) and caches the result. The stub captures nothing: no
 *   credential can reach the state through it.
 *
 * A state whose `__provider` differs from the current stub (the embedded code of older versions)
 * is rewritten by one state-only update, see diff.ts (`providerReferenceChanged`).
 */
import * as path from "node:path";
import type { EnrollmentKind } from "@dps-as-code/contract";

/**
 * The folder of the provider's modules, relative to the project directory, with forward slashes.
 * Computed in the program, whose working directory is the project directory, as the provider
 * process's is.
 */
export function providerFolder(projectDir: string = process.cwd(), moduleDir: string = __dirname): string {
  return path.relative(projectDir, moduleDir).split(path.sep).join("/");
}

/** The `__provider` text for one kind of enrollment. */
export function providerReference(kind: EnrollmentKind, folder: string = providerFolder()): string {
  return referenceText({
    what: "enrollment provider",
    loaderFolder: folder,
    folder,
    module: "provider",
    factory: `createEnrollmentProvider(${JSON.stringify(kind)})`,
  });
}

/**
 * The same kind of reference for another dynamic provider of the project (the enrollment ledger's):
 * `module` in `moduleDir` (an absolute folder inside the project, usually the caller's __dirname),
 * whose export `factory` (called without arguments) returns the provider.
 */
export function projectProviderReference(
  moduleDir: string,
  module: string,
  factory: string,
  projectDir: string = process.cwd(),
): string {
  return referenceText({
    what: module,
    loaderFolder: providerFolder(projectDir),
    folder: providerFolder(projectDir, moduleDir),
    module,
    factory: `${factory}()`,
  });
}

function referenceText(reference: {
  what: string;
  loaderFolder: string;
  folder: string;
  module: string;
  factory: string;
}): string {
  const { what, loaderFolder, folder, module, factory } = reference;
  const sameFolder = loaderFolder === folder;
  return [
    `// dps-as-code ${what}, loaded from ${JSON.stringify(folder)} of the project directory (see provider-reference.ts ${sameFolder ? "there" : `in ${JSON.stringify(loaderFolder)}`})`,
    `exports.handler = function () {`,
    `  var dir = require("path").resolve(${JSON.stringify(folder)});`,
    ...(sameFolder
      ? [`  require(dir + "/typescript-loader.js").registerTypeScript(process.cwd());`]
      : [
          `  require(require("path").resolve(${JSON.stringify(loaderFolder)}) + "/typescript-loader.js").registerTypeScript(process.cwd());`,
        ]),
    `  return require(dir + "/${module}").${factory};`,
    `};`,
  ].join("\n");
}
