import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "@dps-as-code/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IotPlatform } from "../../components/platform";
import { projectRoot } from "../../testkit/find-engine";
import {
  isSecretInput,
  plain,
  secretValue,
  stackConfig,
  valueOf,
  type Registration,
} from "../../testkit/mock-platform";

// A real certificate: the stack config reads CA certificates with contract/dps' parser.
const CA_PEM = fs.readFileSync(
  path.resolve(__dirname, "../fixtures/certs/ev-charger-signing-ca.pem"),
  "utf8",
);
const CONNECTION_STRING =
  "HostName=localhost:8443;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=bG9jYWwta2V5";
const registrations: Registration[] = [];
let platform: IotPlatform;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-stack-"));
  fs.writeFileSync(path.join(dir, "ca.pem"), CA_PEM);
  // What the demo script sets after starting the emulator.
  pulumi.runtime.setAllConfig(
    {
      ...stackConfig("local"),
      "dps-as-code:emulator": JSON.stringify({
        serviceHost: "localhost:8443",
        caCertPath: path.join(dir, "ca.pem"),
      }),
      "dps-as-code:emulatorConnectionString": CONNECTION_STRING,
    },
    ["dps-as-code:emulatorConnectionString"],
  );
  // Only our component and the dynamic resource are expected: an azure-native or random
  // resource (whose plugins cannot be installed here) fails the test.
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registrations.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        if (args.type === "dps-as-code:platform:IotPlatform")
          return { id: `${args.name}-component`, state: {} };
        if (args.type === "pulumi-nodejs:dynamic/dps:LocalProvisioningService") {
          return { id: "localhost:8443/0ne00LOCAL1", state: { ...args.inputs, idScope: "0ne00LOCAL1" } };
        }
        throw new Error(`unexpected resource ${args.type} (${args.name})`);
      },
      call(args) {
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "dps-as-code",
    "local",
    false,
  );
  const { loadPlatformConfig } = await import("../../components/config");
  const { createPlatform } = await import("../../components/platform");
  platform = createPlatform(loadPlatformConfig(projectRoot));
  await valueOf(pulumi.all([platform.idScope, platform.linkedHubHostNames]));
  await pulumi.runtime.disconnect();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("local stack (mocked engine, emulator target)", () => {
  it("creates only the platform component and the LocalProvisioningService dynamic resource", () => {
    expect(registrations.map((r) => [r.type, r.name])).toEqual([
      ["dps-as-code:platform:IotPlatform", "platform"],
      ["pulumi-nodejs:dynamic/dps:LocalProvisioningService", "platform-dps"],
    ]);
  });

  it("sends the same hubs, weights and allocation policy as the stack config, with derived host names", () => {
    const dps = registrations[1]!.inputs;
    expect(dps.serviceHost).toBe("localhost:8443");
    expect(dps.trustedCaCertificate).toBe(CA_PEM);
    expect(dps.allocationPolicy).toBe("geoLatency");
    expect(dps.linkedHubs).toEqual([
      {
        hostName: "dpsac-local-weu.azure-devices.net",
        location: "westeurope",
        allocationWeight: 600,
        applyAllocationPolicy: true,
      },
      {
        hostName: "dpsac-local-neu.azure-devices.net",
        location: "northeurope",
        allocationWeight: 400,
        applyAllocationPolicy: true,
      },
    ]);
    expect(dps.caCertificates).toEqual([]);
  });

  it("passes the emulator connection string as a secret input and the provider by its stable name", () => {
    const dps = registrations[1]!.inputs;
    expect(isSecretInput(dps.connectionString)).toBe(true);
    expect(plain<string>(dps.connectionString)).toBe(CONNECTION_STRING);
    const provider = plain<string>(dps.__provider);
    expect(provider).toBe(providerReference("LocalProvisioningService"));
    // The connection string arrives as an input; it is never part of the provider reference.
    expect(provider).not.toContain("bG9jYWwta2V5");
  });

  it("outputs the same shape as the Azure target, with the emulator's CA to trust", async () => {
    expect(await secretValue(platform.idScope)).toEqual({ value: "0ne00LOCAL1", secret: false });
    expect(await valueOf(platform.serviceEndpoint)).toBe("localhost:8443");
    expect(await valueOf(platform.deviceEndpoint)).toBe("localhost:8443");
    expect(await valueOf(platform.linkedHubHostNames)).toEqual([
      "dpsac-local-weu.azure-devices.net",
      "dpsac-local-neu.azure-devices.net",
    ]);
    expect(await valueOf(platform.hubHostNames)).toEqual({
      weu: "dpsac-local-weu.azure-devices.net",
      neu: "dpsac-local-neu.azure-devices.net",
    });
    expect(Object.keys(platform.dpsConnection).sort()).toEqual([
      "connectionString",
      "serviceEndpoint",
      "trustedCaCertificate",
    ]);
    expect(await valueOf(platform.dpsConnection.serviceEndpoint)).toBe("localhost:8443");
    expect(await valueOf(platform.dpsConnection.trustedCaCertificate!)).toBe(CA_PEM);
    expect(await secretValue(platform.dpsConnection.connectionString!)).toEqual({
      value: CONNECTION_STRING,
      secret: true,
    });
  });
});
