/**
 * What an enrollment stores as `__provider`: a few hundred bytes that load the provider from the
 * project on disk, instead of the provider's code (~97 KB, stored twice per enrollment).
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
 * - The provider process is plain node: the stub registers the project's ts-node (transpile only,
 *   the project's tsconfig.json), as the language host does for the program, before requiring the
 *   TypeScript source. It captures nothing: no credential can reach the state through it.
 *
 * A state whose `__provider` differs from the current stub (the embedded code of older versions)
 * is rewritten by one state-only update, see diff.ts (`providerReferenceChanged`).
 */
import * as path from "node:path";
import type { EnrollmentKind } from "./types";

/**
 * The provider module, relative to the project directory, with forward slashes. Computed in the
 * program, whose working directory is the project directory, as the provider process's is.
 */
export function providerModulePath(projectDir: string = process.cwd()): string {
  return path.relative(projectDir, path.join(__dirname, "provider")).split(path.sep).join("/");
}

/** The `__provider` text for one kind of enrollment. */
export function providerReference(kind: EnrollmentKind, modulePath: string = providerModulePath()): string {
  return [
    `// dps-as-code enrollment provider: ${JSON.stringify(modulePath)} of the project directory, loaded by reference (components/enrollments/provider-reference.ts)`,
    `exports.handler = function () {`,
    `  if (!require.extensions[".ts"]) require("ts-node").register({ transpileOnly: true });`,
    `  return require(require("path").resolve(${JSON.stringify(modulePath)})).createEnrollmentProvider(${JSON.stringify(kind)});`,
    `};`,
  ].join("\n");
}

/** True when `value` is a provider reference (of this version or a later one), not embedded code. */
export function isProviderReference(value: unknown): boolean {
  return typeof value === "string" && value.startsWith("// dps-as-code enrollment provider:");
}
