// What a stack lets its manifests name (components/fleet/stack-manifest-options.ts, hub-names.ts):
// one answer for the program and the offline tools, from the stack's facts.
import { describe, expect, it } from "vitest";
import type { StackFacts } from "../../components/config/platform-config";
import { type HubNamingConfig, manifestHubName } from "../../components/fleet/hub-names";
import { stackManifestOptions, stackManifestsFolder } from "../../components/fleet/stack-manifest-options";

const stack = (kind: "azure" | "local") =>
  ({
    environment: "dev",
    namePrefix: "dpsac",
    target: { kind },
    hubs: [{ key: "weu" }, { key: "neu" }],
    dps: {
      caCertificates: [{ name: "charger-root", certificate: "PEM", verified: true }],
      existingCaCertificateNames: ["brownfield-root"],
    },
    enrollmentManifests: "enrollments/dev",
  }) satisfies HubNamingConfig & Pick<StackFacts, "dps" | "enrollmentManifests">;

describe("stackManifestOptions", () => {
  it("lets manifests name the stack's hub keys, its CA certificates (uploaded or existing) and its config keys", () => {
    expect(stackManifestOptions(stack("azure"), { names: ["meterKey"], plain: [] })).toEqual({
      hubs: { weu: undefined, neu: undefined },
      linkedHubs: [],
      caCertificates: ["charger-root", "brownfield-root"],
      stackSecrets: { names: ["meterKey"], plain: [] },
    });
  });

  it("knows the local target's host names before deploy", () => {
    expect(stackManifestOptions(stack("local"), { names: [] })).toMatchObject({
      hubs: { weu: "dpsac-dev-weu.azure-devices.net", neu: "dpsac-dev-neu.azure-devices.net" },
      linkedHubs: ["dpsac-dev-weu.azure-devices.net", "dpsac-dev-neu.azure-devices.net"],
    });
  });

  it("reads the manifests folder from the program's directory, shown from where the command runs", () => {
    expect(stackManifestsFolder(stack("azure"), "/repo", "/repo")).toBe("enrollments/dev");
    expect(stackManifestsFolder(stack("azure"), "/repo", "/repo/enrollments")).toBe("dev");
    expect(stackManifestsFolder({ enrollmentManifests: "." }, "/repo", "/repo")).toBe(".");
  });
});

describe("manifestHubName", () => {
  it("writes a local hub's host name as the key manifests use, and leaves other names as they are", () => {
    const name = manifestHubName(stack("local"));
    expect(name("dpsac-dev-weu.azure-devices.net")).toBe("weu");
    expect(name("DPSAC-DEV-NEU.azure-devices.net")).toBe("neu");
    expect(name("other.azure-devices.net")).toBe("other.azure-devices.net");
    expect(manifestHubName(stack("azure"))("weu")).toBe("weu");
  });
});
