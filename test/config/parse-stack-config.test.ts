import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_STACK_COUNT_LIMITS } from "@dps-as-code/contract";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ENROLLMENT_SETS,
  PlatformConfigError,
  parseStackConfig,
  readStackFile,
  type RawStackConfig,
} from "../../components/config";
import { existingDpsHubCatalogue } from "../../components/fleet/hub-names";

const env = {
  readTextFile(file: string): string {
    throw Object.assign(new Error(`ENOENT: ${file}`), { code: "ENOENT" });
  },
};
const SECRET = pulumi.secret(
  "HostName=contoso.azure-devices-provisioning.net;SharedAccessKeyName=k;SharedAccessKey=a2V5",
);
const byEndpoint: RawStackConfig = {
  environment: "prod",
  existingDps: {
    serviceEndpoint: "contoso.azure-devices-provisioning.net",
    authentication: "entraId",
    linkedHubs: { WEU: "contoso-weu.azure-devices.net" },
    caCertificates: ["contoso-root"],
  },
};

function problems(raw: RawStackConfig): readonly string[] {
  try {
    parseStackConfig(raw, env);
    return [];
  } catch (err) {
    if (err instanceof PlatformConfigError) return err.problems;
    throw err;
  }
}

describe("parseStackConfig", () => {
  it("reads a stack without existingDps as a platform stack, as before", () => {
    const config = parseStackConfig({ environment: "dev", location: "westeurope", hubs: { weu: {} } }, env);
    expect(config.kind).toBe("platform");
  });

  it("reads an enrollments-only stack named by endpoint, with every default", () => {
    const config = parseStackConfig(byEndpoint, env);
    expect(config).toEqual({
      kind: "enrollmentsOnly",
      enrollments: {
        environment: "prod",
        enrollmentManifests: "enrollments/prod",
        enrollmentSets: DEFAULT_ENROLLMENT_SETS,
        dpsLimits: DEFAULT_STACK_COUNT_LIMITS,
        certificateExpiryWarningDays: 60,
        existingDps: {
          location: {
            kind: "endpoint",
            serviceEndpoint: "contoso.azure-devices-provisioning.net",
            linkedHubs: { weu: "contoso-weu.azure-devices.net" },
          },
          credentials: { kind: "entraId" },
          caCertificateNames: ["contoso-root"],
          trustedCaCertificate: undefined,
        },
      },
    });
  });

  it("reads an enrollments-only stack named by a platform stack, with a connection string secret", () => {
    const config = parseStackConfig(
      {
        environment: "prod",
        existingDps: {
          platformStack: "contoso/dps-as-code/prod",
          authentication: "connectionString",
          linkedHubs: ["weu", "NEU"],
        },
        existingDpsConnectionString: SECRET,
      },
      env,
    );
    expect(config.kind === "enrollmentsOnly" && config.enrollments.existingDps).toMatchObject({
      location: { kind: "platformStack", stackName: "contoso/dps-as-code/prod", hubKeys: ["weu", "neu"] },
      credentials: { kind: "connectionString", connectionString: SECRET },
      caCertificateNames: [],
    });
  });

  it.each<[string, RawStackConfig, string[]]>([
    [
      "refuses platform settings in an enrollments-only stack",
      { ...byEndpoint, hubs: { weu: {} }, location: "westeurope" },
      [
        "dps-as-code:location: is not used by an enrollments-only stack (dps-as-code:existingDps is set): its DPS and hubs are not this stack's; remove the setting",
        "dps-as-code:hubs: is not used by an enrollments-only stack (dps-as-code:existingDps is set): its DPS and hubs are not this stack's; remove the setting",
      ],
    ],
    [
      "needs exactly one of serviceEndpoint and platformStack",
      { environment: "prod", existingDps: { authentication: "entraId" } },
      [
        "dps-as-code:existingDps: set exactly one of serviceEndpoint (the DPS's host name) and platformStack (the stack that created the DPS)",
      ],
    ],
    [
      "needs the authentication, and the secret for a connection string",
      {
        environment: "prod",
        existingDps: { serviceEndpoint: "https://contoso.azure-devices-provisioning.net", linkedHubs: {} },
      },
      [
        'dps-as-code:existingDps.serviceEndpoint: "https://contoso.azure-devices-provisioning.net" is not a host name; use the DPS\'s service endpoint without https://, e.g. "contoso.azure-devices-provisioning.net"',
        'dps-as-code:existingDps.authentication: is required ("entraId" or "connectionString")',
      ],
    ],
    [
      "needs the connection string secret with connectionString authentication",
      {
        ...byEndpoint,
        existingDps: { ...(byEndpoint.existingDps as object), authentication: "connectionString" },
      },
      [
        'dps-as-code:existingDpsConnectionString: is required when dps-as-code:existingDps.authentication is "connectionString" (a secret: pulumi config set --secret dps-as-code:existingDpsConnectionString; a policy with enrollment rights, never provisioningserviceowner)',
      ],
    ],
    [
      "refuses a connection string next to entraId, and a connection string without existingDps",
      { ...byEndpoint, existingDpsConnectionString: SECRET },
      [
        'dps-as-code:existingDpsConnectionString: is set, but dps-as-code:existingDps.authentication is "entraId": remove the secret or authenticate with it',
      ],
    ],
    [
      "needs the linked hubs of an endpoint, as a map",
      {
        environment: "prod",
        existingDps: { serviceEndpoint: "contoso.azure-devices-provisioning.net", authentication: "entraId" },
      },
      [
        "dps-as-code:existingDps.linkedHubs: is required (a map from hub key to the host name of each hub linked to the DPS)",
      ],
    ],
    [
      "refuses unknown settings and bad names",
      {
        environment: "prod",
        existingDps: {
          platformStack: "a/b/c/d",
          authentication: "entraId",
          linkedHubs: ["w-eu"],
          caCertificates: ["ok", "ok"],
          hubs: {},
        },
      },
      [
        "dps-as-code:existingDps.hubs: unknown setting; allowed: serviceEndpoint, platformStack, authentication, linkedHubs, caCertificates, trustedCaCertPath",
        'dps-as-code:existingDps.platformStack: "a/b/c/d" is not allowed; name the platform stack as <organization>/<project>/<stack>',
        'dps-as-code:existingDps.linkedHubs[0]: "w-eu" is not allowed; a hub key of the platform stack\'s dps-as-code:hubs',
        'dps-as-code:existingDps.caCertificates[1]: "ok" is listed twice',
      ],
    ],
  ])("%s", (_title, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it("refuses the secret of an existing DPS on a platform stack", () => {
    expect(
      problems({
        environment: "dev",
        location: "westeurope",
        hubs: { weu: {} },
        existingDpsConnectionString: SECRET,
      }),
    ).toEqual([
      "dps-as-code:existingDpsConnectionString: is only used together with dps-as-code:existingDps",
    ]);
  });
});

describe("the hub catalogue of an existing DPS", () => {
  it("knows host names when the DPS is named by endpoint, keys only when named by a platform stack", () => {
    expect(
      existingDpsHubCatalogue({
        kind: "endpoint",
        serviceEndpoint: "x",
        linkedHubs: { weu: "contoso-weu.azure-devices.net" },
      }),
    ).toEqual({
      hubs: { weu: "contoso-weu.azure-devices.net" },
      linkedHubs: ["contoso-weu.azure-devices.net"],
    });
    expect(existingDpsHubCatalogue({ kind: "platformStack", stackName: "p", hubKeys: ["weu"] })).toEqual({
      hubs: { weu: undefined },
      linkedHubs: [],
    });
  });
});

describe("the offline reader of an enrollments-only stack file", () => {
  it("gives the existing DPS's hubs and CAs, without reading the run-only trusted CA file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-stack-file-"));
    const file = path.join(dir, "Pulumi.team-a.yaml");
    fs.writeFileSync(
      file,
      [
        "config:",
        "  dps-as-code:environment: prod",
        "  dps-as-code:enrollmentManifests: enrollments/team-a",
        "  dps-as-code:existingDps:",
        "    serviceEndpoint: localhost:8443",
        "    authentication: connectionString",
        "    trustedCaCertPath: /nowhere/ca.pem",
        "    linkedHubs: { weu: contoso-weu.azure-devices.net }",
        "    caCertificates: [contoso-root]",
        "  dps-as-code:existingDpsConnectionString:",
        "    secure: v1:abc",
        "",
      ].join("\n"),
    );
    const read = readStackFile(file);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.stack.enrollmentManifests).toBe("enrollments/team-a");
    expect(read.stack.existingDps?.location).toEqual({
      kind: "endpoint",
      serviceEndpoint: "localhost:8443",
      linkedHubs: { weu: "contoso-weu.azure-devices.net" },
    });
    expect(read.stack.dps.existingCaCertificateNames).toEqual(["contoso-root"]);
    expect(read.stack.configKeys.plain).toEqual(["environment", "enrollmentManifests", "existingDps"]);
  });
});

describe("the committed example stack files", () => {
  it.each(["Pulumi.meters-prod.yaml", "Pulumi.cameras-prod.yaml"])(
    "%s reads as an enrollments-only stack",
    (name) => {
      const read = readStackFile(path.resolve(__dirname, "../../docs/examples", name));
      expect(read.ok && read.stack.existingDps?.location.kind).toBe(
        name.startsWith("Pulumi.meters") ? "endpoint" : "platformStack",
      );
    },
  );
});
