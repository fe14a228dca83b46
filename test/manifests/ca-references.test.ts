/**
 * A group's `caReferences` name CA certificates that must be in the DPS before the group: the
 * loader refuses a name the stack does not declare (uploaded or `existing`), the committed prod
 * stack declares every CA its manifests name, and the fleet makes each enrollment depend on the
 * resources that upload the CAs it names (created after them, deleted before them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadEnrollmentManifests, loadEnrollmentManifestTexts } from "../../components/manifests";
import { CORPUS_OPTIONS, manifestProblems } from "./manifest-options";

const ROOT = path.resolve(__dirname, "../..");
const FILE = "fleet.yaml";
const manifest = (primary: string, secondary?: string) => `
enrollmentGroups:
  - enrollmentGroupId: chargers
    attestation:
      type: x509
      x509:
        caReferences: { primary: ${primary}${secondary ? `, secondary: ${secondary}` : ""} }
    iotHubs: [neu]
    allocationPolicy: static
`;

const load = (text: string, caCertificates: readonly string[] | undefined) =>
  loadEnrollmentManifestTexts([{ file: FILE, text }], {
    ...CORPUS_OPTIONS,
    ...(caCertificates ? { caCertificates } : {}),
  });
const problems = (text: string, caCertificates: readonly string[] | undefined) =>
  manifestProblems(() => load(text, caCertificates));

describe("caReferences and the stack's CA certificates", () => {
  it("refuses a CA the stack does not declare, naming file, enrollment, field and the declared CAs", () => {
    expect(problems(manifest("charger-root", "charger-root-2024"), ["charger-root"])).toEqual([
      expect.stringMatching(
        /^fleet\.yaml:\d+:\d+: enrollment group 'chargers': field 'attestation\.x509\.caReferences\.secondary': CA certificate 'charger-root-2024' is not declared by this stack; allowed: one of the stack's dps\.caCertificates: charger-root \(or declare 'charger-root-2024' there\); a CA leaves the stack only once no group names it \(step "switch-to-new-ca" of npm run plan-rotation, deployed before step "retire-old-ca"\)$/,
      ),
    ]);
    expect(problems(manifest("charger-root"), [])).toEqual([
      expect.stringContaining(
        "(none is declared): add 'charger-root' with its certificate, or { existing: true }",
      ),
    ]);
  });

  it("accepts declared CAs, and checks nothing when the loader is not told the stack's CAs", () => {
    expect(
      load(manifest("charger-root", "charger-root-2024"), ["charger-root", "charger-root-2024"])
        .enrollmentGroups,
    ).toHaveLength(1);
    expect(load(manifest("anything"), undefined).enrollmentGroups).toHaveLength(1);
  });

  it.each(["dev", "prod"])("the committed %s stack declares every CA its manifests name", (stack) => {
    const config = (
      parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      }
    ).config;
    const declared = Object.keys(
      (config["dps-as-code:dps"] as { caCertificates?: object } | undefined)?.caCertificates ?? {},
    );
    // Offline, as the manifests CLI checks them: hub keys by name, host names not known yet.
    const hubs = Object.fromEntries(
      Object.keys(config["dps-as-code:hubs"] as object).map((k) => [k, undefined]),
    );
    const loaded = loadEnrollmentManifests(
      path.join(ROOT, String(config["dps-as-code:enrollmentManifests"])),
      { hubs, caCertificates: declared },
    );
    const named = loaded.enrollmentGroups.flatMap((g) =>
      g.attestation.type === "x509" ? Object.values(g.attestation.x509.caReferences ?? {}) : [],
    );
    for (const name of named) expect(declared).toContain(name);
  });
});

describe("enrollments depend on the CA certificates they name", () => {
  it("gives each enrollment naming an uploaded CA a dependency on its upload, and no other", async () => {
    const seen: Record<string, unknown[]> = {};
    await pulumi.runtime.setMocks(
      { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) },
      "dps-as-code",
      "ca-test",
      false,
    );
    const { declareFleet } = await import("../../components/fleet");
    class CaUpload extends pulumi.CustomResource {
      constructor(name: string) {
        super("test:index:CaCertificate", name, {});
      }
    }
    const root = new CaUpload("charger-root");
    const rotated = new CaUpload("charger-root-2024");
    const manifests = loadEnrollmentManifestTexts(
      [
        { file: FILE, text: manifest("charger-root", "charger-root-2024") },
        { file: "other.yaml", text: manifest("brownfield-root").replace("chargers", "cameras") },
        {
          file: "meters.yaml",
          text: "enrollmentGroups:\n  - enrollmentGroupId: meters\n    attestation: { type: symmetricKey }\n",
        },
      ],
      { ...CORPUS_OPTIONS, caCertificates: ["charger-root", "charger-root-2024", "brownfield-root"] },
    );
    declareFleet(
      {
        manifests,
        platform: {
          dpsConnection: {
            serviceEndpoint: pulumi.output("dps.example.net"),
            connectionString: pulumi.secret(
              "HostName=dps.example.net;SharedAccessKeyName=w;SharedAccessKey=a2V5",
            ),
          },
          hubHostNames: pulumi.output<Record<string, string>>({
            weu: "hub-weu.example.net",
            neu: "hub-neu.example.net",
          }),
          // brownfield-root is `existing`: in the DPS already, no resource uploads it.
          caCertificates: { "charger-root": root, "charger-root-2024": rotated },
        },
        secret: (name) => pulumi.secret(name),
      },
      {
        transformations: [
          (args) => {
            seen[args.name] = [...((args.opts.dependsOn as pulumi.Resource[] | undefined) ?? [])];
            return undefined;
          },
        ],
      },
    );
    // The fleet's enrollment ledger depends on no upload either.
    expect(seen).toEqual({ chargers: [root, rotated], cameras: [], meters: [], "enrollment-ledger": [] });
  });
});
