// The key identifiers of an X.509 certificate (RFC 5280 §4.2.1.1 authorityKeyIdentifier,
// §4.2.1.2 subjectKeyIdentifier), read from its DER with Node built-ins only: Node's
// X509Certificate does not expose them, and this module is shared with the policy pack, which has
// no certificate library. Only the few DER shapes these two extensions use are read.

interface DerNode {
  readonly tag: number;
  /** The content octets. */
  readonly content: Buffer;
}

/** The DER elements one after another in `bytes` (definite lengths only, as DER requires). */
function children(bytes: Buffer): DerNode[] {
  const nodes: DerNode[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset]!;
    let length = bytes[offset + 1]!;
    let start = offset + 2;
    if (length & 0x80) {
      const octets = length & 0x7f;
      if (octets === 0 || octets > 4) throw new Error("unsupported DER length");
      length = bytes.readUIntBE(start, octets);
      start += octets;
    }
    if (start + length > bytes.length) throw new Error("truncated DER");
    nodes.push({ tag, content: bytes.subarray(start, start + length) });
    offset = start + length;
  }
  return nodes;
}

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // tbsCertificate's [3] EXPLICIT Extensions
const KEY_IDENTIFIER = 0x80; // AuthorityKeyIdentifier's [0] IMPLICIT keyIdentifier
const SUBJECT_KEY_IDENTIFIER_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]); // 2.5.29.14
const AUTHORITY_KEY_IDENTIFIER_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]); // 2.5.29.35

/** The value (extnValue's content) of the extension whose encoded OID is `oid`, if present. */
function extensionValue(certificateDer: Buffer, oid: Buffer): Buffer | undefined {
  const [certificate] = children(certificateDer);
  const [tbs] = certificate?.tag === SEQUENCE ? children(certificate.content) : [];
  const extensions =
    tbs?.tag === SEQUENCE ? children(tbs.content).find((node) => node.tag === EXTENSIONS) : undefined;
  const [list] = extensions ? children(extensions.content) : [];
  for (const extension of list?.tag === SEQUENCE ? children(list.content) : []) {
    const [id, ...rest] = children(extension.content);
    if (!id || !Buffer.from([id.tag, id.content.length, ...id.content]).equals(oid)) continue;
    return rest.find((node) => node.tag === OCTET_STRING)?.content;
  }
  return undefined;
}

/** Hex of the subjectKeyIdentifier, or undefined when the certificate has none (or cannot be read). */
export function subjectKeyIdentifier(certificateDer: Buffer): string | undefined {
  try {
    const value = extensionValue(certificateDer, SUBJECT_KEY_IDENTIFIER_OID);
    const [identifier] = value ? children(value) : [];
    return identifier?.tag === OCTET_STRING ? identifier.content.toString("hex") : undefined;
  } catch {
    return undefined;
  }
}

/** Hex of the authorityKeyIdentifier's keyIdentifier, or undefined when the certificate has none (or cannot be read). */
export function authorityKeyIdentifier(certificateDer: Buffer): string | undefined {
  try {
    const value = extensionValue(certificateDer, AUTHORITY_KEY_IDENTIFIER_OID);
    const [sequence] = value ? children(value) : [];
    const identifier =
      sequence?.tag === SEQUENCE
        ? children(sequence.content).find((node) => node.tag === KEY_IDENTIFIER)
        : undefined;
    return identifier?.content.toString("hex");
  } catch {
    return undefined;
  }
}
