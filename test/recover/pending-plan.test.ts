// Deciding what to do with a killed run's pending operations (scripts/recover/pending-plan.ts):
// only this stack's creates (by the owner marker on DPS) are taken into the state; nothing another
// stack or a person made; a create this tool cannot check stops it.
import { describe, expect, it } from "vitest";
import {
  decideCreate,
  resolvedDeployment,
  revealed,
  subjectOf,
  takenResource,
  unreadResources,
  type DpsOwnership,
  type ExportedResource,
} from "../../scripts/recover/pending-plan";
import { encodeSetEntries, SECRET_SIGNATURE_KEY } from "@dps-as-code/contract";

const THIS = "organization/dps-as-code/dev";
const OTHER = "organization/dps-as-code/prod";
const STACK = "urn:pulumi:dev::dps-as-code::pulumi:pulumi:Stack::dps-as-code-dev";
const PROVIDER = "urn:pulumi:dev::dps-as-code::pulumi:providers:pulumi-nodejs::default";
const SET_URN = "urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentSet::enrollment-set-0-of-1";
const SECRET = {
  [SECRET_SIGNATURE_KEY]: "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "v1:abc",
};

const individual = (id: string, extra: Partial<ExportedResource> = {}): ExportedResource => ({
  urn: `urn:pulumi:dev::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::${id}`,
  type: "pulumi-nodejs:dynamic/dps:IndividualEnrollment",
  custom: true,
  parent: STACK,
  provider: `${PROVIDER}::0b1c`,
  inputs: { registrationId: id, owner: THIS, dps: SECRET, __provider: "exports.handler = ..." },
  ...extra,
});
const set = (entries: Record<string, unknown> | string | typeof SECRET): ExportedResource => ({
  urn: SET_URN,
  type: "pulumi-nodejs:dynamic/dps:EnrollmentSet",
  custom: true,
  parent: STACK,
  inputs: { shard: "0-of-1", owner: THIS, enrollments: entries, secrets: SECRET, dps: SECRET },
});
/** DPS as a table: id -> owner marker (null: a record without one). */
const dps =
  (records: Record<string, string | null>) =>
  (id: string): DpsOwnership =>
    id in records ? { present: true, owner: records[id] ?? undefined } : { present: false };

describe("what a pending create is", () => {
  it.each([
    [individual("meter-1"), { what: "enrollment", kind: "individual", id: "meter-1", owner: THIS }],
    [
      {
        urn: "u",
        type: "pulumi-nodejs:dynamic/dps:EnrollmentGroup",
        inputs: { enrollmentGroupId: "meters", owner: THIS },
      },
      { what: "enrollment", kind: "group", id: "meters", owner: THIS },
    ],
    [set({ "m-1": {}, "m-2": {} }), { what: "set", shard: "0-of-1", ids: ["m-1", "m-2"], owner: THIS }],
    [
      set(encodeSetEntries({ "m-1": {}, "m-2": {} } as never)),
      { what: "set", shard: "0-of-1", ids: ["m-1", "m-2"], owner: THIS },
    ],
    [{ urn: "u", type: "pulumi-nodejs:dynamic/dps:EnrollmentLedger", custom: true }, { what: "state-only" }],
    [{ urn: "u", type: "dps-as-code:platform:IotPlatform", custom: false }, { what: "state-only" }],
    [{ urn: "u", type: "pulumi:providers:pulumi-nodejs", custom: true }, { what: "state-only" }],
    [{ urn: "u", type: "azure-native:devices:IotHubResource", custom: true }, { what: "unknown" }],
  ])("%#: %o", (resource, subject) => expect(subjectOf(resource as ExportedResource)).toEqual(subject));
});

