// A set's entries and secrets as one canonical JSON text (contract/resources/set-text.ts): the bytes
// the engine carries, what reads them back, and what a bad text is told (line, entry, field; never
// a secret value).
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  decodeEntries,
  decodeSecrets,
  decodeSetEntries,
  decodeSetSecrets,
  encodeEntries,
  encodeSetEntries,
  encodeSetSecrets,
  entriesWithHubKeys,
  hubReferenceOf,
  MAX_REPORTED,
  resolveEntryHubs,
  resolveHubReference,
  type SetEntry,
  SetTextError,
  unresolvedHubReferences,
} from "@dps-as-code/contract";

const entries: Record<string, SetEntry> = {
  "meter-0002": {
    attestation: { type: "symmetricKey" },
    iotHubs: ["weu", "dpsac-local-neu.azure-devices.net"],
    allocationPolicy: "static",
  },
  "meter-0001": {
    allocationPolicy: "hashed",
    attestation: { type: "symmetricKey" },
    initialTwin: { tags: { site: 'Zürich "north"', floor: 3 }, properties: { desired: {} } },
  },
  "meter-0010": {
    attestation: { type: "tpm", tpm: { endorsementKey: "AToAAQAL" } },
    provisioningStatus: "disabled",
  },
};

/** The bytes the engine carries for `entries`, written out by hand. */
const ENTRIES_TEXT = [
  "{",
  '"meter-0001":{"allocationPolicy":"hashed","attestation":{"type":"symmetricKey"},"initialTwin":{"properties":{"desired":{}},"tags":{"floor":3,"site":"Zürich \\"north\\""}}},',
  '"meter-0002":{"allocationPolicy":"static","attestation":{"type":"symmetricKey"},"iotHubs":["weu","dpsac-local-neu.azure-devices.net"]},',
  '"meter-0010":{"attestation":{"tpm":{"endorsementKey":"AToAAQAL"},"type":"tpm"},"provisioningStatus":"disabled"}',
  "}",
].join("\n");

const KEY = "c2VjcmV0LXByaW1hcnkta2V5LXZhbHVlLTAwMDAwMDAwMDA=";
const WEBHOOK = "https://alloc.example.net/api/allocate?code=SECRETCODE";

function problemsOf(decode: () => unknown): { problems: readonly string[]; total: number; message: string } {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(SetTextError);
    const e = error as SetTextError;
    return { problems: e.problems, total: e.total, message: e.message };
  }
  throw new Error("expected the text to be refused");
}

