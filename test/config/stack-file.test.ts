// The one offline reader of Pulumi.<stack>.yaml (components/config/stack-file.ts): the facts it
// gives are the program's own (loadPlatformConfig over the same file), secrets are read for
// presence only, and a stack the program would refuse is refused with the program's words.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadPlatformConfig } from "../../components/config";
import { readStackFile, stackFileName } from "../../components/config/stack-file";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = path.resolve(__dirname, "../fixtures/stacks");
const PEM = fs.readFileSync(path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"), "utf8");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A stack file in the scratch folder. */
function stackFile(name: string, text: string): string {
  const file = path.join(scratch, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

/** What the program itself reads from the file: its config, through pulumi.Config and parsePlatformConfig. */
function programConfig(file: string) {
  const config = (parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
  // Pulumi hands the program scalars as text and maps as JSON, as `pulumi config` stores them.
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
    ),
  );
  return loadPlatformConfig(path.dirname(file));
}

describe("readStackFile", () => {
  it.each([
    ["dev", path.join(ROOT, "Pulumi.dev.yaml")],
    ["corpus", path.join(STACKS, "Pulumi.corpus.yaml")],
  ])("gives the %s stack's facts as the program reads them", (_name, file) => {
    const read = readStackFile(file);
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    const program = programConfig(file);
    expect(read.stack).toMatchObject({
      environment: program.environment,
      namePrefix: program.namePrefix,
      target: { kind: program.target.kind },
      hubs: program.hubs,
      dps: {
        caCertificates: program.dps.caCertificates,
        existingCaCertificateNames: program.dps.existingCaCertificateNames,
      },
      enrollmentManifests: program.enrollmentManifests,
      enrollmentSets: program.enrollmentSets,
      directory: path.dirname(file),
    });
  });

  it("reads CA certificates from the program's directory, and secrets for their presence only", () => {
    const read = readStackFile(path.join(STACKS, "Pulumi.corpus.yaml"));
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.stack.dps.caCertificates).toEqual([
      { name: "ev-charger-root-ca", certificate: PEM, verified: true },
    ]);
    expect(read.stack.configKeys).toEqual({
      names: [
        "environment",
        "target",
        "location",
        "hubs",
        "dps",
        "meterGroupPrimaryKey",
        "meterGroupSecondaryKey",
        "labAllocationWebhookUrl",
        "plainGroupKey",
      ],
      plain: ["environment", "target", "location", "hubs", "dps", "plainGroupKey"],
    });
    expect(JSON.stringify(read.stack)).not.toContain("ZmFrZWNpcGhlcnRleHQx");
  });

  it("needs nothing only a run has: the local target's emulator is not read", () => {
    const read = readStackFile(path.join(STACKS, "Pulumi.corpus-local.yaml"));
    expect(read.ok && read.stack.target).toEqual({ kind: "local" });
  });

  it("takes scalars as text, as Pulumi hands them to the program", () => {
    const file = stackFile(
      "numbers",
      "config:\n  dps-as-code:environment: dev\n  dps-as-code:location: westeurope\n  dps-as-code:enrollmentManifests: 2024\n  dps-as-code:hubs: { weu: {} }\n",
    );
    const read = readStackFile(file);
    expect(read.ok && read.stack.enrollmentManifests).toBe("2024");
  });

  it("reads the certificate expiry window, and refuses one the program would refuse", () => {
    const base =
      "config:\n  dps-as-code:environment: prod\n  dps-as-code:location: westeurope\n  dps-as-code:hubs: { weu: {} }\n";
    const windowed = readStackFile(
      stackFile("windowed", `${base}  dps-as-code:certificateExpiryWarningDays: 90\n`),
    );
    expect(windowed.ok && windowed.stack.certificateExpiryWarningDays).toBe(90);
    // `pulumi config set dps-as-code:certificateExpiryWarningDays 90` writes a string; the program reads a number.
    const set = readStackFile(stackFile("set", `${base}  dps-as-code:certificateExpiryWarningDays: "90"\n`));
    expect(set.ok && set.stack.certificateExpiryWarningDays).toBe(90);
    const plain = readStackFile(stackFile("plain", base));
    expect(plain.ok && plain.stack.certificateExpiryWarningDays).toBe(60);
    expect(
      readStackFile(stackFile("zero", `${base}  dps-as-code:certificateExpiryWarningDays: 0\n`)),
    ).toEqual({
      ok: false,
      problems: [
        {
          problem: "dps-as-code:certificateExpiryWarningDays: 0 is out of range; allowed 1..1000",
          allowed: "a stack config the program accepts (`pulumi preview` stops on the same problem)",
        },
      ],
    });
  });

  it("refuses a stack the program would refuse, with the program's words", () => {
    const file = stackFile(
      "bad",
      "config:\n  dps-as-code:environment: dev\n  dps-as-code:location: westeurope\n  dps-as-code:hubs: { weu: { sku: X9 } }\n  dps-as-code:dps:\n    caCertificates: { root: { certificatePath: missing.pem } }\n",
    );
    expect(readStackFile(file)).toEqual({
      ok: false,
      problems: [
        {
          problem:
            'dps-as-code:hubs.weu.sku: "X9" is not allowed; allowed "F1", "B1", "B2", "B3", "S1", "S2", "S3"',
          allowed: "a stack config the program accepts (`pulumi preview` stops on the same problem)",
        },
        {
          problem: 'dps-as-code:dps.caCertificates.root.certificatePath: cannot read "missing.pem": ENOENT',
          allowed: "a stack config the program accepts (`pulumi preview` stops on the same problem)",
        },
      ],
    });
  });

  it("refuses a file it cannot read or that is no config file", () => {
    expect(readStackFile(path.join(scratch, "Pulumi.absent.yaml"))).toEqual({
      ok: false,
      problems: [
        {
          problem: "cannot read the stack's config file (ENOENT)",
          allowed: "an existing stack: Pulumi.<stack>.yaml next to Pulumi.yaml",
        },
      ],
    });
    expect(readStackFile(stackFile("broken", "config: [unclosed\n"))).toEqual({
      ok: false,
      problems: [
        {
          problem: "the stack's config file is not a YAML mapping with a `config:` section",
          allowed: "a config file written by `pulumi config set`",
        },
      ],
    });
  });

  it("names a stack's file, never one elsewhere", () => {
    expect(stackFileName("dev")).toBe("Pulumi.dev.yaml");
    expect(stackFileName("../dev")).toBeUndefined();
    expect(stackFileName(".hidden")).toBeUndefined();
  });
});
