// What a stack lets its manifests name (components/fleet/stack-manifest-options.ts, hub-names.ts):
// one answer for the program and the offline tools, from the stack's facts.
import { describe, expect, it } from "vitest";
import { DEFAULT_STACK_COUNT_LIMITS } from "@dps-as-code/contract";
import type { StackFacts } from "../../components/config/platform-config";
import { type HubNamingConfig, manifestHubName } from "../../components/fleet/hub-names";
import {
  stackConfigWarnings,
  stackManifestOptions,
  stackManifestsFolder,
} from "../../components/fleet/stack-manifest-options";

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
    dpsLimits: DEFAULT_STACK_COUNT_LIMITS,
  }) satisfies HubNamingConfig & Pick<StackFacts, "dps" | "enrollmentManifests" | "dpsLimits">;

describe("stackManifestOptions", () => {
  it("lets manifests name the stack's hub keys, its CA certificates (uploaded or existing) and its config keys", () => {
    expect(stackManifestOptions(stack("azure"), { names: ["meterKey"], plain: [] })).toEqual({
      hubs: { weu: undefined, neu: undefined },
      linkedHubs: [],
      caCertificates: ["charger-root", "brownfield-root"],
      stackSecrets: { names: ["meterKey"], plain: [] },
      countLimits: { x509EnrollmentGroups: 100, caCertificates: 25 },
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

describe("stackConfigWarnings", () => {
  const withCas = (count: number, dpsLimits = DEFAULT_STACK_COUNT_LIMITS) => ({
    dps: {
      caCertificates: Array.from({ length: count - 1 }, (_, i) => ({
        name: `ca-${i}`,
        certificate: "PEM",
        verified: true as const,
      })),
      existingCaCertificateNames: ["brownfield-root"],
    },
    dpsLimits,
  });

  it("says nothing within DPS's 25 CA certificates, uploaded and existing counted together", () => {
    expect(stackConfigWarnings(withCas(25))).toEqual([]);
  });

  it("warns past DPS's default limit and names the key that raises it", () => {
    expect(stackConfigWarnings(withCas(26))).toEqual([
      "dps-as-code:dps.caCertificates: 26 CA certificates exceed DPS's default limit of 25, so DPS will refuse the ones past it unless Microsoft has raised this DPS's limit; allowed: at most 25 per DPS, or more once Microsoft raised the limit (an adjustable DPS limit: open an Azure support request), then set dps-as-code:dpsLimits.caCertificates in the stack's Pulumi.<stack>.yaml to the raised value",
    ]);
  });

  it("says nothing once the stack declares its DPS's raised limit", () => {
    expect(stackConfigWarnings(withCas(40, { ...DEFAULT_STACK_COUNT_LIMITS, caCertificates: 50 }))).toEqual(
      [],
    );
  });
});
