// What the stack outputs list per path (issue #26): the per-enrollment path one row and one key
// entry per enrollment, the batch path one row per set (its size and manifest files) and no key:
// a batched enrollment's keys stay in its set's state (npm run enrollment-key reads them). The
// fleet runs under Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { loadEnrollmentManifestTexts } from "../../components/manifests";
import { declareFleetUnderMocks } from "../../testkit/fleet-under-mocks";

const KEY = (n: number) => Buffer.alloc(32, n).toString("base64");
const batch = (ids: string[]) =>
  `mode: batch\nindividualEnrollments:\n${ids.map((id) => `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n`).join("")}`;
const SINGLE = `mode: individual
individualEnrollments:
  - registrationId: single-01
    attestation: { type: symmetricKey }
enrollmentGroups:
  - enrollmentGroupId: meters
    attestation: { type: symmetricKey }
`;

async function fleetOutputs(files: Record<string, string>) {
  const manifests = loadEnrollmentManifestTexts(
    Object.entries(files).map(([file, text]) => ({ file, text })),
    { hubs: { weu: undefined }, repositoryRoot: "/" },
  );
  const { settled, fleet } = await declareFleetUnderMocks({
    stackName: "outputs",
    manifests,
    hubHostNames: { weu: "hub-weu.example.net" },
    secret: () => pulumi.secret(KEY(9)),
    enrollmentSets: { threshold: 500, shards: 2, operationsPerMinute: 1000 },
    // DPS generates the keys of an enrollment that names none: the outputs carry them.
    state: (inputs) => ({ ...inputs, primaryKey: KEY(1), secondaryKey: KEY(2) }),
    settle: (fleet) =>
      pulumi.all([fleet.summary, fleet.individualEnrollmentKeys]) as unknown as pulumi.Output<
        [{ kind: string; id: string }[], Record<string, unknown>]
      >,
  });
  const [summary, keys] = settled;
  return { summary, keys, batchSummary: fleet.batchSummary };
}

describe("the fleet's stack outputs", () => {
  it("list the per-enrollment path one by one and the batch path one row per set, with no batched key", async () => {
    const { summary, keys, batchSummary } = await fleetOutputs({
      "batch-a.yaml": batch(["meter-01", "meter-02", "meter-03", "meter-04"]),
      "batch-b.yaml": batch(["pump-01"]),
      "single.yaml": SINGLE,
    });
    expect(summary.map((row) => [row.kind, row.id])).toEqual([
      ["individual", "single-01"],
      ["group", "meters"],
    ]);
    expect(keys).toEqual({ "single-01": { primaryKey: KEY(1), secondaryKey: KEY(2) } });
    // Both shards have a row; together they hold every batched enrollment, counted per file.
    expect(Object.keys(batchSummary!).sort()).toEqual(["0-of-2", "1-of-2"]);
    const total: Record<string, number> = {};
    for (const row of Object.values(batchSummary!))
      for (const [file, count] of Object.entries(row.sources)) total[file] = (total[file] ?? 0) + count;
    expect(total).toEqual({ "batch-a.yaml": 4, "batch-b.yaml": 1 });
    expect(Object.values(batchSummary!).reduce((sum, row) => sum + row.enrollments, 0)).toBe(5);
  });

  it("have no batchedEnrollments row at all for a stack without the batch path", async () => {
    const { summary, batchSummary } = await fleetOutputs({
      "single.yaml": SINGLE.replace("mode: individual\n", ""),
    });
    expect(summary.map((row) => row.id)).toEqual(["single-01", "meters"]);
    expect(batchSummary).toBeUndefined();
  });
});
