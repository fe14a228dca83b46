// components/protobuf-strings.js: long strings cross google-protobuf through Node's UTF-8 codec,
// and the bytes on the wire are the library's own, byte for byte, for every kind of string a
// set's texts, ids and names hold.
import { createRequire } from "node:module";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fastProtobufStrings, libraryStringMethods } from "../../components/protobuf-strings";

// The Struct the SDK and the dynamic-provider host use, from the SDK's own google-protobuf.
const sdkRequire = createRequire(createRequire(__filename).resolve("@pulumi/pulumi/package.json"));
const jspb = sdkRequire("google-protobuf") as {
  BinaryWriter: { prototype: Record<string, unknown> };
  BinaryReader: { prototype: Record<string, unknown> };
};
const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: {
    fromJavaScript(value: Record<string, unknown>): { serializeBinary(): Uint8Array };
    deserializeBinary(bytes: Uint8Array): { toJavaScript(): Record<string, unknown> };
  };
};

const line = (n: number, hub: string) =>
  JSON.stringify([`meter-${n}`, { attestation: { type: "symmetricKey" }, iotHubs: [hub] }]);
const VALUES: Record<string, unknown> = {
  // A set's entries text: long, ASCII, full of quotes.
  entries: Array.from({ length: 2_000 }, (_, n) => line(n, "hub-weu.azure-devices.net")).join("\n"),
  // Two-, three- and four-byte UTF-8 (a twin's tags may hold any text).
  utf8: Array.from({ length: 300 }, (_, n) => line(n, `ü-€-𝄞-漢字-${n}`)).join("\n"),
  short: "meter-1",
  shortUtf8: "tag ü €",
  empty: "",
  // Not well-formed: a lone surrogate, long enough for the fast path, which leaves it to the library.
  loneSurrogate: `${"x".repeat(200)}\ud800${"y".repeat(200)}`,
  nested: { list: ["a".repeat(500), "b", { deep: "é".repeat(300) }], count: 3, flag: true, none: null },
};

/** The bytes and the decoded value with the library's own string methods in place. */
function withLibraryMethods<T>(run: () => T): T {
  const library = libraryStringMethods(path.join(__dirname, "..", ".."));
  if (!library) throw new Error("fastProtobufStrings is not installed");
  const writer = jspb.BinaryWriter.prototype;
  const reader = jspb.BinaryReader.prototype;
  const fast = { writeString: writer.writeString, readString: reader.readString };
  writer.writeString = library.writeString;
  reader.readString = library.readString;
  try {
    return run();
  } finally {
    writer.writeString = fast.writeString;
    reader.readString = fast.readString;
  }
}

describe("fastProtobufStrings", () => {
  beforeAll(() => {
    expect(fastProtobufStrings(path.join(__dirname, "..", ".."))).toBe(true);
  });

  it("is installed once, on the SDK's google-protobuf", () => {
    const installed = jspb.BinaryWriter.prototype.writeString;
    expect(fastProtobufStrings(path.join(__dirname, "..", ".."))).toBe(true);
    expect(jspb.BinaryWriter.prototype.writeString).toBe(installed);
    expect(libraryStringMethods(path.join(__dirname, "..", ".."))?.writeString).not.toBe(installed);
  });

  it("writes the library's bytes and reads back every value", () => {
    const fastBytes = Struct.fromJavaScript(VALUES).serializeBinary();
    const libraryBytes = withLibraryMethods(() => Struct.fromJavaScript(VALUES).serializeBinary());
    expect(Buffer.from(fastBytes).equals(Buffer.from(libraryBytes))).toBe(true);
    expect(Struct.deserializeBinary(libraryBytes).toJavaScript()).toEqual(
      withLibraryMethods(() => Struct.deserializeBinary(libraryBytes).toJavaScript()),
    );
    const decoded = Struct.deserializeBinary(fastBytes).toJavaScript();
    const { loneSurrogate, ...wellFormed } = VALUES;
    expect(decoded).toMatchObject(wellFormed);
    // The library's answer for a lone surrogate, whichever decoder reads it.
    expect(decoded.loneSurrogate).toBe(
      withLibraryMethods(() => Struct.deserializeBinary(fastBytes).toJavaScript()).loneSurrogate,
    );
    expect(String(decoded.loneSurrogate)).not.toBe(loneSurrogate);
  });
});