describe("deciding a pending create", () => {
  const decide = (resource: ExportedResource, records: Record<string, string | null>) =>
    decideCreate(resource, subjectOf(resource), dps(records));

  it("takes an enrollment on DPS with this stack's marker into the state, with its id", () => {
    expect(decide(individual("meter-1"), { "meter-1": THIS })).toEqual({
      action: "take",
      urn: individual("meter-1").urn,
      id: "meter-1",
      note: `pending create of individual enrollment "meter-1": on DPS with this stack's owner marker; taken into the state with id meter-1`,
    });
  });

  it("clears one DPS does not hold", () => {
    expect(decide(individual("meter-1"), {})).toMatchObject({
      action: "clear",
      note: `pending create of individual enrollment "meter-1": not on DPS; cleared (the next up creates it)`,
    });
  });

  it("never takes one another stack made, or a person (no marker)", () => {
    expect(decide(individual("meter-1"), { "meter-1": OTHER })).toMatchObject({
      action: "clear",
      note: expect.stringContaining(`on DPS made by stack ${OTHER}; cleared, not taken over`),
    });
    expect(decide(individual("meter-1"), { "meter-1": null })).toMatchObject({
      action: "clear",
      note: expect.stringContaining(
        "with no owner marker (a person or another tool made it); cleared, not taken over",
      ),
    });
  });

  it("never takes anything when the resource names no owner", () => {
    const unowned = individual("meter-1", { inputs: { registrationId: "meter-1" } });
    expect(decide(unowned, { "meter-1": THIS }).action).toBe("clear");
  });

  it("takes a set holding only its entries DPS holds with this stack's marker", () => {
    const decision = decide(set({ a: {}, b: {}, c: {}, d: {} }), { a: THIS, b: OTHER, c: null });
    expect(decision).toMatchObject({ action: "take", id: "0-of-1", ids: ["a"] });
    expect(decision.note).toBe(
      "pending create of enrollment set 0-of-1: 1 of its 4 enrollments are on DPS with this stack's owner marker; taken into the state with id 0-of-1, holding those (the next up writes the others)",
    );
    expect(decide(set({ a: {}, b: {} }), { b: OTHER })).toMatchObject({ action: "clear" });
  });

  it("clears what lives only in the state, and refuses to guess about anything else", () => {
    expect(decide({ urn: "u", type: "pulumi-nodejs:dynamic/dps:EnrollmentLedger" }, {}).action).toBe("clear");
    expect(decide({ urn: "hub", type: "azure-native:devices:IotHubResource" }, {})).toEqual({
      action: "unknown",
      urn: "hub",
      note: "pending create of hub (azure-native:devices:IotHubResource): not an enrollment, so this tool cannot tell whether it reached its provider",
    });
  });
});

describe("writing what is taken into the state", () => {
  it("keeps the encrypted inputs as the outputs a refresh then completes, with the id", () => {
    const resource = individual("meter-1");
    const taken = takenResource(resource, { action: "take", urn: resource.urn, id: "meter-1", note: "" });
    expect(taken).toEqual({ ...resource, id: "meter-1", outputs: resource.inputs });
    expect(unreadResources({ resources: [taken!] })).toEqual([taken]);
    expect(unreadResources({ resources: [{ ...taken!, outputs: { etag: "x" } }] })).toEqual([]);
  });

  it("cuts a set's entries to those taken, and gives up when they are encrypted", () => {
    const resource = set({ a: { x: 1 }, b: { x: 2 } });
    const decision = { action: "take" as const, urn: SET_URN, id: "0-of-1", ids: ["b"], note: "" };
    expect(takenResource(resource, decision)?.outputs?.enrollments).toEqual({ b: { x: 2 } });
    expect(takenResource(set(SECRET), decision)).toBeUndefined();
  });

  it("cuts a set's entries sent as one text, and gives the outputs the same form", () => {
    const resource = set(encodeSetEntries({ a: { x: 1 }, b: { x: 2 } } as never));
    const decision = { action: "take" as const, urn: SET_URN, id: "0-of-1", ids: ["b"], note: "" };
    expect(takenResource(resource, decision)?.outputs?.enrollments).toBe('{\n"b":{"x":2}\n}');
  });

  it("appends taken resources after what they depend on, and leaves no pending operation", () => {
    const enrollment = individual("meter-1", { id: "meter-1", dependencies: [SET_URN] });
    const setTaken = { ...set({}), id: "0-of-1" };
    const deployment = {
      resources: [
        { urn: STACK, type: "pulumi:pulumi:Stack" },
        { urn: `${PROVIDER}`, type: "pulumi:providers:pulumi-nodejs" },
      ],
      pending_operations: [{ type: "creating", resource: enrollment }],
    };
    const resolved = resolvedDeployment(deployment, [enrollment, setTaken]);
    expect(resolved.resources?.map((r) => r.urn)).toEqual([STACK, PROVIDER, SET_URN, enrollment.urn]);
    expect(resolved.pending_operations).toEqual([]);
  });
});

it("unwraps the secrets `pulumi stack export --show-secrets` still wraps", () => {
  const wrap = (value: unknown) => ({ ...SECRET, ciphertext: undefined, plaintext: JSON.stringify(value) });
  expect(revealed({ dps: wrap({ serviceEndpoint: "x", key: wrap("k") }), id: "a" })).toEqual({
    dps: { serviceEndpoint: "x", key: "k" },
    id: "a",
  });
});
