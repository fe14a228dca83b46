// The enrollment ledger (components/fleet/enrollment-ledger.ts): what it records of an individual
// enrollment, how its provider finds deletions, and its `__provider` reference, loaded the way the
// engine's dynamic-provider host loads it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createLedgerProvider,
  deletedIndividualEnrollments,
  ledgerChanged,
  ledgerOutputs,
} from "../../components/fleet/ledger-provider";
import {
  coverageOf,
  credentialKey,
  decodeCredentialBook,
  decodeLedgerIndividuals,
  encodeCredentialBook,
  encodeLedgerIndividuals,
  type GroupView,
  knownCaCertificates,
  ledgerIndividual,
  ledgerLinesDigest,
  ledgerRecordDigests,
  providerReference,
  publicKeySha256,
  symmetricKeyCredentials,
  x509Credentials,
} from "@dps-as-code/contract";
import type {
  EnrollmentLedgerOutputs,
  EnrollmentLedgerState,
} from "../../components/fleet/enrollment-ledger";
import { ENROLLMENT_LEDGER_STORED_FORMS } from "../../components/fleet/ledger-stored-forms";
import { makeCertificate } from "../../testkit/certificates";

const root = path.resolve(__dirname, "../..");
const x509Entry = (registrationId: string, certificate: string) => ({
  registrationId,
  attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate } } } },
});
const caGroup = (enrollmentGroupId: string, certificate: string): GroupView => ({
  enrollmentGroupId,
  attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate } } } },
});
const state = (overrides: Partial<EnrollmentLedgerState>): EnrollmentLedgerState => ({
  individualEnrollments: [],
  enrollmentGroups: [],
  caCertificates: [],
  retiredEnrollments: [],
  deletedIndividualEnrollments: [],
  ...overrides,
});

describe("what the ledger records of an individual enrollment", () => {
  const ca = makeCertificate({ commonName: "Contoso Camera CA", isCa: true, authorityKeyIdentifier: true });
  const camera = makeCertificate({ commonName: "cam-001", issuer: ca, authorityKeyIdentifier: true });

  it("keeps an X.509 device certificate's thumbprint, issuer and authority key identifier, not the certificate", () => {
    const record = ledgerIndividual(x509Entry("cam-001", camera.certificatePem));
    const device = new X509Certificate(camera.certificatePem);
    expect(record).toEqual({
      registrationId: "cam-001",
      attestation: {
        type: "x509",
        deviceCertificate: {
          sha256Thumbprint: device.fingerprint256,
          issuer: "CN=Contoso Camera CA",
          authorityKeyIdentifier: expect.stringMatching(/^[0-9a-f]{40}$/),
        },
      },
    });
    expect(JSON.stringify(record)).not.toContain("BEGIN CERTIFICATE");
    expect(JSON.stringify(record).length).toBeLessThan(300);
  });

  it("keeps no secret name of a symmetric-key enrollment, and its old ids", () => {
    expect(
      ledgerIndividual({
        registrationId: "s-1",
        previousIds: ["s-0"],
        attestation: { type: "symmetricKey", symmetricKey: { primaryKeySecret: "k" } } as never,
      }),
    ).toEqual({
      registrationId: "s-1",
      previousIds: ["s-0"],
      attestation: { type: "symmetricKey" },
    });
  });

  it("decides coverage from the record as from the manifest entry, and tells apart a CA renewed with a new key under the same name", () => {
    const renewedCa = makeCertificate({
      commonName: "Contoso Camera CA",
      isCa: true,
      authorityKeyIdentifier: true,
    });
    const entry = x509Entry("cam-001", camera.certificatePem);
    const record = ledgerIndividual(entry);
    for (const subject of [entry, record]) {
      expect(coverageOf(subject, [caGroup("cameras", ca.certificatePem)])).toMatchObject({
        covered: true,
        enrollmentGroupId: "cameras",
      });
      expect(coverageOf(subject, [caGroup("cameras", renewedCa.certificatePem)])).toEqual({
        covered: false,
        why: "no enabled X.509 enrollment group holds the certificate that issued it (CN=Contoso Camera CA)",
      });
    }
  });
});

