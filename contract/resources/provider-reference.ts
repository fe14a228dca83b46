/**
 * What the project's dynamic resources store as `__provider`: a few lines that ask the project's
 * provider entry (`dynamic-providers.js`, at the project root) for a provider by its stable name,
 * the resource's type name. No code, no folder: moving or renaming a component folder changes the
 * entry file, never a stack's state.
 *
 * How the engine uses the text (@pulumi/pulumi 3.260.0, cmd/dynamic-provider/index.js):
 * - The host evaluates `__provider` with require-from-string and no file name, so `require`
 *   resolves from `process.cwd()`; the engine starts the provider plugin in the project directory
 *   (the folder of Pulumi.yaml, also under `pulumi -C <dir>`), as it starts the program. Hence the
 *   text names the entry by its path relative to that directory.
 * - It calls `exports.handler()` once per distinct text and caches the provider (`getProvider`).
 * - check, diff, create and update load the provider from the new inputs' `__provider` (the
 *   program's text); read and delete from the stored outputs' (`props`), and the host writes the
 *   text it loaded back into what read returns (`resultIncludingProvider`). So a stored text stays
 *   in the outputs until the resource's next create or update: every form a version ever stored
 *   must keep loading (see `storedProviderForm` and each resource's stored-forms module).
 */
import type { DynamicTypeName } from "./tokens";

/** The provider entry, relative to the project directory. */
export const PROVIDER_ENTRY = "dynamic-providers.js";

/** Every reference this project ever stored starts with this; a serialised closure never does. */
const REFERENCE_PREFIX = "// dps-as-code ";

/** The `__provider` text of the resource type `name`. */
export function providerReference(name: DynamicTypeName): string {
  return [
    `${REFERENCE_PREFIX}dynamic provider ${JSON.stringify(name)}, resolved by ${PROVIDER_ENTRY} in the project directory`,
    `exports.handler = function () {`,
    `  return require(require("path").resolve(${JSON.stringify(PROVIDER_ENTRY)})).provider(${JSON.stringify(name)});`,
    `};`,
  ].join("\n");
}

/**
 * The forms of a stored `__provider`:
 * - `name`: providerReference (this version);
 * - `folder`: a reference naming the folder of the provider's module (c7f66de to fba4631);
 * - `code`: the provider's code, serialised by `pulumi.dynamic.Resource` (tens of KB).
 */
export type StoredProviderForm = "name" | "folder" | "code";

export function storedProviderForm(text: string): StoredProviderForm {
  if (!text.startsWith(REFERENCE_PREFIX)) return "code";
  return text.startsWith(`${REFERENCE_PREFIX}dynamic provider "`) ? "name" : "folder";
}

/**
 * Whether a diff must report a change only to store the program's `__provider`: when the state
 * holds a provider's code, which would otherwise run for every refresh and delete of the resource
 * as the version that stored it wrote it (and weighs ~97 KB a resource). A reference of any form
 * loads this version's code from the project, so it never causes a change: the stable name reaches
 * the outputs with the resource's next real update. Both texts must be known (previews and unit
 * tests may lack one).
 */
export function providerCodeInState(olds: object, news: object): boolean {
  const stored = (olds as Record<string, unknown>).__provider;
  const current = (news as Record<string, unknown>).__provider;
  return (
    typeof stored === "string" &&
    typeof current === "string" &&
    stored !== current &&
    storedProviderForm(stored) === "code"
  );
}

/**
 * One older form of a resource's stored state that this version still reads: what it looks like,
 * the versions (commits) that wrote it, and what reads it now. Each resource lists its own in a
 * `stored-forms.ts` beside its provider; test/stored-forms.test.ts reads every one.
 */
export interface StoredForm {
  /** The stored field. */
  readonly field: string;
  /** What the older form is. */
  readonly form: string;
  /** The commits that wrote it: `"<first>..<last>"`, or one commit. */
  readonly writtenBy: string;
  /** What reads it in this version, and what happens to it. */
  readonly readBy: string;
  /** The form exactly as stored (for `__provider` references: the text; for code: a stand-in). */
  readonly example: unknown;
}
