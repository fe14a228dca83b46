// Long strings through google-protobuf at native speed, in the program and provider processes.
//
// Why: every value the engine and these processes exchange is a google.protobuf.Struct that
// google-protobuf (3.21.4, the copy @pulumi/pulumi depends on) encodes and decodes in JavaScript
// one character at a time: BinaryWriter.writeString pushes each UTF-8 byte into a plain array,
// BinaryReader.readString rebuilds the string from char codes. An EnrollmentSet's entries, its
// stored outputs and the ledger's lines are texts of megabytes (at 100,000 enrollments, about 100 MB
// cross each process in a no-op preview), so that loop was seconds on the engine's critical path:
// it checks and diffs the sets one at a time (benchmarks/README.md). Node's UTF-8 codec does the
// same work about fifty times faster.
//
// The bytes on the wire do not change: a string field and a bytes field share the wire format
// (length-delimited), and for a well-formed string both encoders write the same UTF-8. A string
// that is not well-formed (a lone surrogate) keeps the library's own encoder, which has its own
// answer for it. Decoding reads what the engine sent: Go's protobuf only sends valid UTF-8 in
// string fields, on which both decoders agree. Short strings (names, ids) keep the library's path.
//
// Plain JavaScript: the provider process runs it before the TypeScript loader exists
// (typescript-loader.js registerTypeScript); the program installs it from index.ts.
"use strict";
const path = require("node:path");

const INSTALLED = Symbol.for("dps-as-code.protobufStrings");
/** Shorter strings keep the library's loop: Buffer's call costs more than it saves there. */
const NATIVE_FROM_CHARACTERS = 128;

/**
 * The google-protobuf module the Pulumi SDK uses (resolved from @pulumi/pulumi, so a copy of its
 * own elsewhere in node_modules could not be the one patched).
 */
function sdkProtobuf(fromDir) {
  const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [fromDir] }));
  return require(require.resolve("google-protobuf", { paths: [sdkDir] }));
}

/**
 * Replaces BinaryWriter.writeString and BinaryReader.readString of the SDK's google-protobuf;
 * idempotent. Leaves the library alone when its shape is not the one described above (another
 * version), so the worst case is the library's own speed. Returns whether the fast path is on.
 */
exports.fastProtobufStrings = function fastProtobufStrings(fromDir = __dirname) {
  const jspb = sdkProtobuf(fromDir);
  const writer = jspb.BinaryWriter && jspb.BinaryWriter.prototype;
  const reader = jspb.BinaryReader && jspb.BinaryReader.prototype;
  if (!writer || !reader) return false;
  if (writer.writeString[INSTALLED]) return true;
  const shapes = [
    writer.writeString,
    writer.writeBytes,
    reader.readString,
    reader.readBytes,
    reader.isDelimited,
  ];
  if (!shapes.every((method) => typeof method === "function")) return false;

  const libraryWriteString = writer.writeString;
  const libraryReadString = reader.readString;
  const writeString = function writeString(field, value) {
    if (value == null || value.length < NATIVE_FROM_CHARACTERS || !value.isWellFormed())
      return libraryWriteString.call(this, field, value);
    const bytes = Buffer.from(value, "utf8");
    this.writeBytes(field, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  };
  const readString = function readString() {
    if (!this.isDelimited()) return libraryReadString.call(this);
    // readBytes returns a view of the message's buffer, not a copy.
    const bytes = this.readBytes();
    if (bytes.length < NATIVE_FROM_CHARACTERS && isAscii(bytes))
      return String.fromCharCode.apply(null, bytes);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
  };
  writeString[INSTALLED] = libraryWriteString;
  readString[INSTALLED] = libraryReadString;
  writer.writeString = writeString;
  reader.readString = readString;
  return true;
};

function isAscii(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 127) return false;
  return true;
}

/** The library's own methods (for tests that compare bytes), or undefined when not installed. */
exports.libraryStringMethods = function libraryStringMethods(fromDir = __dirname) {
  const jspb = sdkProtobuf(fromDir);
  const writeString = jspb.BinaryWriter.prototype.writeString[INSTALLED];
  const readString = jspb.BinaryReader.prototype.readString[INSTALLED];
  return writeString && readString ? { writeString, readString } : undefined;
};
