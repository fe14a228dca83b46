// How an EnrollmentSet stores its per-entry bookkeeping (contract/resources/set-stored-form.ts):
// lines, sorted by id, read back whole, and the maps an older version stored still read.
import { describe, expect, it } from "vitest";
import {
  decodeKeys,
  decodeMetadata,
  encodeKeys,
  encodeMetadata,
  type EnrollmentSetOutputs,
  fromStored,
  toStored,
} from "@dps-as-code/contract";

const metadata = { "b-2": { etag: '"e-2"' }, "a-1": { etag: '"e-1"' }, "c-3": { etag: "" } };
/** The same ETags with DPS's times, as a map (stored until 380c333) and as lines (until 94e5377). */
const withTimes = {
  "b-2": { etag: '"e-2"', createdDateTimeUtc: "2026-11-29T10:00:00Z" },
  "a-1": {
    etag: '"e-1"',
    createdDateTimeUtc: "2026-11-29T09:00:00Z",
    lastUpdatedDateTimeUtc: "2026-11-29T09:30:00Z",
  },
  "c-3": { etag: "" },
};
const linesWithTimes = [
  '["a-1","\\"e-1\\"","2026-11-29T09:00:00Z","2026-11-29T09:30:00Z"]',
  '["b-2","\\"e-2\\"","2026-11-29T10:00:00Z",""]',
  '["c-3","","",""]',
].join("\n");
const keys = {
  "b-2": { primaryKey: "cHJpbWFyeS0y", secondaryKey: "c2Vjb25kYXJ5LTI=" },
  "a-1": { primaryKey: "cHJpbWFyeS0x", secondaryKey: "c2Vjb25kYXJ5LTE=" },
};

describe("an EnrollmentSet's stored bookkeeping", () => {
  it("is one line per entry, sorted by id, and reads back to the same maps", () => {
    const stored = encodeMetadata(metadata);
    expect(stored).toBe('["a-1","\\"e-1\\""]\n["b-2","\\"e-2\\""]\n["c-3",""]');
    expect(decodeMetadata(stored)).toEqual(metadata);
    expect(decodeKeys(encodeKeys(keys))).toEqual(keys);
    expect(encodeKeys({})).toBe("");
    expect(decodeKeys("")).toEqual({});
  });

  it("keeps the ETag alone: DPS's times are read from older forms, then dropped", () => {
    expect(decodeMetadata(linesWithTimes)).toEqual(metadata);
    expect(decodeMetadata(withTimes)).toEqual(metadata);
    // What the next update or refresh stores of a state with times: the ETag lines.
    const old = { shard: "0-of-1", enrollments: "", metadata: linesWithTimes, keys: "" };
    expect(toStored(fromStored(old) as EnrollmentSetOutputs).metadata).toBe(encodeMetadata(metadata));
    // A value that carries the times anyway (a cast around EntryMetadata) still stores the ETag alone.
    expect(encodeMetadata(withTimes as never)).toBe(encodeMetadata(metadata));
  });

  it("reads the maps a set stored before this encoding, so an upgraded stack needs no rewrite", () => {
    expect(decodeMetadata(metadata)).toEqual(metadata);
    expect(decodeKeys(keys)).toEqual(keys);
    expect(decodeKeys(undefined)).toEqual({});
    const legacy = { shard: "0-of-1", enrollments: {}, metadata, keys } as unknown as EnrollmentSetOutputs;
    expect(fromStored(toStored(legacy))).toEqual(legacy);
    expect(fromStored(legacy)).toEqual(legacy);
  });

  it("says which field of the state it cannot read, never what the line holds", () => {
    expect(() => decodeKeys('["a-1", 7]')).toThrow(
      "enrollment set state: keys line 1 is not a list of strings",
    );
    expect(() => decodeMetadata('["a-1"]\n{"x":1}')).toThrow("metadata line 2");
    expect(() => decodeKeys('["a-1", "SECRETKEY')).toThrow(
      /^enrollment set state: keys line 1 is not a list of strings$/,
    );
    expect(() => fromStored({ shard: "07-of-32", keys: '["a-1", "SECRETKEY' } as never)).toThrow(
      /^enrollment set 07-of-32: enrollment set state: keys line 1 is not a list of strings; restore/,
    );
  });
});

describe("an EnrollmentSet's stored entries as the set's text", () => {
  it("reads the text, and a bad one names the set, the line and how to restore", () => {
    const text = '{\n"b-2":{"provisioningStatus":"enabled"},\n"a-1":{"provisioningStatus":"disabled"}\n}';
    expect(() => fromStored({ shard: "07-of-32", enrollments: text } as never)).toThrow(
      'enrollment set 07-of-32: enrollments line 3 ("a-1"): ids must be unique and sorted; it follows "b-2"; restore the stack\'s last good state',
    );
    const good = '{\n"a-1":{"provisioningStatus":"disabled"}\n}';
    expect(fromStored({ shard: "07-of-32", enrollments: good } as never).enrollments).toEqual({
      "a-1": { provisioningStatus: "disabled" },
    });
  });
});
