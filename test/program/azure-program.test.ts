// The whole program (index.ts) on the Azure path, under strict mocks: the dev stack's
// manifests become enrollment resources on the DPS the platform creates, hub keys resolve to
// the hubs' real host names, and every credential reaches the enrollments as a secret. This
// is what a platform engineer's first `pulumi up -s dev` against a subscription registers.
import * as pulumi from "@pulumi/pulumi";
import {
  credentialKey,
  decodeCredentialBook,
  decodeLedgerIndividuals,
  symmetricKeyCredentials,
} from "@dps-as-code/contract";
import { beforeAll, describe, expect, it } from "vitest";
import {
  filledInProdConfig,
  isSecretInput,
  mockKey,
  plain,
  RANDOM_SUFFIX,
  stackConfig,
  strictMocks,
  type Invocation,
  type Registration,
} from "../../testkit/mock-platform";

const INDIVIDUAL = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
const GROUP = "pulumi-nodejs:dynamic/dps:EnrollmentGroup";
const LEDGER = "pulumi-nodejs:dynamic/dps:EnrollmentLedger";
// Test-only keys: base64 of 32 bytes, never used anywhere real.
const METER_PRIMARY = Buffer.alloc(32, 1).toString("base64");
const METER_SECONDARY = Buffer.alloc(32, 2).toString("base64");

async function runProgram(stack: "dev" | "prod"): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const invocations: Invocation[] = [];
  const base = strictMocks(registrations, invocations);
  const mocks: pulumi.runtime.Mocks = {
    call: base.call,
    newResource(args) {
      // Enrollments are dynamic resources: the mock plays DPS and echoes the inputs.
      if (args.type === INDIVIDUAL || args.type === GROUP || args.type === LEDGER) {
        registrations.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        return { id: args.name, state: { ...args.inputs, etag: '"1"', adopted: false } };
      }
      return base.newResource(args);
    },
  };
  pulumi.runtime.setAllConfig(
    {
      ...(stack === "prod" ? filledInProdConfig() : stackConfig(stack)),
      "dps-as-code:meterGroupPrimaryKey": METER_PRIMARY,
      "dps-as-code:meterGroupSecondaryKey": METER_SECONDARY,
    },
    ["dps-as-code:meterGroupPrimaryKey", "dps-as-code:meterGroupSecondaryKey"],
  );
  await pulumi.runtime.setMocks(mocks, "dps-as-code", stack, false);
  const program = await import("../../index");
  await new Promise((resolve) =>
    pulumi
      .all([program.enrollments, program.enrollmentGroupKeys, program.individualEnrollmentKeys])
      .apply(resolve),
  );
  await pulumi.runtime.disconnect();
  return registrations;
}