describe("a set's entries as one text", () => {
  it("is the canonical bytes: ids sorted, keys sorted at every depth, one entry per line", () => {
    expect(encodeSetEntries(entries)).toBe(ENTRIES_TEXT);
    expect(encodeSetEntries({})).toBe("{}");
    // One JSON document, so the CLI's --diff decodes it as one (a `(json)` diff).
    expect(JSON.parse(ENTRIES_TEXT)).toEqual(entries);
  });

  it("reads back to the same entries, and encodes again to the same bytes", () => {
    expect(decodeSetEntries(ENTRIES_TEXT)).toEqual(entries);
    expect(encodeSetEntries(decodeSetEntries(ENTRIES_TEXT))).toBe(ENTRIES_TEXT);
    expect(decodeSetEntries("{}")).toEqual({});
  });

  it("leaves out undefined fields as JSON.stringify does, and keeps an id named like a prototype an entry", () => {
    const withUndefined = { a: { attestation: { type: "symmetricKey" }, iotHubs: undefined } } as never;
    expect(encodeSetEntries(withUndefined)).toBe('{\n"a":{"attestation":{"type":"symmetricKey"}}\n}');
    expect(canonicalJson([1, undefined, { b: 2, a: [null] }])).toBe('[1,null,{"a":[null],"b":2}]');
    const odd = decodeSetEntries('{\n"__proto__":{"provisioningStatus":"enabled"}\n}');
    expect(Object.keys(odd)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
  });

  it("is read by decodeEntries beside the lines and the map an older version stored", () => {
    expect(decodeEntries(ENTRIES_TEXT)).toEqual(entries);
    expect(decodeEntries(encodeEntries(entries))).toEqual(entries);
    expect(decodeEntries(entries)).toEqual(entries);
    expect(decodeEntries("{}")).toEqual({});
    expect(decodeEntries("")).toEqual({});
  });
});

describe("a bad entries text", () => {
  const line = (id: string, entry = '{"allocationPolicy":"static"}') => `${JSON.stringify(id)}:${entry}`;
  const cases: { name: string; text: unknown; problems: string[] }[] = [
    {
      name: "a map instead of the text",
      text: { "meter-1": {} },
      problems: ["enrollments: must be the set's entries as one JSON text (encodeSetEntries); got object"],
    },
    {
      name: "no opening line of its own",
      text: '{"meter-1":{}}',
      problems: ['enrollments: the text must open with "{" and close with "}" on lines of their own'],
    },
    {
      name: "an empty text",
      text: "",
      problems: ['enrollments: the text must open with "{" and close with "}" on lines of their own'],
    },
    {
      name: "a line that is not one entry",
      text: [
        "{",
        line("meter-1") + ",",
        '"meter-2":{"x":1},"meter-3":{},',
        "garbage",
        line("meter-4"),
        "}",
      ].join("\n"),
      problems: [
        'enrollments line 3: not "<registration id>":{settings} (one entry per line)',
        'enrollments line 4: not "<registration id>":{settings} (one entry per line)',
      ],
    },
    {
      name: "an entry that is not an object",
      text: ["{", line("meter-1", "[1]") + ",", line("meter-2", '"on"'), "}"].join("\n"),
      problems: [
        'enrollments line 2 ("meter-1"): the entry must be a JSON object of enrollment settings',
        'enrollments line 3 ("meter-2"): the entry must be a JSON object of enrollment settings',
      ],
    },
    {
      name: "ids out of order, and an id twice (JSON.parse would keep the last silently)",
      text: ["{", line("meter-0009") + ",", line("meter-0006") + ",", line("meter-0009"), "}"].join("\n"),
      problems: [
        'enrollments line 3 ("meter-0006"): ids must be unique and sorted; it follows "meter-0009"',
        'enrollments line 4 ("meter-0009"): ids must be unique and sorted; it follows "meter-0009"',
      ],
    },
    {
      name: "a missing comma, and a comma after the last entry",
      text: ["{", line("meter-1"), line("meter-2") + ",", "}"].join("\n"),
      problems: [
        'enrollments line 2 ("meter-1"): every entry line but the last ends with ","',
        'enrollments line 3 ("meter-2"): the last entry line has no ","',
      ],
    },
  ];
  for (const { name, text, problems } of cases)
    it(`is refused with every problem named: ${name}`, () => {
      const refused = problemsOf(() => decodeSetEntries(text));
      expect(refused.problems).toEqual(problems);
      expect(refused.message).toBe(problems.join("\n"));
    });

  it("names at most 20 problems and counts the rest", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `meter-${String(i).padStart(4, "0")}`);
    // Every line but the last lacks its comma: 29 problems.
    const text = ["{", ...ids.map((id) => line(id)), "}"].join("\n");
    const refused = problemsOf(() => decodeSetEntries(text));
    expect(refused.total).toBe(29);
    expect(refused.problems).toHaveLength(MAX_REPORTED);
    expect(refused.problems[0]).toBe(
      'enrollments line 2 ("meter-0000"): every entry line but the last ends with ","',
    );
    expect(refused.message.split("\n").at(-1)).toBe("(and 9 more problems)");
  });
});

