// contract/dps/certificates.ts: parseCertificate keeps its results by text, so the one PEM a set's
// entries share (the DPS's trustedCaCertificate) is parsed once per process, not once per entry.
import { describe, expect, it } from "vitest";
import { parseCertificate } from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const pem = (commonName: string) =>
  makeCertificate({
    commonName,
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 90 * DAY),
  }).certificatePem;

describe("parseCertificate", () => {
  it("answers a text it has read with the same result, and each text with its own", () => {
    const a = pem("memo-a");
    const b = pem("memo-b");
    const first = parseCertificate(a);
    expect(first).toMatchObject({ ok: true, certificate: { commonName: "memo-a" } });
    // The same text again (a different string object with the same characters): the same result.
    expect(parseCertificate(`${a}`.slice(0))).toBe(first);
    expect(parseCertificate(b)).toMatchObject({ ok: true, certificate: { commonName: "memo-b" } });
    expect(parseCertificate(b)).not.toBe(first);
  });

  it("refuses a bad text every time, and stays right past its bound of kept texts", () => {
    const refused = parseCertificate("not a certificate");
    expect(refused).toMatchObject({ ok: false });
    expect(parseCertificate("not a certificate")).toMatchObject({ ok: false });
    const kept = pem("kept");
    // More distinct texts than the memo keeps: it is cleared, and every answer is still the text's own.
    for (let i = 0; i < 300; i++)
      expect(
        parseCertificate(`-----BEGIN CERTIFICATE-----\nbad${i}\n-----END CERTIFICATE-----`),
      ).toMatchObject({
        ok: false,
      });
    expect(parseCertificate(kept)).toMatchObject({ ok: true, certificate: { commonName: "kept" } });
  });
});
