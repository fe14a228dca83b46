// Certificates in manifests: PEM text inline or a file next to the manifest. Only public
// certificates are accepted; a private key in a manifest is always a mistake.
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export type CertificateResult =
  | { ok: true; pem: string; commonName: string | undefined; notAfter: Date }
  | { ok: false; problem: string; allowed: string };

const PEM_ALLOWED = "one PEM certificate ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'), public part only";

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

export function parseCertificate(text: string): CertificateResult {
  if (/PRIVATE KEY/.test(text)) {
    return { ok: false, problem: "contains a private key; private keys never appear in manifests", allowed: PEM_ALLOWED };
  }
  // Windows line endings in a PEM file would make the same certificate look changed.
  const blocks = text.replace(/\r\n/g, "\n").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    return {
      ok: false,
      problem: blocks.length === 0 ? "is not a PEM certificate" : `holds ${blocks.length} certificates`,
      allowed: PEM_ALLOWED,
    };
  }
  const pem = `${blocks[0]}\n`;
  try {
    const cert = new X509Certificate(pem);
    const commonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    return { ok: true, pem, commonName, notAfter: new Date(cert.validTo) };
  } catch (error) {
    return { ok: false, problem: `is not a valid certificate (${(error as Error).message})`, allowed: PEM_ALLOWED };
  }
}
