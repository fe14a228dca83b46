// Every older stored form that a resource lists (its stored-forms.ts) is read by this version:
// `__provider` references of every earlier form load in a plain node process started in the
// project directory, as the engine's dynamic-provider host loads them (require-from-string, no
// file name: @pulumi/pulumi 3.260.0, cmd/dynamic-provider/index.js); a provider's code in state is
// one state-only update (no change for the local DPS); maps and lists stored before the line
// encodings decode. And the stable names the resources store are exactly the entry's.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeEntries,
  decodeKeys,
  decodeLedgerIndividuals,
  decodeMetadata,
  type DynamicTypeName,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  encodeEntries,
  encodePackedEntries,
  encodeSetEntries,
  encodeSetSecrets,
  type EntrySecrets,
  fromStored,
  toStored,
  providerReference,
  type SetEntry,
  type StoredForm,
  storedProviderForm,
} from "@dps-as-code/contract";
import { diffEnrollment } from "../components/enrollments/diff";
import { diffSet } from "../components/enrollments/sets/plan";
import { decodeSetInputs } from "../components/enrollments/sets/set-provider";
import { ENROLLMENT_SET_STORED_FORMS } from "../components/enrollments/sets/stored-forms";
import { enrollmentStoredForms } from "../components/enrollments/stored-forms";
import type { EnrollmentLedgerState } from "../components/fleet/enrollment-ledger";
import { ledgerChanged, ledgerOutputs } from "../components/fleet/ledger-provider";
import { ENROLLMENT_LEDGER_STORED_FORMS } from "../components/fleet/ledger-stored-forms";
import { localProvisioningServiceProvider } from "../components/platform/local/provider";
import { DPS_CA_CERTIFICATE_STORED_FORMS } from "../components/platform/ca-certificate/stored-forms";
import { LOCAL_DPS_STORED_FORMS } from "../components/platform/local/stored-forms";

const root = path.resolve(__dirname, "..");

/** Every stable name, checked complete by the type. */
const NAMES: Record<DynamicTypeName, true> = {
  IndividualEnrollment: true,
  EnrollmentGroup: true,
  EnrollmentSet: true,
  EnrollmentLedger: true,
  LocalProvisioningService: true,
  DpsCaCertificate: true,
};

const FORMS: Record<DynamicTypeName, readonly StoredForm[]> = {
  IndividualEnrollment: enrollmentStoredForms("individual"),
  EnrollmentGroup: enrollmentStoredForms("group"),
  EnrollmentSet: ENROLLMENT_SET_STORED_FORMS,
  EnrollmentLedger: ENROLLMENT_LEDGER_STORED_FORMS,
  LocalProvisioningService: LOCAL_DPS_STORED_FORMS,
  DpsCaCertificate: DPS_CA_CERTIFICATE_STORED_FORMS,
};

const referencesOf = (name: DynamicTypeName) =>
  FORMS[name].filter((f) => f.field === "__provider" && storedProviderForm(f.example as string) !== "code");

/** Loads each `[label, text]` as the host does, in order, in one process; prints each provider's methods. */
const HOST_SCRIPT = `
const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
const result = { hookBefore: require.extensions[".ts"] !== undefined };
for (const [label, text] of JSON.parse(process.env.STUBS)) result[label] = Object.keys(requireFromString(text).handler()).sort();
process.stdout.write(JSON.stringify(result) + "\\n");
`;

function loadAsTheHostDoes(stubs: [string, string][], tmp: string): Record<string, unknown> {
  const stdout = execFileSync(process.execPath, ["-e", HOST_SCRIPT], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TMPDIR: tmp, STUBS: JSON.stringify(stubs) },
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
}

const CRUD = ["check", "create", "delete", "diff", "read", "update"];
const METHODS: Record<DynamicTypeName, string[]> = {
  IndividualEnrollment: CRUD,
  EnrollmentGroup: CRUD,
  EnrollmentSet: CRUD,
  EnrollmentLedger: ["check", "create", "diff", "update"],
  LocalProvisioningService: CRUD,
  DpsCaCertificate: CRUD,
};