describe("a record made while the stack held the device's CA", () => {
  // Certificates without key identifiers (as this project's test certificates are): the record
  // then says which key issued the device certificate, checked by signature when it was made.
  const ca = makeCertificate({ commonName: "Fabrikam Meter CA", isCa: true });
  const renewedCa = makeCertificate({ commonName: "Fabrikam Meter CA", isCa: true });
  const meter = makeCertificate({ commonName: "meter-01", issuer: ca });
  const entry = x509Entry("meter-01", meter.certificatePem);

  it("records the issuing CA's key, found among the DPS CA certificates and the groups' signing certificates", () => {
    const fromDps = knownCaCertificates([], [{ name: "meter-ca", certificate: ca.certificatePem }]);
    const fromGroup = knownCaCertificates(
      [caGroup("meters", ca.certificatePem), caGroup("other", renewedCa.certificatePem)],
      [],
    );
    const caKey = publicKeySha256(new X509Certificate(ca.certificatePem));
    expect(ledgerIndividual(entry, fromDps).attestation.deviceCertificate?.issuerKeySha256).toBe(caKey);
    expect(ledgerIndividual(entry, fromGroup).attestation.deviceCertificate?.issuerKeySha256).toBe(caKey);
    expect(
      ledgerIndividual(entry, knownCaCertificates([caGroup("other", renewedCa.certificatePem)], []))
        .attestation.deviceCertificate?.issuerKeySha256,
    ).toBeUndefined();
  });

  it("is covered only by a group holding that key, not by a CA of the same name with another key", () => {
    const record = ledgerIndividual(
      entry,
      knownCaCertificates([], [{ name: "meter-ca", certificate: ca.certificatePem }]),
    );
    expect(coverageOf(record, [caGroup("meters", ca.certificatePem)])).toMatchObject({ covered: true });
    expect(coverageOf(record, [caGroup("meters", renewedCa.certificatePem)])).toMatchObject({
      covered: false,
    });
    // Recorded without the CA, the name is all there is to go by (the limit the README states).
    expect(coverageOf(ledgerIndividual(entry), [caGroup("meters", renewedCa.certificatePem)])).toMatchObject({
      covered: true,
    });
  });
});

