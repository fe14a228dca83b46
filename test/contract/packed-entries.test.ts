// A set's entries as its outputs store them: the canonical text packed (contract/resources/
// packed-text.ts): every entry back as it was, whatever it holds; a damaged value refused with the
// message a damaged text gets (which set, what is wrong, how to restore), never quoting the value.
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  decodeEntries,
  encodePackedEntries,
  encodeSetEntries,
  type EnrollmentSetOutputs,
  fromStored,
  isPacked,
  PACKED_PREFIX,
  packText,
  type SetEntry,
  SetTextError,
  toStored,
  unpackText,
} from "@dps-as-code/contract";

const HUBS = ["dpsac-local-weu.azure-devices.net", "dpsac-local-neu.azure-devices.net", "weu"];

/** A device certificate's PEM of `bytes` random bytes: what an X.509 entry holds (incompressible). */
const pem = (bytes: number) =>
  `-----BEGIN CERTIFICATE-----\n${randomBytes(bytes)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

/** `count` entries as a real fleet varies them: every attestation kind, hubs, twins, tags, labels. */
function variedEntries(count: number): Record<string, SetEntry> {
  const entries: Record<string, SetEntry> = {};
  for (let i = 0; i < count; i++) {
    const attestation: SetEntry["attestation"] =
      i % 3 === 0
        ? { type: "symmetricKey" }
        : i % 3 === 1
          ? { type: "tpm", tpm: { endorsementKey: randomBytes(314).toString("base64") } }
          : { type: "x509", x509: { clientCertificates: { primary: { certificate: pem(420) } } } };
    entries[`device-${i}`] = {
      attestation,
      iotHubs: i % 4 === 0 ? [HUBS[0]!, HUBS[1]!] : [HUBS[i % 3]!],
      allocationPolicy: i % 4 === 0 ? "hashed" : "static",
      ...(i % 5 === 0 ? { provisioningStatus: "disabled" as const } : {}),
      ...(i % 7 === 0 ? { capabilities: { iotEdge: true }, deviceId: `gateway-${i}` } : {}),
      initialTwin: {
        tags: { site: `site-${i % 37}`, floor: i % 9, owner: i % 2 ? "metering" : 'Zürich "nord"' },
        properties: { desired: { intervalSeconds: 30 + (i % 11) * 15, firmware: `1.${i % 5}.${i % 13}` } },
      },
      ...(i % 6 === 0 ? { optionalDeviceInformation: { serial: randomBytes(6).toString("hex") } } : {}),
      ...(i % 10 === 0 ? { labels: { batch: `b-${i}` }, deleteRegistrationStateOnDelete: true } : {}),
    };
  }
  return entries;
}

describe("a set's entries stored packed", () => {
  it("read back as they were, over varied entries, one id, none, and ids JSON treats specially", () => {
    const varied = variedEntries(300);
    for (const entries of [
      varied,
      { "meter-1": { attestation: { type: "symmetricKey" } } } as Record<string, SetEntry>,
      {},
      Object.fromEntries([["__proto__", { attestation: { type: "symmetricKey" } }]]) as Record<
        string,
        SetEntry
      >,
    ]) {
      const packed = encodePackedEntries(entries);
      expect(isPacked(packed)).toBe(true);
      expect(decodeEntries(packed)).toEqual(entries);
      // The same entries pack to the same bytes, so a refresh that finds nothing stores the same value.
      expect(encodePackedEntries(entries)).toBe(packed);
    }
    // What it holds is the canonical text: `base64 -d | gunzip` of what follows the prefix reads it.
    const packed = encodePackedEntries(varied);
    const text = gunzipSync(Buffer.from(packed.slice(PACKED_PREFIX.length), "base64")).toString("utf8");
    expect(text).toBe(encodeSetEntries(varied));
    expect(unpackText(packText("é\n{}"), "f")).toBe("é\n{}");
  });

  it("is what toStored writes, and fromStored reads back to the same outputs", () => {
    const outputs = {
      shard: "07-of-32",
      enrollments: variedEntries(20),
      metadata: {},
      keys: {},
    } as unknown as EnrollmentSetOutputs;
    const stored = toStored(outputs);
    expect(stored.enrollments.startsWith("gzip+base64:")).toBe(true);
    expect(fromStored(stored)).toEqual(outputs);
  });

  it("says a damaged value does not decode, names the set and how to restore, and quotes nothing", () => {
    const packed = encodePackedEntries(variedEntries(30));
    const body = packed.slice(PACKED_PREFIX.length);
    const middle = Math.floor(body.length / 2);
    const flipped = body[middle] === "A" ? "B" : "A";
    const damaged: [string, RegExp][] = [
      [
        packed.slice(0, packed.length - 40),
        /^enrollments: the packed text does not decode \(unexpected end of file\)$/,
      ],
      [
        PACKED_PREFIX + body.slice(0, middle) + flipped + body.slice(middle + 1),
        /^enrollments: the packed text does not decode \((incorrect|invalid) [a-z /]+\)$/,
      ],
      [PACKED_PREFIX + "H4sI!" + body, /^enrollments: the packed text does not decode \(not base64\)$/],
      [PACKED_PREFIX, /^enrollments: the packed text does not decode \(unexpected end of file\)$/],
      [
        PACKED_PREFIX + Buffer.from("{}").toString("base64"),
        /^enrollments: the packed text does not decode \(incorrect header check\)$/,
      ],
    ];
    for (const [value, message] of damaged) {
      let error: Error | undefined;
      try {
        decodeEntries(value);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message, value.slice(0, 60)).toMatch(message);
      expect(error!.message).not.toContain(body.slice(0, 12));
      expect(() => fromStored({ shard: "07-of-32", enrollments: value } as never)).toThrow(
        /^enrollment set 07-of-32: enrollments: the packed text does not decode \(.+\); restore the stack's last good state/,
      );
    }
  });

  it("says which line of the packed text is wrong when it unpacks to a bad text, as for the text itself", () => {
    const bad = '{\n"b-2":{"provisioningStatus":"enabled"},\n"a-1":{"provisioningStatus":"disabled"}\n}';
    expect(() => decodeEntries(packText(bad))).toThrow(SetTextError);
    expect(() => fromStored({ shard: "07-of-32", enrollments: packText(bad) } as never)).toThrow(
      'enrollment set 07-of-32: enrollments line 3 ("a-1"): ids must be unique and sorted; it follows "b-2"; restore the stack\'s last good state',
    );
  });

  it("packs near-identical entries to under a tenth of the text, varied ones (random keys and certificates) less", () => {
    const varied = variedEntries(300);
    expect(encodePackedEntries(varied).length).toBeLessThan(encodeSetEntries(varied).length / 1.2);
    const alike = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [
        `bench-device-${String(i).padStart(5, "0")}`,
        {
          attestation: { type: "symmetricKey" },
          iotHubs: [HUBS[0]!],
          allocationPolicy: "static",
        } as SetEntry,
      ]),
    );
    expect(encodePackedEntries(alike).length).toBeLessThan(encodeSetEntries(alike).length / 10);
  });
});