describe("the provider entry and the stored provider references", () => {
  it("resolves exactly the resources' type names, and each resource stores only its name", () => {
    const entry = require(path.join(root, "dynamic-providers.js")) as { providerNames: string[] };
    expect([...entry.providerNames].sort()).toEqual(Object.keys(NAMES).sort());
    for (const name of Object.keys(NAMES) as DynamicTypeName[]) {
      expect(storedProviderForm(providerReference(name))).toBe("name");
      expect(providerReference(name)).not.toContain("components/");
    }
  });

  it("loads every stable reference and every older one in plain node processes started in the project directory", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dps-transpile-cache-"));
    try {
      const names = Object.keys(NAMES) as DynamicTypeName[];
      const older = names.flatMap((name) =>
        referencesOf(name).map((f) => [`${name} ${f.writtenBy}`, f.example as string] as [string, string]),
      );
      // c7f66de's form registers ts-node instead of the project's loader: a process of its own,
      // then the stable references after it, as a provider process holding both would load them.
      const [tsNode, folders] = [
        older.filter(([, t]) => t.includes("ts-node")),
        older.filter(([, t]) => !t.includes("ts-node")),
      ];
      const stable = names.map((name) => [name, providerReference(name)] as [string, string]);
      const methodsOf = (label: string) => METHODS[label.split(" ")[0] as DynamicTypeName];
      for (const stubs of [
        [...folders, ...stable],
        [...tsNode, ...stable],
      ]) {
        const result = loadAsTheHostDoes(stubs, tmp);
        expect(result.hookBefore).toBe(false);
        for (const [label] of stubs) expect(result[label], label).toEqual(methodsOf(label));
      }
      expect(tsNode.length).toBe(2);
      expect(folders.length).toBe(5);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("a provider's code in state", () => {
  const code = (forms: readonly StoredForm[]) =>
    forms.find((f) => f.field === "__provider" && storedProviderForm(f.example as string) === "code")!;

  it("is one state-only update for the enrollments, sets and ledger, and no change for the local DPS", async () => {
    const enrollment = {
      registrationId: "dev-1",
      attestation: { type: "symmetricKey" },
      dps: { serviceEndpoint: "localhost:8443" },
    } as never;
    for (const name of ["IndividualEnrollment", "EnrollmentGroup"] as const) {
      const kind = name === "IndividualEnrollment" ? "individual" : "group";
      const olds = { ...(enrollment as object), __provider: code(FORMS[name]).example } as never;
      const news = { ...(enrollment as object), __provider: providerReference(name) } as never;
      expect(diffEnrollment(kind, olds, news).updates).toEqual(["__provider"]);
    }

    const set = { shard: "0-of-1", dps: { serviceEndpoint: "localhost:8443" }, enrollments: {}, secrets: {} };
    const storedSet = { ...set, serviceEndpoint: "localhost:8443", metadata: {}, keys: {}, released: [] };
    expect(
      diffSet(
        {
          ...storedSet,
          __provider: code(ENROLLMENT_SET_STORED_FORMS).example,
        } as unknown as EnrollmentSetOutputs,
        { ...set, __provider: providerReference("EnrollmentSet") } as unknown as EnrollmentSetInputs,
      ),
    ).toMatchObject({ changes: true, replaces: [], plan: { create: [], update: [], remove: [] } });

    const ledger = {
      individualEnrollments: "",
      enrollmentGroups: [],
      caCertificates: [],
      retiredEnrollments: [],
      deletedIndividualEnrollments: [],
    };
    expect(
      ledgerChanged(
        { ...ledger, __provider: code(ENROLLMENT_LEDGER_STORED_FORMS).example } as EnrollmentLedgerState,
        { ...ledger, __provider: providerReference("EnrollmentLedger") } as EnrollmentLedgerState,
      ),
    ).toBe(true);

    const local = {
      serviceHost: "localhost:8443",
      connectionString: "HostName=localhost;SharedAccessKeyName=p;SharedAccessKey=a2V5",
      trustedCaCertificate: "-----BEGIN CERTIFICATE-----",
      allocationPolicy: "hashed" as const,
      linkedHubs: [],
      caCertificates: [],
    };
    expect(
      await localProvisioningServiceProvider.diff!(
        "localhost:8443/0ne",
        { ...local, idScope: "0ne", __provider: code(LOCAL_DPS_STORED_FORMS).example } as never,
        { ...local, __provider: providerReference("LocalProvisioningService") } as never,
      ),
    ).toMatchObject({ changes: false, replaces: [] });
  });
});

describe("data stored before the line encodings", () => {
  it("decodes a set's metadata, keys and output entries stored as maps, and the ledger's list", () => {
    const setForm = (field: string) => ENROLLMENT_SET_STORED_FORMS.find((f) => f.field === field)!;
    // The map, then lines with DPS's times: both read as the ETags alone.
    const [metadataMap, metadataLines] = ENROLLMENT_SET_STORED_FORMS.filter((f) => f.field === "metadata");
    expect(decodeMetadata(metadataMap!.example)).toEqual({ "meter-1": { etag: '"1"' } });
    expect(decodeMetadata(metadataLines!.example)).toEqual({
      "meter-1": { etag: '"1"' },
      "meter-2": { etag: '"2"' },
    });
    expect(decodeKeys(setForm("keys").example)).toEqual({
      "meter-1": { primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25kYXJ5" },
    });
    // The entries a set's outputs repeat: a map before, lines now; both read the same.
    const entries = setForm("enrollments").example as Record<string, SetEntry>;
    expect(decodeEntries(entries)).toEqual(entries);
    expect(decodeEntries(encodeEntries(entries))).toEqual(entries);
    expect(typeof encodeEntries(entries)).toBe("string");
    expect(() => decodeEntries('["meter-1"]')).toThrow("enrollments line 1 is not");
    // Then lines, now the canonical text: a set stored in each form is read as the same entries by
    // fromStored, whose next write (toStored) is the text; the secrets map likewise.
    const forms = (field: string) => ENROLLMENT_SET_STORED_FORMS.filter((f) => f.field === field);
    const lines = forms("enrollments").find((f) => typeof f.example === "string")!;
    const fromLines = decodeEntries(lines.example);
    expect(Object.keys(fromLines)).toEqual(["meter-1", "meter-2"]);
    const secretsMap = forms("secrets")[0]!.example as Record<string, EntrySecrets>;
    const old = fromStored({
      shard: "07-of-32",
      enrollments: lines.example as string,
      secrets: secretsMap,
    } as never);
    expect(old.enrollments).toEqual(fromLines);
    expect(old.secrets).toEqual(secretsMap);
    const rewritten = toStored({ ...old, metadata: {}, keys: {} } as never);
    expect(rewritten.enrollments).toBe(encodePackedEntries(fromLines));
    expect(rewritten.secrets).toBe(encodeSetSecrets(secretsMap));
    expect(fromStored(rewritten)).toMatchObject({ enrollments: fromLines, secrets: secretsMap });
    // Then the canonical text itself, now packed: read as the same entries, stored packed next.
    const text = forms("enrollments").find(
      (f) => typeof f.example === "string" && f.example.startsWith("{"),
    )!;
    const fromText = fromStored({ shard: "07-of-32", enrollments: text.example as string });
    expect(Object.keys(fromText.enrollments)).toEqual(["meter-1", "meter-2"]);
    expect(encodeSetEntries(fromText.enrollments)).toBe(text.example);
    const packed = toStored({ ...fromText, metadata: {}, keys: {} } as never).enrollments;
    expect(packed).toMatch(/^gzip\+base64:/);
    expect(decodeEntries(packed)).toEqual(fromText.enrollments);
    // The inputs older programs sent as maps decode at the provider's boundary to what the same
    // entries sent as the text decode to, so the upgrade's diff is no change.
    const inputMaps = (field: string) => forms(field).find((f) => f.form.startsWith("(inputs"))!.example;
    const sentAsMaps = decodeSetInputs({
      shard: "07-of-32",
      enrollments: inputMaps("enrollments"),
      secrets: inputMaps("secrets"),
    });
    expect(sentAsMaps.failures).toEqual([]);
    const sentAsTexts = decodeSetInputs({
      shard: "07-of-32",
      enrollments: encodeSetEntries(inputMaps("enrollments") as Record<string, SetEntry>),
      secrets: encodeSetSecrets(inputMaps("secrets") as Record<string, EntrySecrets>),
      hubHostNames: {},
    });
    expect(sentAsTexts.failures).toEqual([]);
    expect(sentAsTexts.inputs).toMatchObject({
      enrollments: sentAsMaps.inputs!.enrollments,
      secrets: sentAsMaps.inputs!.secrets,
    });
    const list = ENROLLMENT_LEDGER_STORED_FORMS.find((f) => f.field === "individualEnrollments")!;
    expect(decodeLedgerIndividuals(list.example)).toEqual([
      { registrationId: "cam-1", attestation: { type: "symmetricKey" } },
    ]);
  });
});

describe("a ledger's outputs stored before its digests", () => {
  const full = ENROLLMENT_LEDGER_STORED_FORMS.find((f) => f.field === "outputs")!
    .example as EnrollmentLedgerState;
  // The next program's record: the same fleet (the full outputs repeated the checked inputs).
  const news = { ...full, deletedIndividualEnrollments: [] } as EnrollmentLedgerState;

  it("is no change by itself: the first preview after the upgrade is a no-op", () => {
    expect(ledgerChanged(full, news)).toBe(false);
  });

  it("is compared as that version compared it, and its next update stores the digests", () => {
    const retired = { ...news, retiredEnrollments: [{ registrationId: "cam-9", reason: "gone" }] };
    expect(ledgerChanged(full, retired)).toBe(true);
    const outs = ledgerOutputs(retired);
    expect(Object.keys(outs)).not.toContain("individualEnrollments");
    expect(ledgerChanged(outs, retired)).toBe(false);
  });
});

describe("the stored-forms lists", () => {
  const commits = [
    ...new Set(
      Object.values(FORMS)
        .flat()
        .flatMap((f) => f.writtenBy.split("..")),
    ),
  ];
  const inHistory = (commit: string) => {
    try {
      execFileSync("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: root, stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };

  it.skipIf(!inHistory("fba4631"))("name commits of this repository's history", () => {
    expect(commits.filter((c) => !inHistory(c))).toEqual([]);
  });
});