describe("the ledger's provider", () => {
  const cam = (id: string, previousIds?: string[]) => ({
    registrationId: id,
    attestation: { type: "x509" },
    ...(previousIds ? { previousIds } : {}),
  });

  it("finds the individual enrollments the new program no longer declares; a rename through previousIds is not a deletion", () => {
    const olds = state({ individualEnrollments: [cam("cam-001"), cam("cam-002"), cam("Cam-003")] });
    expect(
      deletedIndividualEnrollments(
        olds,
        state({ individualEnrollments: [cam("cam-001"), cam("cam-3", ["cam-003"])] }),
      ),
    ).toEqual([cam("cam-002")]);
    expect(
      deletedIndividualEnrollments(undefined, state({ individualEnrollments: [cam("cam-001")] })),
    ).toEqual([]);
  });

  it("finds deletions against a ledger stored in either form: lines, or the list an older version stored", () => {
    const news = state({ individualEnrollments: encodeLedgerIndividuals([cam("cam-001")]) });
    for (const stored of [
      [cam("cam-001"), cam("cam-002")],
      encodeLedgerIndividuals([cam("cam-002"), cam("cam-001")]),
    ])
      expect(deletedIndividualEnrollments(state({ individualEnrollments: stored }), news)).toEqual([
        cam("cam-002"),
      ]);
  });

  it("stores one record per line, sorted by id whatever the manifests' order, and reads them back whole", () => {
    const records = [cam("cam-b"), cam("Cam-a", ["cam-0"]), cam("cam-c")];
    const text = encodeLedgerIndividuals(records);
    expect(text.split("\n").map((line) => JSON.parse(line).registrationId)).toEqual([
      "Cam-a",
      "cam-b",
      "cam-c",
    ]);
    expect(encodeLedgerIndividuals([...records].reverse())).toBe(text);
    expect(decodeLedgerIndividuals(text)).toEqual([records[1], records[0], records[2]]);
    expect(decodeLedgerIndividuals("")).toEqual([]);
    expect(() => decodeLedgerIndividuals('{"attestation":{}}')).toThrow(/line 1 has no registrationId/);
  });

  it("answers the same lines as no deletion and no change of them, and still sees the other fields change", () => {
    const text = encodeLedgerIndividuals([cam("cam-1"), cam("cam-2")]);
    const before = state({ individualEnrollments: text });
    const after = state({ individualEnrollments: `${text}`.slice(0) });
    expect(deletedIndividualEnrollments(before, after)).toEqual([]);
    expect(ledgerChanged(before, after)).toBe(false);
    expect(
      ledgerChanged(before, { ...after, retiredEnrollments: [{ registrationId: "cam-9", reason: "gone" }] }),
    ).toBe(true);
    // One line fewer: decoded, and the deletion is named.
    const fewer = state({ individualEnrollments: encodeLedgerIndividuals([cam("cam-1")]) });
    expect(deletedIndividualEnrollments(before, fewer).map((e) => e.registrationId)).toEqual(["cam-2"]);
    expect(ledgerChanged(before, fewer)).toBe(true);
  });

  it("sees a change of the fleet or a provider's code in state, not of previousIds alone nor of a provider reference", () => {
    const lines = (...records: ReturnType<typeof cam>[]) =>
      state({ individualEnrollments: encodeLedgerIndividuals(records) });
    const before = lines(cam("cam-1", ["cam-0"]));
    expect(ledgerChanged(before, lines(cam("cam-1")))).toBe(false);
    expect(ledgerChanged(before, lines(cam("cam-1"), cam("cam-2")))).toBe(true);
    // An older version stored the list itself: one state-only update stores it as lines.
    expect(ledgerChanged(state({ individualEnrollments: [cam("cam-1")] }), lines(cam("cam-1")))).toBe(true);
    expect(ledgerChanged(state({ individualEnrollments: [] }), lines())).toBe(false);
    const withProvider = (s: EnrollmentLedgerState, text: string) =>
      ({ ...s, __provider: text }) as EnrollmentLedgerState;
    expect(ledgerChanged(withProvider(before, "embedded code"), withProvider(before, "reference"))).toBe(
      true,
    );
    expect(ledgerChanged(withProvider(before, "reference"), withProvider(before, "reference"))).toBe(false);
    // A reference of an older form (naming a folder) loads this version's code: no change.
    const folderReference = ENROLLMENT_LEDGER_STORED_FORMS[1]!.example as string;
    expect(
      ledgerChanged(
        withProvider(before, folderReference),
        withProvider(before, providerReference("EnrollmentLedger")),
      ),
    ).toBe(false);
  });

  it("settles after the deployment that recorded a deletion: the next preview's empty record is no change", () => {
    const lines = (...records: ReturnType<typeof cam>[]) =>
      state({ individualEnrollments: encodeLedgerIndividuals(records) });
    // The merge's `up` stored the deletion of cam-2; the next check finds nothing deleted.
    const deployed = { ...lines(cam("cam-1")), deletedIndividualEnrollments: [cam("cam-2")] };
    const next = { ...lines(cam("cam-1")), deletedIndividualEnrollments: [] };
    expect(deletedIndividualEnrollments(deployed, next)).toEqual([]);
    expect(ledgerChanged(deployed, next)).toBe(false);
    // The deletion itself changes the list, so it is still an update of the ledger.
    const deleting = { ...lines(cam("cam-1")), deletedIndividualEnrollments: [cam("cam-2")] };
    expect(ledgerChanged(lines(cam("cam-1"), cam("cam-2")), deleting)).toBe(true);
  });
});

