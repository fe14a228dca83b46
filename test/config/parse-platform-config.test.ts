import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  PlatformConfigError,
  parsePlatformConfig,
  parseStackFacts,
  type RawPlatformConfig,
} from "../../components/config";
import { filledInProdConfig, stackConfig } from "../../testkit/mock-platform";

// A real certificate: the config reads CA certificates with the one parser of contract/dps.
const PEM = fs.readFileSync(path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"), "utf8");
const files: Record<string, string> = { "ca.pem": PEM, "notes.txt": "hello" };
const env = {
  readTextFile(path: string): string {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return text;
  },
};
const base: RawPlatformConfig = { environment: "dev", location: "westeurope", hubs: { weu: {} } };

/** The problems a config produces (none → []). */
function problems(raw: RawPlatformConfig): readonly string[] {
  try {
    parsePlatformConfig(raw, env);
    return [];
  } catch (err) {
    if (err instanceof PlatformConfigError) return err.problems;
    throw err;
  }
}

const hubs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, {}]));

describe("parsePlatformConfig", () => {
  it("applies every default in one place", () => {
    const config = parsePlatformConfig(base, env);
    expect(config).toEqual({
      environment: "dev",
      location: "westeurope",
      namePrefix: "dpsac",
      target: {
        kind: "azure",
        resourceGroup: { kind: "create", name: "rg-dpsac-dev", location: "westeurope" },
      },
      hubs: [
        {
          key: "weu",
          location: "westeurope",
          sku: "S1",
          units: 1,
          partitionCount: 4,
          retentionDays: 1,
          allocationWeight: 1,
          applyAllocationPolicy: true,
          publicNetworkAccess: "Enabled",
          networkRuleSets: undefined,
          identity: "None",
          consumerGroups: [],
          tags: { environment: "dev", "managed-by": "pulumi", "iot-hub-key": "weu" },
        },
      ],
      dps: {
        allocationPolicy: "hashed",
        sku: "S1",
        capacity: 1,
        publicNetworkAccess: "Enabled",
        ipFilterRules: [],
        dataResidency: false,
        caCertificates: [],
        existingCaCertificateNames: [],
        dataContributor: undefined,
        tags: { environment: "dev", "managed-by": "pulumi" },
      },
      enrollmentManifests: "enrollments/dev",
      enrollmentSets: { threshold: 500, shards: 32, operationsPerMinute: 1000 },
      dpsLimits: { x509EnrollmentGroups: 100, caCertificates: 25 },
      certificateExpiryWarningDays: 60,
    });
  });

  it.each<[string, RawPlatformConfig, string[]]>([
    [
      "rejects an unknown allocation policy",
      { ...base, dps: { allocationPolicy: "random" } },
      ['dps-as-code:dps.allocationPolicy: "random" is not allowed; allowed "hashed", "geoLatency", "static"'],
    ],
    [
      "rejects a static policy with two hubs",
      { ...base, hubs: { weu: {}, neu: { location: "northeurope" } }, dps: { allocationPolicy: "static" } },
      [
        'dps-as-code:dps.allocationPolicy: "static" needs exactly one linked hub, but dps-as-code:hubs has 2 (weu, neu); use "hashed" or "geoLatency", or keep one hub',
      ],
    ],
    [
      "rejects an allocation weight of 0",
      { ...base, hubs: { weu: { allocationWeight: 0 } } },
      ["dps-as-code:hubs.weu.allocationWeight: 0 is out of range; allowed 1..1000"],
    ],
    [
      "rejects an allocation weight above 1000",
      { ...base, hubs: { weu: { allocationWeight: 1001 } } },
      ["dps-as-code:hubs.weu.allocationWeight: 1001 is out of range; allowed 1..1000"],
    ],
    [
      "rejects a fractional allocation weight",
      { ...base, hubs: { weu: { allocationWeight: 2.5 } } },
      ["dps-as-code:hubs.weu.allocationWeight: 2.5 is not a whole number; allowed 1..1000"],
    ],
    [
      "rejects hub keys that differ only in case",
      { ...base, hubs: { weu: {}, WEU: {} } },
      [
        'dps-as-code:hubs.WEU: duplicates hub key "weu" (hub keys are case-insensitive: they become part of Azure resource and host names)',
      ],
    ],
    [
      "rejects more than 50 linked hubs",
      { ...base, hubs: hubs(51) },
      ["dps-as-code:hubs: 51 hubs configured; a DPS links at most 50 IoT hubs"],
    ],
    [
      "rejects an unknown region and suggests ARM's spelling",
      { ...base, hubs: { weu: { location: "West Europe" } } },
      [
        'dps-as-code:hubs.weu.location: "West Europe" is not a known Azure region; did you mean "westeurope"?',
      ],
    ],
    [
      "rejects an unknown default region",
      { ...base, location: "moonbase1" },
      [
        'dps-as-code:location: "moonbase1" is not a known Azure region; use ARM\'s spelling, e.g. "westeurope"',
      ],
    ],
    [
      "rejects a misspelt hub setting",
      { ...base, hubs: { weu: { alocationWeight: 2 } } },
      [
        "dps-as-code:hubs.weu.alocationWeight: unknown setting; allowed: location, sku, units, partitionCount, retentionDays, allocationWeight, applyAllocationPolicy, publicNetworkAccess, networkRuleSets, ipFilterRules, identity, consumerGroups, tags",
      ],
    ],
    [
      "requires the environment and at least one hub",
      { location: "westeurope" },
      [
        'dps-as-code:environment: is required (a short name such as "dev" or "prod")',
        "dps-as-code:hubs: at least one IoT hub is required (a map from hub key to its settings)",
      ],
    ],
    [
      "rejects a config where no hub takes part in allocation",
      { ...base, hubs: { weu: { applyAllocationPolicy: false } } },
      [
        "dps-as-code:hubs: no hub has applyAllocationPolicy: true, so the DPS allocation policy would have no hub to choose from",
      ],
    ],
    [
      "rejects more than one unit on the free tier",
      { ...base, hubs: { weu: { sku: "F1", units: 2 } } },
      ["dps-as-code:hubs.weu.units: 2 is out of range; allowed 1..1"],
    ],
    [
      "rejects an unknown hub SKU",
      { ...base, hubs: { weu: { sku: "S4" } } },
      ['dps-as-code:hubs.weu.sku: "S4" is not allowed; allowed "F1", "B1", "B2", "B3", "S1", "S2", "S3"'],
    ],
    [
      "rejects an IP filter rule without an action and with a bad mask",
      { ...base, dps: { ipFilterRules: [{ name: "x", ipMask: "10.0.0.0/33" }] } },
      [
        'dps-as-code:dps.ipFilterRules[0].ipMask: "10.0.0.0/33" is not an IPv4 address or CIDR range',
        'dps-as-code:dps.ipFilterRules[0].action: is required ("Accept" or "Reject")',
      ],
    ],
    [
      "rejects an unknown DPS IP filter target",
      {
        ...base,
        dps: { ipFilterRules: [{ name: "x", ipMask: "10.0.0.1", action: "Accept", target: "admin" }] },
      },
      [
        'dps-as-code:dps.ipFilterRules[0].target: "admin" is not allowed; allowed "all", "serviceApi", "deviceApi"',
      ],
    ],
    [
      "rejects a non-string tag value",
      { ...base, tags: { costCenter: 42 } },
      ["dps-as-code:tags.costCenter: expected a string tag value, got 42"],
    ],
    [
      "rejects a data contributor that is not a GUID",
      { ...base, dps: { dataContributor: { principalId: "pipeline" } } },
      ['dps-as-code:dps.dataContributor.principalId: "pipeline" is not a GUID (an Entra ID object id)'],
    ],
    [
      "rejects the nil GUID a config template holds as the data contributor",
      { ...base, dps: { dataContributor: { principalId: "00000000-0000-0000-0000-000000000000" } } },
      [
        'dps-as-code:dps.dataContributor.principalId: "00000000-0000-0000-0000-000000000000" is a placeholder; set the object id of the pipeline identity (az ad sp show --id <appId> --query id)',
      ],
    ],
    [
      "rejects an Accept rule for a documentation address, on the DPS and on a hub",
      {
        ...base,
        hubs: {
          weu: {
            networkRuleSets: { defaultAction: "Deny", ipRules: [{ name: "ops", ipMask: "203.0.113.0/24" }] },
          },
        },
        dps: {
          ipFilterRules: [
            { name: "pipeline", ipMask: "198.51.100.10", action: "Accept", target: "serviceApi" },
            { name: "bad", ipMask: "192.0.2.0/24", action: "Reject" },
          ],
        },
      },
      [
        'dps-as-code:hubs.weu.networkRuleSets.ipRules[0].ipMask: "203.0.113.0/24" is a documentation address (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), a placeholder; accept the real address (e.g. the deployment pipeline\'s egress IP)',
        'dps-as-code:dps.ipFilterRules[0].ipMask: "198.51.100.10" is a documentation address (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), a placeholder; accept the real address (e.g. the deployment pipeline\'s egress IP)',
      ],
    ],
    [
      "refuses DPS IP rules that reject the pipeline from the service API before accepting it",
      {
        ...base,
        dps: {
          ipFilterRules: [
            { name: "deny", ipMask: "0.0.0.0/0", action: "Reject", target: "serviceApi" },
            { name: "pipeline", ipMask: "20.61.15.7", action: "Accept", target: "serviceApi" },
          ],
        },
      },
      [
        "dps-as-code:dps.ipFilterRules[0]: rejects every address for the service API before any rule accepts one: `pulumi up` and the PR preview could not reach the enrollments; accept the pipeline's egress address in an earlier rule",
      ],
    ],
    [
      "refuses the retired classic hub IP filter, saying how to move",
      {
        ...base,
        hubs: { weu: { ipFilterRules: [{ name: "bad", ipMask: "192.0.2.0/24", action: "Reject" }] } },
      },
      [
        'dps-as-code:hubs.weu.ipFilterRules: the classic IoT Hub IP filter (Accept/Reject rules) is retired (Azure/azure-deprecation dashboard #117); use networkRuleSets: { defaultAction: Deny, ipRules: [{ name, ipMask }] } to admit only the listed ranges, or networkRuleSets: { defaultAction: Allow } to admit every address. Reject rules have no equivalent: see "Hub network rules" in components/platform/README.md',
      ],
    ],
    [
      "refuses a hub network rule set that would lock everyone out, or whose rules do nothing",
      {
        ...base,
        hubs: {
          weu: { networkRuleSets: { defaultAction: "Deny" } },
          neu: {
            location: "northeurope",
            networkRuleSets: { defaultAction: "Allow", ipRules: [{ name: "a", ipMask: "20.1.2.3" }] },
          },
        },
      },
      [
        "dps-as-code:hubs.weu.networkRuleSets.ipRules: is required with defaultAction Deny (without rules no device, operator or DPS could connect); list the ranges to admit",
        "dps-as-code:hubs.neu.networkRuleSets.ipRules: has no effect with defaultAction Allow (every address is admitted already); use defaultAction Deny to admit only these ranges",
      ],
    ],
    [
      "refuses a reject rule in a hub network rule set",
      {
        ...base,
        hubs: {
          weu: {
            networkRuleSets: {
              defaultAction: "Deny",
              ipRules: [{ name: "a", ipMask: "20.1.2.3", action: "Reject" }],
            },
          },
        },
      },
      [
        'dps-as-code:hubs.weu.networkRuleSets.ipRules[0].action: "Reject" is not allowed; allowed "Allow" (network rule sets only admit; leave the range out to refuse it)',
      ],
    ],
    [
      "rejects a CA certificate with both text and a path",
      { ...base, dps: { caCertificates: { root: { certificate: PEM, certificatePath: "ca.pem" } } } },
      [
        "dps-as-code:dps.caCertificates.root: set exactly one of certificate (PEM text) and certificatePath (a file)",
      ],
    ],
    [
      "rejects a CA certificate file that holds no certificate",
      { ...base, dps: { caCertificates: { root: { certificatePath: "notes.txt" } } } },
      [
        "dps-as-code:dps.caCertificates.root.certificatePath: \"notes.txt\" is not a PEM certificate (nor base64 of PEM or DER); allowed: one PEM certificate ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'), public part only",
      ],
    ],
    [
      "rejects a raise of a fixed DPS limit, by name",
      { ...base, dpsLimits: { symmetricKeyEnrollmentGroups: 200, linkedHubs: 60 } },
      [
        "dps-as-code:dpsLimits.symmetricKeyEnrollmentGroups: DPS's limit of 100 symmetric-key enrollment groups is fixed (not raised on request: learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits); allowed keys: x509EnrollmentGroups, caCertificates",
        "dps-as-code:dpsLimits.linkedHubs: DPS's limit of 50 linked IoT hubs is fixed (not raised on request: learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits); allowed keys: x509EnrollmentGroups, caCertificates",
      ],
    ],
    [
      "rejects a raised limit below DPS's default, and an unknown limit",
      { ...base, dpsLimits: { x509EnrollmentGroups: 50, enrollmentGroups: 300 } },
      [
        "dps-as-code:dpsLimits.x509EnrollmentGroups: 50 is out of range; allowed 100..1000000",
        "dps-as-code:dpsLimits.enrollmentGroups: unknown setting; allowed: x509EnrollmentGroups, caCertificates",
      ],
    ],
    [
      "rejects a certificate expiry window that is not a whole number of days from 1 to 1000",
      { ...base, certificateExpiryWarningDays: "90 days" },
      ['dps-as-code:certificateExpiryWarningDays: "90 days" is not a number; allowed 1..1000'],
    ],
    [
      "rejects a certificate expiry window of 0 days",
      { ...base, certificateExpiryWarningDays: 0 },
      ["dps-as-code:certificateExpiryWarningDays: 0 is out of range; allowed 1..1000"],
    ],
    [
      "rejects a DPS capacity of 0",
      { ...base, dps: { capacity: 0 } },
      ["dps-as-code:dps.capacity: 0 is out of range; allowed 1..200"],
    ],
    [
      "rejects an unknown target",
      { ...base, target: "aws" },
      ['dps-as-code:target: "aws" is not allowed; allowed "azure", "local"'],
    ],
    [
      "requires the emulator settings for the local target",
      { ...base, target: "local" },
      [
        'dps-as-code:emulator: is required when dps-as-code:target is "local" ({ serviceHost, caCertPath }; the demo script sets it from the emulator\'s start-up line)',
      ],
    ],
    [
      "requires the emulator connection string for the local target",
      { ...base, target: "local", emulator: { serviceHost: "localhost:8443", caCertPath: "ca.pem" } },
      [
        'dps-as-code:emulatorConnectionString: is required when dps-as-code:target is "local" (a secret: pulumi config set --secret; the demo script sets it from the emulator\'s start-up line)',
      ],
    ],
    [
      "reports an unreadable emulator CA file by its config key",
      {
        ...base,
        target: "local",
        emulator: { serviceHost: "localhost:8443", caCertPath: "missing.pem" },
        emulatorConnectionString: pulumi.secret("x"),
      },
      ['dps-as-code:emulator.caCertPath: cannot read "missing.pem": ENOENT'],
    ],
    [
      "rejects emulator settings on the azure target",
      { ...base, emulator: { serviceHost: "localhost:8443" } },
      ['dps-as-code:emulator: is only used when dps-as-code:target is "local"'],
    ],
  ])("%s", (_name, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it("lists every problem in one error message", () => {
    expect(() =>
      parsePlatformConfig({ ...base, hubs: { weu: { allocationWeight: 0, sku: "S9" } } }, env),
    ).toThrow(
      "Invalid stack configuration:\n" +
        '  - dps-as-code:hubs.weu.sku: "S9" is not allowed; allowed "F1", "B1", "B2", "B3", "S1", "S2", "S3"\n' +
        "  - dps-as-code:hubs.weu.allocationWeight: 0 is out of range; allowed 1..1000",
    );
  });

  it("accepts exactly 50 hubs and a static policy with one hub", () => {
    expect(problems({ ...base, hubs: hubs(50) })).toEqual([]);
    expect(problems({ ...base, dps: { allocationPolicy: "static" } })).toEqual([]);
  });

  it("builds the local target with the emulator's CA and derives the device host from the service host", () => {
    const secret = pulumi.secret(
      "HostName=localhost:8443;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=a2V5",
    );
    const config = parsePlatformConfig(
      {
        ...base,
        target: "local",
        emulator: { serviceHost: "localhost:8443", caCertPath: "ca.pem" },
        emulatorConnectionString: secret,
      },
      env,
    );
    expect(config.target).toEqual({
      kind: "local",
      emulator: {
        serviceHost: "localhost:8443",
        deviceHost: "localhost:8443",
        caCertPath: "ca.pem",
        caCertificate: PEM,
        connectionString: secret,
      },
    });
  });

  it("refuses Pulumi.prod.yaml until its placeholders are replaced, naming each, and accepts it once they are", () => {
    const raw = (config: Record<string, string>): RawPlatformConfig => {
      const get = (key: string) => config[`dps-as-code:${key}`];
      const obj = (key: string) => (get(key) === undefined ? undefined : (JSON.parse(get(key)!) as unknown));
      return {
        environment: get("environment"),
        target: get("target"),
        location: get("location"),
        namePrefix: get("namePrefix"),
        hubs: obj("hubs"),
        dps: obj("dps"),
        tags: obj("tags"),
      };
    };
    expect(problems(raw(stackConfig("prod")))).toEqual([
      expect.stringMatching(
        /^dps-as-code:dps\.ipFilterRules\[0\]\.ipMask: "198\.51\.100\.10" is a documentation address/,
      ),
      expect.stringMatching(
        /^dps-as-code:dps\.caCertificates\.ev-charger-root-ca\.certificatePath: cannot read "certs\/prod\/ev-charger-root-ca\.pem"/,
      ),
      expect.stringMatching(
        /^dps-as-code:dps\.dataContributor\.principalId: "0{8}-0{4}-0{4}-0{4}-0{12}" is a placeholder/,
      ),
    ]);
    expect(problems(raw(filledInProdConfig()))).toEqual([]);
    expect(problems(raw(stackConfig("dev")))).toEqual([]);
  });

  it("declares a CA certificate already in the DPS by name, without uploading it", () => {
    const config = parsePlatformConfig(
      {
        ...base,
        dps: {
          caCertificates: { root: { certificatePath: "ca.pem" }, "brownfield-root": { existing: true } },
        },
      },
      env,
    );
    expect(config.dps.caCertificates).toEqual([{ name: "root", certificate: PEM, verified: true }]);
    expect(config.dps.existingCaCertificateNames).toEqual(["brownfield-root"]);
    expect(problems({ ...base, dps: { caCertificates: { old: { existing: "yes" } } } })).toEqual([
      'dps-as-code:dps.caCertificates.old.existing: "yes" is not allowed; allowed true (or leave it out and give the certificate)',
    ]);
    expect(
      problems({ ...base, dps: { caCertificates: { old: { existing: true, certificate: PEM } } } }),
    ).toEqual(["dps-as-code:dps.caCertificates.old.certificate: unknown setting; allowed: existing"]);
  });

  it("reads a CA certificate from a file and keeps the verified flag", () => {
    const config = parsePlatformConfig(
      { ...base, dps: { caCertificates: { root: { certificatePath: "ca.pem", verified: false } } } },
      env,
    );
    expect(config.dps.caCertificates).toEqual([{ name: "root", certificate: PEM, verified: false }]);
  });
});

describe("certificateExpiryWarningDays", () => {
  it("takes the stack's window, for the program and for the offline reader alike", () => {
    const raw = { ...base, certificateExpiryWarningDays: 90 };
    expect(parsePlatformConfig(raw, env).certificateExpiryWarningDays).toBe(90);
    expect(parseStackFacts(raw, env).certificateExpiryWarningDays).toBe(90);
  });
});

describe("dpsLimits", () => {
  it("takes the raised adjustable limits of the stack's DPS and keeps DPS's defaults for the rest", () => {
    const config = parsePlatformConfig({ ...base, dpsLimits: { x509EnrollmentGroups: 300 } }, env);
    expect(config.dpsLimits).toEqual({ x509EnrollmentGroups: 300, caCertificates: 25 });
  });

  it("holds more CA certificates than DPS's default without refusing them (the limit is adjustable)", () => {
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`ca-${i}`, { existing: true }]));
    expect(problems({ ...base, dps: { caCertificates: many } })).toEqual([]);
  });
});
