// What an enrollment's devices may present, as fingerprints the enrollment ledger keeps from one
// deployment to the next (components/fleet/enrollment-ledger.ts), so the policy pack can tell a
// safe rotation (one credential at a time) from one that locks devices out. A fingerprint names a
// credential without holding it: a symmetric key becomes a hash of the key (and the ledger keeps
// these as a Pulumi secret all the same), a certificate its SHA-256 thumbprint, a CA reference
// the CA's name. Which credentials DPS accepts, and why two slots: steps.ts.
import { createHash } from "node:crypto";
import { parseCertificate } from "../dps/certificates";

export type CredentialSlot = "primary" | "secondary";

/** One enrollment's credentials: attestation type and a fingerprint per filled slot. */
export interface CredentialRecord {
  readonly type: string;
  readonly primary?: string;
  readonly secondary?: string;
}

/** Every enrollment's credentials, by credentialKey(kind, id). */
export type CredentialBook = Readonly<Record<string, CredentialRecord>>;

/** `individual:<id>` / `group:<id>`, ids lower-cased (DPS ids are case-insensitive). */
export function credentialKey(kind: "individual" | "group", id: string): string {
  return `${kind}:${id.toLowerCase()}`;
}

export function splitCredentialKey(key: string): { kind: "individual" | "group"; id: string } {
  const at = key.indexOf(":");
  return { kind: key.slice(0, at) === "group" ? "group" : "individual", id: key.slice(at + 1) };
}

/** `key:<hash>`: a domain-separated SHA-256 of the base64 key, never the key. */
export function keyFingerprint(base64Key: string): string {
  return `key:${createHash("sha256").update(`dps-as-code credential fingerprint\0${base64Key.trim()}`).digest("hex").slice(0, 32)}`;
}

/** `cert:<SHA-256 thumbprint>`; the text itself when it is no certificate (check() refuses it anyway). */
export function certificateFingerprint(text: string): string {
  const parsed = parseCertificate(text);
  return parsed.ok ? `cert:${parsed.certificate.sha256Thumbprint}` : `cert:unreadable:${text.trim().length}`;
}

/** `ca:<name>`: a DPS CA certificate, as an enrollment group names it in caReferences. */
export function caReferenceFingerprint(name: string): string {
  return `ca:${name}`;
}

/** The CA name of a `ca:<name>` fingerprint, undefined for any other. */
export function caNameOf(fingerprint: string): string | undefined {
  return fingerprint.startsWith("ca:") ? fingerprint.slice(3) : undefined;
}

interface CertificateSlotView {
  readonly certificate?: string;
}
/** An X.509 attestation as manifests, resources and the ledger hold it (certificates as text). */
export interface X509CredentialView {
  readonly clientCertificates?: {
    readonly primary?: CertificateSlotView;
    readonly secondary?: CertificateSlotView;
  };
  readonly signingCertificates?: {
    readonly primary?: CertificateSlotView;
    readonly secondary?: CertificateSlotView;
  };
  readonly caReferences?: { readonly primary?: string; readonly secondary?: string };
}

/** An X.509 enrollment's credential record: client certificates, signing certificates or CA references. */
export function x509Credentials(x509: X509CredentialView | undefined): CredentialRecord {
  const slot = (which: CredentialSlot): string | undefined => {
    const certificate =
      x509?.clientCertificates?.[which]?.certificate ?? x509?.signingCertificates?.[which]?.certificate;
    if (certificate !== undefined) return certificateFingerprint(certificate);
    const ca = x509?.caReferences?.[which];
    return ca !== undefined ? caReferenceFingerprint(ca) : undefined;
  };
  return withSlots("x509", slot("primary"), slot("secondary"));
}

/** A symmetric-key enrollment's record from its declared keys (none: DPS generated them, unknown here). */
export function symmetricKeyCredentials(
  primaryKey: string | undefined,
  secondaryKey: string | undefined,
): CredentialRecord {
  return withSlots(
    "symmetricKey",
    primaryKey === undefined ? undefined : keyFingerprint(primaryKey),
    secondaryKey === undefined ? undefined : keyFingerprint(secondaryKey),
  );
}

function withSlots(
  type: string,
  primary: string | undefined,
  secondary: string | undefined,
): CredentialRecord {
  return {
    type,
    ...(primary !== undefined ? { primary } : {}),
    ...(secondary !== undefined ? { secondary } : {}),
  };
}

/**
 * The book as the ledger stores it: one line per enrollment, `key<TAB>type<TAB>primary<TAB>secondary`,
 * sorted. One text, not an object per enrollment: every value of the ledger crosses the engine as
 * protobuf Structs at each preview, at a cost that grows with the number of objects
 * (resources/ledger-lines.ts measured it for the individual enrollments).
 */
export function encodeCredentialBook(book: CredentialBook): string {
  return Object.entries(book)
    .map(([key, r]) => [key, r.type, r.primary ?? "", r.secondary ?? ""].join("\t"))
    .sort()
    .join("\n");
}

/** The stored book; undefined when none was stored (a ledger written before credentials were kept). */
export function decodeCredentialBook(stored: unknown): CredentialBook | undefined {
  if (typeof stored !== "string") return undefined;
  const book: Record<string, CredentialRecord> = {};
  for (const line of stored.split("\n")) {
    if (line === "") continue;
    const [key, type, primary, secondary] = line.split("\t");
    book[key!] = withSlots(type ?? "", primary || undefined, secondary || undefined);
  }
  return book;
}