describe("the ledger's stored outputs: digests of the record", () => {
  const cam = (id: string, previousIds?: string[], type = "x509") => ({
    registrationId: id,
    attestation: { type },
    ...(previousIds ? { previousIds } : {}),
  });
  const ca = makeCertificate({ commonName: "Ledger CA", isCa: true });
  const record = (overrides: Partial<EnrollmentLedgerState> = {}) =>
    state({
      individualEnrollments: encodeLedgerIndividuals([cam("cam-1"), cam("cam-2")]),
      enrollmentGroups: [
        { enrollmentGroupId: "meters", attestation: { type: "symmetricKey" }, provisioningStatus: "enabled" },
      ],
      caCertificates: [{ name: "ledger-ca", certificate: ca.certificatePem }],
      credentials: encodeCredentialBook({
        [credentialKey("group", "meters")]: symmetricKeyCredentials("a2V5LW9uZQ==", "a2V5LXR3bw=="),
      }),
      ...overrides,
    });
  const provider = createLedgerProvider();
  /** What create stores, as the host hands it back to diff (secrets stripped: the host accepts none). */
  const stored = async (news: EnrollmentLedgerState) =>
    (await provider.create!(news)).outs as EnrollmentLedgerOutputs;
  const changes = async (olds: object, news: EnrollmentLedgerState) =>
    (await provider.diff!("enrollment-ledger", olds, news)).changes;

  it("stores the record's digests and check()'s findings, not the lines, groups, CAs or credential book again", async () => {
    const news = record({
      deletedIndividualEnrollments: [cam("cam-0")],
      credentialChanges: [],
      earlyCaRetirements: [],
    });
    const outs = await stored(news);
    expect(Object.keys(outs).sort()).toEqual([
      "credentialChanges",
      "deletedIndividualEnrollments",
      "earlyCaRetirements",
      "recorded",
    ]);
    expect(outs.deletedIndividualEnrollments).toEqual([cam("cam-0")]);
    expect(outs.recorded).toEqual({
      lines: expect.stringMatching(/^[0-9a-f]{64}$/),
      individuals: expect.stringMatching(/^[0-9a-f]{64}$/),
      others: expect.stringMatching(/^[0-9a-f]{64}$/),
      credentials: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const text = JSON.stringify(outs);
    for (const held of ["cam-1", "meters", "ledger-ca", "BEGIN CERTIFICATE", "key:"])
      expect(text).not.toContain(held);
    // The same size whatever the fleet's: 1,000 entries store what 2 do.
    const many = encodeLedgerIndividuals(Array.from({ length: 1000 }, (_, i) => cam(`cam-${i}`)));
    expect(JSON.stringify(await stored(record({ individualEnrollments: many }))).length).toBe(
      JSON.stringify(await stored(record())).length,
    );
    expect((await provider.update!("enrollment-ledger", outs, news)).outs).toEqual(outs);
  });

  it("finds no change against the digests of the same record, and a change of each field it records", async () => {
    const outs = await stored(record());
    expect(await changes(outs, record())).toBe(false);
    const changed: Partial<EnrollmentLedgerState>[] = [
      { individualEnrollments: encodeLedgerIndividuals([cam("cam-1"), cam("cam-2"), cam("cam-3")]) },
      { individualEnrollments: encodeLedgerIndividuals([cam("cam-1")]) },
      { individualEnrollments: encodeLedgerIndividuals([cam("cam-1"), cam("cam-2", undefined, "tpm")]) },
      { enrollmentGroups: [] },
      { caCertificates: [] },
      { retiredEnrollments: [{ registrationId: "cam-9", reason: "gone" }] },
      {
        credentials: encodeCredentialBook({
          [credentialKey("group", "meters")]: symmetricKeyCredentials("a2V5LW9uZQ==", "bmV3LXR3bw=="),
        }),
      },
    ];
    for (const overrides of changed)
      expect(await changes(outs, record(overrides)), JSON.stringify(overrides)).toBe(true);
  });

  it("answers as ledgerChanged over the full record: previousIds alone are no change, findings are not compared", async () => {
    const before = record({ individualEnrollments: encodeLedgerIndividuals([cam("cam-1", ["cam-0"])]) });
    const outs = await stored(before);
    const cases: [EnrollmentLedgerState, boolean][] = [
      [record({ individualEnrollments: encodeLedgerIndividuals([cam("cam-1")]) }), false],
      [
        record({ individualEnrollments: encodeLedgerIndividuals([cam("cam-1", ["cam-0", "cam-00"])]) }),
        false,
      ],
      [{ ...before, deletedIndividualEnrollments: [cam("cam-7")], credentialChanges: [] }, false],
      [record({ individualEnrollments: encodeLedgerIndividuals([cam("cam-1"), cam("cam-2")]) }), true],
      [{ ...before, enrollmentGroups: [] }, true],
    ];
    for (const [news, expected] of cases) {
      expect(ledgerChanged(before, news)).toBe(expected);
      expect(await changes(outs, news)).toBe(expected);
    }
  });

  it("does not decode the lines when they are the ones the digests were made of", async () => {
    // Lines no decoder reads, behind digests of the same text: a decode would throw.
    const unreadable = "not a ledger line";
    const outs = await stored(record());
    const recorded = { ...outs.recorded, lines: ledgerLinesDigest({ individualEnrollments: unreadable }) };
    expect(await changes({ ...outs, recorded }, record({ individualEnrollments: unreadable }))).toBe(false);
    await expect(changes(outs, record({ individualEnrollments: unreadable }))).rejects.toThrow(
      /not valid JSON/,
    );
  });

  it("compares no credentials against digests of a record that had none, as against the full form", async () => {
    const outs = await stored(record({ credentials: undefined }));
    expect(outs.recorded.credentials).toBeUndefined();
    expect(await changes(outs, record())).toBe(false);
    // And a record whose book goes away is a change.
    expect(await changes(await stored(record()), record({ credentials: undefined }))).toBe(true);
  });

  it("reads the full outputs a version before the digests stored: compared as before, converted by the next update", async () => {
    const full = ENROLLMENT_LEDGER_STORED_FORMS.find((f) => f.field === "outputs")!
      .example as EnrollmentLedgerState;
    expect(full.individualEnrollments).toEqual(expect.any(String));
    const same = { ...full, deletedIndividualEnrollments: [] } as EnrollmentLedgerState;
    expect(await changes(full, same)).toBe(false);
    const grown = {
      ...same,
      individualEnrollments: encodeLedgerIndividuals([
        cam("cam-1", undefined, "symmetricKey"),
        cam("cam-2", undefined, "symmetricKey"),
      ]),
    };
    expect(await changes(full, grown)).toBe(true);
    const outs = (await provider.update!("enrollment-ledger", full, grown)).outs as EnrollmentLedgerOutputs;
    expect(outs).toEqual(ledgerOutputs(grown));
    expect(outs.recorded).toEqual(ledgerRecordDigests(grown));
    expect(await changes(outs, grown)).toBe(false);
  });

  it("refuses digests that lack one, naming the field and what to do", async () => {
    const outs = await stored(record());
    await expect(changes({ ...outs, recorded: { lines: outs.recorded.lines } }, record())).rejects.toThrow(
      'enrollment ledger state: "recorded" lacks a digest (lines, individuals, others); the state was edited or written by another version: restore it from the backend\'s history',
    );
  });
});

describe("the ledger's credential record (rotations)", () => {
  const ca = makeCertificate({ commonName: "Meter CA", isCa: true });
  const book = (
    primary: string,
    secondary: string,
    cas = { primary: "meter-ca" } as { primary: string; secondary?: string },
  ) =>
    encodeCredentialBook({
      [credentialKey("group", "Meters")]: symmetricKeyCredentials(primary, secondary),
      [credentialKey("group", "chargers")]: x509Credentials({ caReferences: cas }),
      [credentialKey("individual", "cam-1")]: x509Credentials({
        clientCertificates: { primary: { certificate: ca.certificatePem } },
      }),
    });
  const check = async (olds: Partial<EnrollmentLedgerState> | undefined, news: EnrollmentLedgerState) =>
    (await createLedgerProvider().check!(olds as EnrollmentLedgerState, news))
      .inputs as EnrollmentLedgerState;
  const caList = (...names: string[]) => names.map((name) => ({ name, certificate: ca.certificatePem }));

  it("keeps fingerprints, never a key: hashes of keys, certificate thumbprints, CA names; one sorted line each", () => {
    const text = book("a2V5LW9uZQ==", "a2V5LXR3bw==");
    expect(text).not.toContain("a2V5");
    expect(text.split("\n").map((line) => line.split("\t")[0])).toEqual([
      "group:chargers",
      "group:meters",
      "individual:cam-1",
    ]);
    expect(decodeCredentialBook(text)![credentialKey("group", "chargers")]).toEqual({
      type: "x509",
      primary: "ca:meter-ca",
    });
    expect(decodeCredentialBook(text)![credentialKey("individual", "cam-1")]!.primary).toMatch(
      /^cert:[0-9A-F]{64}$/,
    );
    expect(decodeCredentialBook(undefined)).toBeUndefined();
  });

  it("hands the pack what changed since the last deployment: slots and CA names, no fingerprint", async () => {
    const before = state({
      credentials: book("a2V5LW9uZQ==", "a2V5LXR3bw=="),
      caCertificates: caList("meter-ca"),
    });
    const bothKeys = await check(
      before,
      state({ credentials: book("bmV3LW9uZQ==", "bmV3LXR3bw=="), caCertificates: caList("meter-ca") }),
    );
    expect(bothKeys.credentialChanges).toEqual([
      {
        kind: "group",
        id: "meters",
        type: "symmetricKey",
        dropped: ["primary", "secondary"],
        kept: 0,
        droppedCaNames: [],
      },
    ]);
    expect(JSON.stringify(bothKeys.credentialChanges)).not.toContain("key:");
    const oneKey = await check(
      before,
      state({ credentials: book("a2V5LW9uZQ==", "bmV3LXR3bw=="), caCertificates: caList("meter-ca") }),
    );
    expect(oneKey.credentialChanges).toEqual([
      {
        kind: "group",
        id: "meters",
        type: "symmetricKey",
        dropped: ["secondary"],
        kept: 1,
        droppedCaNames: [],
      },
    ]);
    expect(oneKey.earlyCaRetirements).toEqual([]);
    expect(ledgerChanged(before, oneKey)).toBe(true);
    expect(ledgerChanged(before, { ...before, credentialChanges: oneKey.credentialChanges })).toBe(false);
  });

  it("finds a CA removed while a group that stays referenced it at the last deployment", async () => {
    const overlap = state({
      credentials: book("a2V5LW9uZQ==", "a2V5LXR3bw==", { primary: "meter-ca", secondary: "meter-ca-2" }),
      caCertificates: caList("meter-ca", "meter-ca-2"),
    });
    const switchedAndRetired = state({
      credentials: book("a2V5LW9uZQ==", "a2V5LXR3bw==", { primary: "meter-ca-2" }),
      caCertificates: caList("meter-ca-2"),
    });
    expect((await check(overlap, switchedAndRetired)).earlyCaRetirements).toEqual([
      { name: "meter-ca", enrollmentGroupIds: ["chargers"] },
    ]);
    const switched = { ...switchedAndRetired, caCertificates: caList("meter-ca", "meter-ca-2") };
    expect((await check(overlap, switched)).earlyCaRetirements).toEqual([]);
    expect((await check(switched, switchedAndRetired)).earlyCaRetirements).toEqual([]);
  });

  it("compares nothing against a ledger stored before it kept credentials, and takes them without an update", async () => {
    const older = state({ caCertificates: caList("meter-ca") });
    const news = state({
      credentials: book("bmV3LW9uZQ==", "bmV3LXR3bw=="),
      caCertificates: caList("meter-ca"),
    });
    expect(await check(older, news)).toMatchObject({ credentialChanges: [], earlyCaRetirements: [] });
    expect(await check(undefined, news)).toMatchObject({ credentialChanges: [], earlyCaRetirements: [] });
    expect(ledgerChanged(older, news)).toBe(false);
  });
});

describe("the ledger's provider reference (the stored __provider)", () => {
  const text = providerReference("EnrollmentLedger");

  it("is a few hundred bytes naming the project's provider entry and the provider's stable name, no folder", () => {
    expect(text.length).toBeLessThan(600);
    expect(text).toContain(
      'require(require("path").resolve("dynamic-providers.js")).provider("EnrollmentLedger")',
    );
    expect(text).not.toContain("components/");
    expect(text).not.toContain(root);
  });

  it("loads in a plain node process started in the project directory and reports a deletion from check()", () => {
    const script = `
const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
(async () => {
  const provider = requireFromString(process.env.STUB).handler();
  const entry = (id) => ({ registrationId: id, attestation: { type: "symmetricKey" } });
  const checked = await provider.check({ individualEnrollments: [entry("a"), entry("b")] }, { individualEnrollments: [entry("a")], enrollmentGroups: [], caCertificates: [], retiredEnrollments: [] });
  process.stdout.write(JSON.stringify({ methods: Object.keys(provider).sort(), deleted: checked.inputs.deletedIndividualEnrollments }) + "\\n");
})().catch((error) => { process.stdout.write(JSON.stringify({ error: String((error && error.stack) || error) }) + "\\n"); process.exit(1); });
`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dps-transpile-cache-"));
    try {
      const stdout = execFileSync(process.execPath, ["-e", script], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, TMPDIR: tmp, STUB: text },
      });
      expect(JSON.parse(stdout.trim().split("\n").pop() ?? "{}")).toEqual({
        methods: ["check", "create", "diff", "update"],
        deleted: [{ registrationId: "b", attestation: { type: "symmetricKey" } }],
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
