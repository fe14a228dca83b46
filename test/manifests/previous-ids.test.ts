// `previousIds`: the ids an entry had before a reviewed rename (the fleet turns them into
// Pulumi aliases). Each old id may belong to one entry only and must no longer be in use.
import { describe, expect, it } from "vitest";
import { loadEnrollmentManifestTexts } from "../../components/manifests";
import { CORPUS_OPTIONS, manifestProblems } from "./manifest-options";

const load = (...texts: string[]) =>
  loadEnrollmentManifestTexts(
    texts.map((text, i) => ({ file: `m${i + 1}.yaml`, text })),
    CORPUS_OPTIONS,
  );

const problemsOf = (...texts: string[]) => manifestProblems(() => load(...texts));

const sensor = (id: string, previousIds?: string) => `
individualEnrollments:
  - registrationId: ${id}
${previousIds ? `    previousIds: ${previousIds}\n` : ""}    attestation: { type: symmetricKey }
`;

describe("previousIds", () => {
  it("carries the old ids of a renamed individual enrollment and group", () => {
    const loaded = load(`
individualEnrollments:
  - registrationId: plant-sensor-007
    previousIds: [plant-sensor-7, sensor-7]
    attestation: { type: symmetricKey }
enrollmentGroups:
  - enrollmentGroupId: plant-line-1
    previousIds: [plant-line-a]
    attestation: { type: symmetricKey }
`);
    expect(loaded.individualEnrollments[0]!.previousIds).toEqual(["plant-sensor-7", "sensor-7"]);
    expect(loaded.enrollmentGroups[0]!.previousIds).toEqual(["plant-line-a"]);
  });

  it("is absent when the entry was never renamed", () => {
    expect(load(sensor("plant-sensor-7")).individualEnrollments[0]).not.toHaveProperty("previousIds");
  });

  it("rejects an old id that another entry still uses, in any file and any case", () => {
    expect(problemsOf(sensor("plant-sensor-007", "[Plant-Sensor-7]"), sensor("plant-sensor-7"))).toEqual([
      "m1.yaml:4:19: enrollment 'plant-sensor-007': field 'previousIds': previous id 'Plant-Sensor-7' is also declared as a current id at m2.yaml:3:21; allowed: ids this entry had before a rename and that no entry uses now (ids are case-insensitive)",
    ]);
  });

  it("rejects an entry that lists its own id", () => {
    expect(problemsOf(sensor("plant-sensor-7", "[plant-sensor-7]"))).toEqual([
      "m1.yaml:4:19: enrollment 'plant-sensor-7': field 'previousIds': lists its own id 'plant-sensor-7' as a previous id; allowed: ids this entry had before a rename and that no entry uses now (ids are case-insensitive)",
    ]);
  });

  it("rejects two entries that claim the same old id", () => {
    expect(
      problemsOf(
        sensor("plant-sensor-007", "[plant-sensor-7]"),
        sensor("plant-sensor-008", "[plant-sensor-7]"),
      ),
    ).toEqual([
      "m2.yaml:4:19: enrollment 'plant-sensor-008': field 'previousIds[0]': previous id 'plant-sensor-7' is already claimed by 'plant-sensor-007' at m1.yaml:4:19; allowed: each old id in the previousIds of one entry only (the renamed one)",
    ]);
  });

  it("lets an individual enrollment and a group share an old id (they are different kinds)", () => {
    const loaded = load(
      sensor("plant-sensor-007", "[plant-7]"),
      "enrollmentGroups:\n  - enrollmentGroupId: plant-line-1\n    previousIds: [plant-7]\n    attestation: { type: symmetricKey }\n",
    );
    expect(loaded.enrollmentGroups).toHaveLength(1);
  });

  it("rejects an old id that is not a valid DPS id, and an empty list", () => {
    const problems = problemsOf(sensor("plant-sensor-007", "[bad id!]"), sensor("plant-sensor-008", "[]"));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^m1\.yaml:4:\d+: enrollment 'plant-sensor-007': field 'previousIds\[0\]'/);
    expect(problems[1]).toMatch(/^m2\.yaml:4:\d+: enrollment 'plant-sensor-008': field 'previousIds'/);
  });
});
