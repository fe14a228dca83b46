// The batch path through the real engine: 30 individual enrollments in 3 EnrollmentSets (one
// manifest with `mode: batch`) beside 2 per-enrollment ones, against the emulator with Microsoft's
// SDK on the other side. up; a no-op preview with no DPS call; an edit of 2 entries previewed by
// id and field; refresh cost; an apply broken by injected per-item faults, repaired by the next
// up; both mode switches without any DPS write; destroy leaves DPS empty.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  decodeEntries,
  decodeMetadata,
  decodeSetEntries,
  encodePackedEntries,
  encodeSetEntries,
  providerReference,
  resolveEntryHubs,
} from "@dps-as-code/contract";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `fleet-${String(from + i).padStart(3, "0")}`);
const fleetManifest = (
  mode: "batch" | "individual",
  list: string[],
  overrides: Record<string, string> = {},
) =>
  [`mode: ${mode}`, "defaults:", "  iotHubs: [weu]", "  allocationPolicy: static", "individualEnrollments:"]
    .concat(
      list.flatMap((id) => [
        `  - registrationId: ${id}`,
        "    attestation: { type: symmetricKey }",
        ...(overrides[id] ? [`    ${overrides[id]}`] : []),
      ]),
    )
    .join("\n") + "\n";
const SMALL = `individualEnrollments:
  - registrationId: gateway-1
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
  - registrationId: gateway-2
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
`;
/** The blocks of `pulumi preview --diff` output that belong to EnrollmentSet resources, cut before the stack's outputs (`--outputs:--`). */
const setDiffText = (diff: string) =>
  diff
    .split(/\n(?=\s*[-+~]*\s*pulumi(?:-nodejs)?:\S+: \()/)
    .filter((block) => block.includes("dps:EnrollmentSet: ("))
    .map((block) => block.split(/\n\s*(?:--outputs:--|Outputs:|Resources:)/)[0])
    .join("\n");
/** Enrollment ids on lines the diff marks as added, changed or removed. */
const markedIds = (text: string) =>
  [...new Set([...text.matchAll(/^\s*[-+~]+\s*"?(fleet-\d{3})"?\s*:/gm)].map((m) => m[1] as string))].sort();
/** The lines of one entry's diff: from its marked key line to the brace that closes it. */
const entryDiff = (setDiff: string, id: string) => {
  const lines = setDiff.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^\\s*[-+~]+\\s*"?${id}"?\\s*:`).test(line));
  if (start < 0) return "";
  const indent = /^\s*/.exec(lines[start] as string)?.[0].length ?? 0;
  const end = lines.findIndex(
    (line, i) => i > start && /^\s*}/.test(line) && (/^\s*/.exec(line)?.[0].length ?? 0) <= indent + 2,
  );
  return lines.slice(start, end < 0 ? undefined : end + 1).join("\n");
};
/** Every id the EnrollmentSets of an exported state hold, sorted. */
const setHeldIds = (exported: string) =>
  (
    JSON.parse(exported) as {
      deployment: { resources: Array<{ type: string; outputs?: { enrollments?: unknown } }> };
    }
  ).deployment.resources
    .filter((r) => r.type === "pulumi-nodejs:dynamic/dps:EnrollmentSet")
    .flatMap((r) => Object.keys(decodeEntries(r.outputs?.enrollments)))
    .sort();
/** EnrollmentSet's `__provider`: its stable name, resolved by the project's dynamic-providers.js. */
const SET_REFERENCE = providerReference("EnrollmentSet");
const WRITES = [
  "IndividualEnrollment_CreateOrUpdate",
  "IndividualEnrollment_Delete",
  "IndividualEnrollment_RunBulkOperation",
  "DeviceRegistrationState_Delete",
];

describeWithEngine("enrollment sets (the batch path) through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const requests = () => emulator.inspect.stats().requests;
  const writes = () => WRITES.reduce((n, op) => n + (emulator.inspect.stats().byOperation[op] ?? 0), 0);
  /** What DPS holds: etag and keys per id (through Microsoft's SDK). */
  const dpsView = async () => {
    const sdk = serviceClientFor(emulator);
    const query = sdk.createIndividualEnrollmentQuery({ query: "*" }, 100);
    const view: Record<string, { etag: string; keys: string }> = {};
    while (query.hasMoreResults) {
      const page = (await query.next()) as unknown as {
        responseBody: Array<{ registrationId: string; etag: string }>;
      };
      for (const e of page.responseBody) {
        const mechanism = (await sdk.getIndividualEnrollmentAttestationMechanism(
          e.registrationId,
        )) as unknown as { responseBody: { symmetricKey: { primaryKey: string; secondaryKey: string } } };
        view[e.registrationId] = {
          etag: e.etag,
          keys: `${mechanism.responseBody.symmetricKey.primaryKey}/${mechanism.responseBody.symmetricKey.secondaryKey}`,
        };
      }
    }
    return view;
  };

  beforeAll(async () => {
    emulator = await startTestEmulator({ throttle: { operationsPerMinute: 1000 } });
    program = await createLocalProgram(engine, emulator, {
      stackName: "sets",
      manifests: { "fleet.yaml": fleetManifest("batch", ids(0, 30)), "gateways.yaml": SMALL },
      config: { "dps-as-code:enrollmentSets": { value: JSON.stringify({ shards: 3 }) } },
    });
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("creates 30 entries in 3 sets through bulk calls, and 2 per-enrollment resources", async () => {
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(emulator.inspect.enrollmentCount()).toBe(32);
    const bulkCalls = emulator.inspect.stats().byOperation.IndividualEnrollment_RunBulkOperation ?? 0;
    expect(bulkCalls).toBeGreaterThanOrEqual(3);
    expect(bulkCalls).toBeLessThanOrEqual(6);
    const state = JSON.parse(await program.pulumi(["stack", "export"])) as {
      deployment: {
        resources: Array<{
          type: string;
          inputs?: Record<string, unknown>;
          outputs?: Record<string, unknown>;
        }>;
      };
    };
    const sets = state.deployment.resources.filter(
      (r) => r.type === "pulumi-nodejs:dynamic/dps:EnrollmentSet",
    );
    expect(sets).toHaveLength(3);
    // Each set references its provider on disk (a few hundred bytes), as the enrollment resources do: no embedded code.
    for (const set of sets) {
      expect(set.inputs?.__provider).toBe(SET_REFERENCE);
      expect(set.outputs?.__provider).toBe(SET_REFERENCE);
    }
    const held = sets.flatMap((s) => Object.keys(decodeEntries(s.outputs?.enrollments))).sort();
    expect(held).toEqual(ids(0, 30));
    for (const set of sets) {
      const metadata = decodeMetadata(set.outputs?.metadata);
      // The program sends the entries as one canonical text naming hubs as the manifest does, with
      // the set's hubHostNames beside it; the outputs keep what DPS holds, hubs resolved, packed.
      expect(typeof set.inputs?.enrollments).toBe("string");
      const sent = decodeSetEntries(set.inputs?.enrollments);
      expect(set.inputs?.enrollments).toBe(encodeSetEntries(sent));
      const hubHostNames = set.inputs?.hubHostNames as Record<string, string>;
      expect(set.outputs?.enrollments).toBe(encodePackedEntries(resolveEntryHubs(sent, hubHostNames)));
      for (const secrets of [set.inputs?.secrets, set.outputs?.secrets])
        expect(JSON.stringify(secrets)).toContain("ciphertext"); // secret in state
      expect(Object.keys(metadata).sort()).toEqual(
        Object.keys(decodeEntries(set.outputs?.enrollments)).sort(),
      );
      for (const meta of Object.values(metadata)) expect(meta.etag).not.toBe("");
      expect(JSON.stringify(set.outputs?.keys)).toContain("ciphertext"); // secret in state
    }
  });

  it("previews no change without calling DPS", async () => {
    const before = requests();
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    expect(requests() - before).toBe(0);
  });

  it("previews an edit of 2 entries by id and field, and applies only those", async () => {
    const before = await dpsView();
    program.writeManifest(
      "fleet.yaml",
      fleetManifest("batch", ids(0, 30), {
        "fleet-003": "initialTwin: { tags: { site: plant-9 } }",
        "fleet-017": "provisioningStatus: disabled",
      }),
    );
    const diff = await program.pulumi(["preview", "--diff"]);
    expect(diff).toContain("fleet-003");
    expect(diff).toContain("plant-9");
    expect(diff).toContain("fleet-017");
    expect(diff).toContain("disabled");
    // Only the entries the sets' diffs mark as changed (`~`, `+`, `-`): an updated set prints its
    // other entries too, unmarked, and the stack's outputs list every enrollment.
    const setDiff = setDiffText(diff);
    expect(markedIds(setDiff)).toEqual(["fleet-003", "fleet-017"]);
    expect(entryDiff(setDiff, "fleet-003")).toMatch(/^\s*[+~] initialTwin\s*:/m);
    expect(entryDiff(setDiff, "fleet-003")).not.toMatch(/^\s*[+~-] provisioningStatus/m);
    expect(entryDiff(setDiff, "fleet-017")).toMatch(/^\s*[+~] provisioningStatus\s*: .*"disabled"/m);
    expect(entryDiff(setDiff, "fleet-017")).not.toMatch(/^\s*[+~-] initialTwin/m);
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges?.update).toBeLessThanOrEqual(2);
    const after = await dpsView();
    const changed = Object.keys(after)
      .filter((id) => after[id]?.etag !== before[id]?.etag)
      .sort();
    expect(changed).toEqual(["fleet-003", "fleet-017"]);
    expect(Object.keys(after).filter((id) => after[id]?.keys !== before[id]?.keys)).toEqual([]);
  });

  it("refreshes the 3 sets with one listing and no key read, and finds no drift", async () => {
    const before = emulator.inspect.stats().byOperation;
    const refresh = await program.refresh({ onOutput: program.onOutput });
    const after = emulator.inspect.stats().byOperation;
    const delta = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
    expect(delta("IndividualEnrollment_Query")).toBe(1);
    // Key reads: the 2 per-enrollment resources only (the sets' ETags did not move).
    expect(delta("IndividualEnrollment_GetAttestationMechanism")).toBeLessThanOrEqual(2);
    expect(refresh.summary.result).toBe("succeeded");
    const json = await program.pulumi(["preview", "--json"]);
    const steps = (JSON.parse(json.slice(json.indexOf("{"))) as { steps: Array<{ op: string; urn: string }> })
      .steps;
    const changed = steps
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.urn.split("::").slice(-2).join("::")}`);
    expect(changed.filter((c) => c.includes("EnrollmentSet") || c.includes("IndividualEnrollment"))).toEqual(
      [],
    );
  });

  it("records a partly failed apply and finishes it with the next up, nothing lost or duplicated", async () => {
    const before = await dpsView();
    emulator.setFaults({ rate: 0, bulkItemRate: 0.85, seed: 3 });
    program.writeManifest(
      "fleet.yaml",
      fleetManifest("batch", ids(0, 40), {
        "fleet-003": "initialTwin: { tags: { site: plant-9 } }",
        "fleet-017": "provisioningStatus: disabled",
      }),
    );
    const printed = program.output.length;
    try {
      await expect(program.up({ onOutput: program.onOutput })).rejects.toThrow();
    } finally {
      emulator.setFaults(undefined);
    }
    expect(program.output.slice(printed).join("")).toMatch(
      /individual enrollment \\?"fleet-0[34]\d\\?": create failed: Injected fault/,
    );
    const landed = emulator.inspect.enrollmentCount() - 32;
    expect(landed).toBeLessThan(10);
    // The state records exactly what landed: the sets hold the ids DPS holds, no more, no fewer.
    const onDps = Object.keys(await dpsView())
      .filter((id) => id.startsWith("fleet-"))
      .sort();
    expect(onDps).toHaveLength(30 + landed);
    expect(setHeldIds(await program.pulumi(["stack", "export"]))).toEqual(onDps);
    // The preview names every id still to be created (it may name the landed ones too: the
    // engine's display compares the inputs it stored, see the report of this branch).
    const preview = await program.pulumi(["preview", "--diff"]);
    const pending = ids(30, 40).filter((id) => !onDps.includes(id));
    expect(pending).toHaveLength(10 - landed);
    expect(markedIds(setDiffText(preview))).toEqual(expect.arrayContaining(pending));
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(emulator.inspect.enrollmentCount()).toBe(42);
    const after = await dpsView();
    for (const id of Object.keys(before)) expect(after[id]).toEqual(before[id]);
    expect(Object.keys((await program.stack.preview({ onOutput: program.onOutput })).changeSummary)).toEqual([
      "same",
    ]);
  });

  it("switches the manifest to the per-enrollment path and back without any DPS write", async () => {
    const before = await dpsView();
    const writesBefore = writes();
    const overrides = {
      "fleet-003": "initialTwin: { tags: { site: plant-9 } }",
      "fleet-017": "provisioningStatus: disabled",
    };
    program.writeManifest("fleet.yaml", fleetManifest("individual", ids(0, 40), overrides));
    const toIndividual = await program.up({ onOutput: program.onOutput });
    expect(toIndividual.summary.result).toBe("succeeded");
    expect(toIndividual.summary.resourceChanges?.create).toBe(40);
    expect(writes() - writesBefore).toBe(0);
    expect(await dpsView()).toEqual(before);
    expect(Object.keys((await program.stack.preview({ onOutput: program.onOutput })).changeSummary)).toEqual([
      "same",
    ]);

    program.writeManifest("fleet.yaml", fleetManifest("batch", ids(0, 40), overrides));
    const bulkBefore = emulator.inspect.stats().byOperation.IndividualEnrollment_RunBulkOperation ?? 0;
    const bulkCalls = () =>
      (emulator.inspect.stats().byOperation.IndividualEnrollment_RunBulkOperation ?? 0) - bulkBefore;
    const toBatch = await program.up({ onOutput: program.onOutput });
    expect(toBatch.summary.result).toBe("succeeded");
    expect(toBatch.summary.resourceChanges?.delete).toBe(40);
    // Each set reads which of the ids it gains DPS already holds (before-write.ts): all of them, so
    // none goes into a bulk create (whose answer on an existing id DPS does not document), and the
    // set takes them over without writing, as they carry this stack's owner marker and hold the
    // declared settings (takeOver in apply.ts). No write request at all; the unchanged ETags below
    // prove nothing was written (any applied write moves an ETag).
    expect(writes() - writesBefore).toBe(0);
    expect(bulkCalls()).toBe(0);
    expect(await dpsView()).toEqual(before);
    expect(Object.keys((await program.stack.preview({ onOutput: program.onOutput })).changeSummary)).toEqual([
      "same",
    ]);
  });

  it("destroys every enrollment, leaving DPS empty", async () => {
    const destroy = await program.destroy({ onOutput: program.onOutput });
    expect(destroy.summary.result).toBe("succeeded");
    expect(emulator.inspect.enrollmentCount()).toBe(0);
  });
});
