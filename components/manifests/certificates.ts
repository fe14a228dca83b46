// Certificate files named in manifests: where they are and reading them. What a certificate
// must be is components/dps-rules/certificates.ts's answer, the same as the resources'.
import * as fs from "node:fs";
import * as path from "node:path";

/** Expands `${NAME}` from the program's path variables and resolves relative to the manifest. */
export function resolveCertificatePath(
  manifestFile: string,
  value: string,
  variables: Readonly<Record<string, string>>,
): { ok: true; path: string } | { ok: false; problem: string; allowed: string } {
  let missing: string | undefined;
  const expanded = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const replacement = variables[name];
    if (replacement === undefined) missing ??= name;
    return replacement ?? "";
  });
  if (missing !== undefined) {
    const known = Object.keys(variables).sort();
    return {
      ok: false,
      problem: `unknown path variable '\${${missing}}' in '${value}'`,
      allowed: known.length > 0 ? known.map((k) => `\${${k}}`).join(", ") : "no path variables are defined; use a path relative to the manifest",
    };
  }
  return { ok: true, path: path.resolve(path.dirname(manifestFile), expanded) };
}

export function readCertificateFile(file: string): { ok: true; text: string } | { ok: false; problem: string; allowed: string } {
  try {
    return { ok: true, text: fs.readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return { ok: false, problem: `cannot read certificate file '${file}' (${code})`, allowed: "a readable PEM file, relative to the manifest" };
  }
}