describe.each(["dev", "prod"] as const)("the %s stack's program on Azure (mocked)", (stack) => {
  let registrations: Registration[];
  beforeAll(async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    registrations = await runProgram(stack);
  });

  const enrollments = () => registrations.filter((r) => r.type === INDIVIDUAL || r.type === GROUP);
  const hubHostNames = () =>
    registrations
      .filter((r) => r.type === "azure-native:iothub:IotHubResource")
      .map((r) => `${String(r.inputs.resourceName)}.azure-devices.net`);

  it("declares one enrollment ledger naming every enrollment, so the policy pack can see deletions", () => {
    const ledgers = registrations.filter((r) => r.type === LEDGER);
    expect(ledgers.map((l) => l.name)).toEqual(["enrollment-ledger"]);
    const ledger = ledgers[0]!.inputs as {
      individualEnrollments: string;
      enrollmentGroups: { enrollmentGroupId: string }[];
    };
    const ids = (type: string, field: string) =>
      registrations
        .filter((r) => r.type === type)
        .map((r) => String(r.inputs[field]))
        .sort();
    expect(
      decodeLedgerIndividuals(ledger.individualEnrollments)
        .map((i) => i.registrationId)
        .sort(),
    ).toEqual(ids(INDIVIDUAL, "registrationId"));
    expect(ledger.enrollmentGroups.map((g) => g.enrollmentGroupId).sort()).toEqual(
      ids(GROUP, "enrollmentGroupId"),
    );
  });

  it("gives the ledger each enrollment's credential fingerprints, a secret when a key's hash is in it, never a key", () => {
    const ledger = registrations.find((r) => r.type === LEDGER)!.inputs;
    const credentials = decodeCredentialBook(plain<string>(ledger.credentials))!;
    for (const id of registrations
      .filter((r) => r.type === GROUP)
      .map((r) => String(r.inputs.enrollmentGroupId)))
      expect(credentials[credentialKey("group", id)]).toBeDefined();
    if (stack === "dev") {
      expect(isSecretInput(ledger.credentials)).toBe(true);
      expect(credentials[credentialKey("group", "smart-meters-residential")]).toEqual(
        symmetricKeyCredentials(METER_PRIMARY, METER_SECONDARY),
      );
      expect(plain<string>(ledger.credentials)).not.toContain(METER_PRIMARY);
    }
  });

  it("passes a manifest entry's labels to its resource (the policy pack and the advice read them)", () => {
    const gateway = registrations.find(
      (r) => r.type === INDIVIDUAL && r.inputs.registrationId === "edge-gateway-001",
    );
    if (stack === "dev") expect(gateway?.inputs.labels).toEqual({ traceability: "individual" });
  });

  it("declares every manifest entry as an enrollment resource on the created DPS", () => {
    expect(enrollments().length).toBeGreaterThan(0);
    for (const e of enrollments()) {
      const dps = plain<{ serviceEndpoint: string; connectionString?: string; useEntraId?: boolean }>(
        e.inputs.dps,
      );
      expect(dps.serviceEndpoint).toBe(`dpsac-${stack}-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net`);
      // dev hands over the enrollment-writer key; prod uses Entra ID (no key at all).
      if (stack === "dev") {
        expect(isSecretInput(e.inputs.dps)).toBe(true);
        expect(dps.connectionString).toBe(
          `HostName=dpsac-dev-dps-${RANDOM_SUFFIX}.azure-devices-provisioning.net;SharedAccessKeyName=enrollment-writer;SharedAccessKey=${mockKey("platform-dps-enrollment-writer-key-primary")}`,
        );
      } else {
        expect(dps.useEntraId).toBe(true);
        expect(dps.connectionString).toBeUndefined();
      }
    }
  });

  it("resolves the manifests' hub keys to the hubs' host names, and knows the linked hubs", () => {
    const hubs = hubHostNames();
    for (const e of enrollments()) {
      expect(plain<string[]>(e.inputs.linkedHubs).sort()).toEqual([...hubs].sort());
      for (const hub of plain<string[] | undefined>(e.inputs.iotHubs) ?? []) expect(hubs).toContain(hub);
    }
    // By key, not by position: `iotHubs: [neu]` is the neu hub, whichever hub the config lists first.
    const hub = (key: string) => `dpsac-${stack}-${key}-${RANDOM_SUFFIX}.azure-devices.net`;
    const targets = (name: string) =>
      plain<string[]>(enrollments().find((e) => e.name === name)!.inputs.iotHubs);
    if (stack === "prod") expect(targets("ev-chargers")).toEqual([hub("neu")]);
    else expect(targets("smart-meters-residential")).toEqual([hub("weu")]);
  });

  it("passes keys named in manifests to DPS only as secrets", () => {
    const withKeys = enrollments().filter((e) =>
      JSON.stringify(plain(e.inputs.attestation)).includes(METER_PRIMARY),
    );
    if (stack === "dev") expect(withKeys.length).toBeGreaterThan(0);
    for (const e of withKeys) expect(isSecretInput(e.inputs.attestation)).toBe(true);
  });
});