describe("a set's secrets as one text", () => {
  const secrets = {
    "meter-0002": { primaryKey: KEY, secondaryKey: KEY.replace("c2", "d2") },
    "meter-0001": { webhookUrl: WEBHOOK },
    "meter-0010": {},
    "meter-0011": undefined,
  };

  it("holds only the ids that declare something, in the same canonical form, and reads back", () => {
    const text = encodeSetSecrets(secrets);
    expect(text).toBe(
      [
        "{",
        `"meter-0001":{"webhookUrl":${JSON.stringify(WEBHOOK)}},`,
        `"meter-0002":{"primaryKey":"${KEY}","secondaryKey":"${KEY.replace("c2", "d2")}"}`,
        "}",
      ].join("\n"),
    );
    const expected = { "meter-0001": secrets["meter-0001"], "meter-0002": secrets["meter-0002"] };
    expect(decodeSetSecrets(text)).toEqual(expected);
    expect(decodeSetSecrets(text, ["meter-0001", "meter-0002", "meter-0003"])).toEqual(expected);
    expect(decodeSecrets(text)).toEqual(expected);
    expect(decodeSecrets(expected)).toEqual(expected);
    expect(decodeSecrets(undefined)).toEqual({});
    expect(encodeSetSecrets({})).toBe("{}");
  });

  it("names the line of a bad secret and never the secret", () => {
    const text = [
      "{",
      `"meter-0001":{"webhookUrl":${JSON.stringify(WEBHOOK)}},`,
      `"meter-0002":{"primaryKey":"${KEY}",`,
      `"meter-0003":{"primaryKey":"${KEY}","colour":"${KEY}"},`,
      `"meter-0004":{"secondaryKey":7}`,
      "}",
    ].join("\n");
    const refused = problemsOf(() => decodeSetSecrets(text));
    expect(refused.problems).toEqual([
      'secrets line 3: not "<registration id>":{primaryKey?, secondaryKey?, webhookUrl?} (one entry per line)',
      'secrets line 4 ("meter-0003"): not {primaryKey?, secondaryKey?, webhookUrl?} with text values',
      'secrets line 5 ("meter-0004"): not {primaryKey?, secondaryKey?, webhookUrl?} with text values',
    ]);
    expect(refused.message).not.toContain(KEY);
    expect(refused.message).not.toContain("SECRETCODE");
  });

  it("refuses secrets for an id the set does not hold", () => {
    const refused = problemsOf(() =>
      decodeSetSecrets(encodeSetSecrets({ "meter-9": { primaryKey: KEY, secondaryKey: KEY } }), ["meter-1"]),
    );
    expect(refused.problems).toEqual([
      'secrets["meter-9"]: declares secrets for an id the set does not hold',
    ]);
    expect(refused.message).not.toContain(KEY);
  });

  it("refuses a map where the text belongs", () => {
    expect(problemsOf(() => decodeSetSecrets({ "meter-1": { webhookUrl: WEBHOOK } })).problems).toEqual([
      "secrets: must be the set's secrets as one JSON text (encodeSetSecrets); got object",
    ]);
  });
});

describe("hub references in a set's entries", () => {
  const hubHostNames = { weu: "dpsac-weu.azure-devices.net", neu: "dpsac-neu.azure-devices.net" };

  it("resolves a key of hubHostNames to its host name and leaves a host name as it is", () => {
    expect(resolveHubReference("weu", hubHostNames)).toBe("dpsac-weu.azure-devices.net");
    expect(resolveHubReference("other.azure-devices.net", hubHostNames)).toBe("other.azure-devices.net");
    expect(resolveHubReference("weu", undefined)).toBe("weu");
    expect(resolveHubReference("toString", hubHostNames)).toBe("toString");
    expect(resolveEntryHubs(entries, hubHostNames)["meter-0002"]!.iotHubs).toEqual([
      "dpsac-weu.azure-devices.net",
      "dpsac-local-neu.azure-devices.net",
    ]);
    expect(resolveEntryHubs(entries, hubHostNames)["meter-0001"]).toBe(entries["meter-0001"]);
  });

  it("maps a host name DPS reports back to the key an entry holds, else keeps the host name", () => {
    expect(hubReferenceOf("dpsac-neu.azure-devices.net", hubHostNames)).toBe("neu");
    expect(hubReferenceOf("elsewhere.azure-devices.net", hubHostNames)).toBe("elsewhere.azure-devices.net");
    expect(hubReferenceOf("dpsac-neu.azure-devices.net", undefined)).toBe("dpsac-neu.azure-devices.net");
    expect(
      hubReferenceOf("same.azure-devices.net", { b: "same.azure-devices.net", a: "same.azure-devices.net" }),
    ).toBe("a");
    // A refresh's entries, read back from DPS with host names: named by key again where a key maps
    // to that host, so resolving them gives the same entries back.
    const readBack = resolveEntryHubs(entries, hubHostNames);
    const named = entriesWithHubKeys(readBack, hubHostNames);
    expect(named["meter-0002"]!.iotHubs).toEqual(["weu", "dpsac-local-neu.azure-devices.net"]);
    expect(resolveEntryHubs(named, hubHostNames)).toEqual(readBack);
    expect(entriesWithHubKeys(readBack, undefined)).toEqual(readBack);
  });

  it("names a reference that is neither a key nor a linked hub, with what is allowed", () => {
    const set: Record<string, SetEntry> = {
      "meter-7": {
        attestation: { type: "symmetricKey" },
        iotHubs: ["weu", "weux", "dpsac-linked.azure-devices.net"],
      },
    };
    expect(unresolvedHubReferences(set, hubHostNames, ["dpsac-linked.azure-devices.net"])).toEqual([
      'enrollments["meter-7"].iotHubs[1]: hub "weux" is not a key of hubHostNames (neu, weu) nor a linked hub',
    ]);
    expect(unresolvedHubReferences(set, hubHostNames, undefined)).toEqual([]);
  });
});
