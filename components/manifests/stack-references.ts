// What a manifest names in its stack's config: Pulumi secret config keys (`...Secret` fields).
// Checked when the caller knows the stack (the program, `validate-manifests --stack <name>`);
// `pulumi preview` would otherwise stop at "Missing required configuration variable". (CA names
// are checked in entry.ts against the stack's declared `dps.caCertificates`.)
import type { FieldPath } from "./yaml-source";
import type { LoadManifestOptions } from "./types";

type Report = (field: FieldPath, problem: string, allowed?: string, atKey?: boolean) => void;
type Raw = Record<string, unknown>;

/** Every field of an entry that names a secret config key, with its path. */
function secretNameFields(raw: Raw): { path: FieldPath; name: string }[] {
  const attestation = raw["attestation"] as { symmetricKey?: Record<string, unknown> } | undefined;
  const custom = raw["customAllocationDefinition"] as Record<string, unknown> | undefined;
  const found: { path: FieldPath; name: string }[] = [];
  for (const key of ["primaryKeySecret", "secondaryKeySecret"]) {
    const name = attestation?.symmetricKey?.[key];
    if (typeof name === "string") found.push({ path: ["attestation", "symmetricKey", key], name });
  }
  if (typeof custom?.["webhookUrlSecret"] === "string")
    found.push({
      path: ["customAllocationDefinition", "webhookUrlSecret"],
      name: custom["webhookUrlSecret"],
    });
  return found;
}

function listed(names: readonly string[]): string {
  if (names.length === 0) return "(none)";
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

export function checkStackReferences(raw: Raw, options: LoadManifestOptions, report: Report): void {
  const secrets = options.stackSecrets;
  if (secrets) {
    const plain = new Set(secrets.plain ?? []);
    const secretNames = secrets.names.filter((n) => !plain.has(n)).sort();
    for (const { path, name } of secretNameFields(raw)) {
      if (plain.has(name)) {
        report(
          path,
          `config key '${name}' holds a plain value, in clear text in the stack's config file`,
          `a secret: \`pulumi config set --secret ${name} <value>\` (then rotate the value: it was committed in clear)`,
        );
      } else if (!secrets.names.includes(name)) {
        report(
          path,
          `the stack's config has no key '${name}'`,
          `a key set with \`pulumi config set --secret ${name} <value>\`, or one of the stack's secrets: ${listed(secretNames)}`,
        );
      }
    }
  }
}
