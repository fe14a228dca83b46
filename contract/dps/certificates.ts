/**
 * The one reader of X.509 certificates, for manifests, the resources' check() and the platform's
 * CA certificates. DPS accepts PEM text, base64 of the PEM text and base64 of DER (Microsoft's own
 * callers send all three: Node SDK e2e `provisioning/e2e/_provisioning_e2e.js`, Azure CLI
 * `azext_iot/common/certops.py open_certificate`; docs/dps-contracts.md §1), so all three are read and
 * turned into one canonical PEM, so diffs compare one form.
 *
 * Rules beyond "it parses": a private key is refused wherever a certificate is expected (it is
 * always a paste mistake, and never belongs in a manifest or in state), and exactly one
 * certificate is expected per slot (DPS's `X509CertificateWithInfo.certificate` is one
 * certificate; a pasted chain would be ambiguous). The advice and the coverage rule read
 * certificates through the same reader (`readCertificate`), so every part accepts the same texts.
 */
import { X509Certificate } from "node:crypto";

export interface ParsedCertificate {
  /** Canonical PEM (Node's rendering of the certificate), trimmed. */
  readonly pem: string;
  /** The PEM block as written (line endings normalised), when the input was PEM text. */
  readonly block: string | undefined;
  /** `CN=..., O=...` on one line. */
  readonly subject: string;
  readonly commonName: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Upper-case hex without separators, as DPS reports `sha1Thumbprint` / `sha256Thumbprint`. */
  readonly sha1Thumbprint: string;
  readonly sha256Thumbprint: string;
}

export type CertificateParseResult =
  | { readonly ok: true; readonly certificate: ParsedCertificate }
  | { readonly ok: false; readonly problem: string; readonly allowed: string };

export const CERTIFICATE_ALLOWED =
  "one PEM certificate ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'), public part only";

/**
 * Results by text: one text is often read many times in one process (a set's check reads the
 * DPS's `trustedCaCertificate` once per entry, 30,000 parses of one PEM at 30,000 entries, 2 s of a
 * no-op preview: benchmarks/README.md). A result depends on the text alone (expiry is judged by
 * the callers), and is never changed by them (readonly). Bounded: cleared when full.
 */
const parsedByText = new Map<string, CertificateParseResult>();
const MAX_PARSED = 256;

export function parseCertificate(text: string): CertificateParseResult {
  let result = parsedByText.get(text);
  if (result === undefined) {
    if (parsedByText.size >= MAX_PARSED) parsedByText.clear();
    result = parseCertificateText(text);
    parsedByText.set(text, result);
  }
  return result;
}

function parseCertificateText(text: string): CertificateParseResult {
  const read = readOne(text);
  if (!read.ok) return read;
  const { cert, block } = read;
  return {
    ok: true,
    certificate: {
      pem: cert.toString().trim(),
      block,
      subject: cert.subject.replace(/\n/g, ", "),
      commonName: /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1],
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
      sha1Thumbprint: cert.fingerprint.replace(/:/g, "").toUpperCase(),
      sha256Thumbprint: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
    },
  };
}

/** Node's certificate object for a text parseCertificate accepts; undefined for anything else. */
export function readCertificate(text: string | undefined): X509Certificate | undefined {
  if (text === undefined) return undefined;
  const read = readOne(text);
  return read.ok ? read.cert : undefined;
}

type ReadResult =
  | { readonly ok: true; readonly cert: X509Certificate; readonly block: string | undefined }
  | { readonly ok: false; readonly problem: string; readonly allowed: string };

function readOne(text: string): ReadResult {
  const refuse = (problem: string) => ({ ok: false as const, problem, allowed: CERTIFICATE_ALLOWED });
  if (/PRIVATE KEY/.test(text))
    return refuse("contains a private key; private keys never appear in manifests or enrollments");
  const blocksOf = (s: string) =>
    s.replace(/\r\n/g, "\n").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  let blocks = blocksOf(text);
  let der: Buffer | undefined;
  const trimmed = text.trim();
  if (blocks.length === 0 && /^[A-Za-z0-9+/=\s]+$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/\s+/g, ""), "base64");
    const asText = bytes.toString("utf8");
    if (/PRIVATE KEY/.test(asText))
      return refuse(
        "contains a private key (base64-encoded); private keys never appear in manifests or enrollments",
      );
    blocks = blocksOf(asText);
    // DER starts with a SEQUENCE tag (0x30); anything else is not a certificate in any form.
    if (blocks.length === 0 && bytes[0] === 0x30) der = bytes;
  }
  if (blocks.length > 1) return refuse(`holds ${blocks.length} certificates`);
  if (blocks.length === 0 && !der) return refuse("is not a PEM certificate (nor base64 of PEM or DER)");
  try {
    return { ok: true, cert: new X509Certificate(der ?? blocks[0]!), block: blocks[0] };
  } catch (error) {
    return refuse(`is not a valid certificate (${(error as Error).message.split("\n")[0]!.slice(0, 120)})`);
  }
}

/** Canonical PEM for comparisons, or the trimmed text when it does not parse (validation reports that). */
export function canonicalPem(text: string): string {
  const parsed = parseCertificate(text);
  return parsed.ok ? parsed.certificate.pem : text.trim();
}
