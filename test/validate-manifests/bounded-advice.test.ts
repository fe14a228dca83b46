// `npm run validate-manifests -- --stack dev <folder>` on a fleet whose advice is large (163
// suggestions, one of them a group of 2,000 devices): what a person reads is cut per kind and per
// suggestion, each cut says so, and the command it names for the rest, pasted as printed from the
// project root, prints every suggestion, id and move command.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectToolResult } from "../../testkit/project-tool";
import { PRINTED_IDS, PRINTED_SUGGESTIONS } from "../../components/advice/stack-advice";
import { projectRoot } from "../../testkit/find-engine";
import { runProjectTool } from "../../testkit/project-tool";

// A space and a quote in the folder's name: the command the cut names must quote it for bash.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bounded advice's fleet-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BIG = 2_000;
const CLUSTERS = 150;
const MARKED = 12;
const big = Array.from({ length: BIG }, (_, i) => `big-${String(i + 1).padStart(4, "0")}`);
const pad = (n: number) => String(n).padStart(3, "0");
/** Devices that share one configuration: symmetric key, hub weu, static, and the cluster's twin tag. */
const individuals = (ids: readonly string[], site: string) =>
  ids.map(
    (id) =>
      `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n    initialTwin: { tags: { site: ${site} } }`,
  );
fs.writeFileSync(
  path.join(dir, "fleet.yaml"),
  [
    "defaults:\n  iotHubs: [weu]\n  allocationPolicy: static",
    "individualEnrollments:",
    ...individuals(big, "big"),
    ...Array.from({ length: CLUSTERS }, (_, c) =>
      individuals(
        Array.from({ length: 5 }, (_, i) => `s${pad(c)}-${i + 1}`),
        `s${pad(c)}`,
      ),
    ).flat(),
    "enrollmentGroups:",
    ...Array.from(
      { length: MARKED },
      (_, g) =>
        `  - enrollmentGroupId: marked-${pad(g)}\n    attestation: { type: symmetricKey }\n    labels: { traceability: individual }`,
    ),
    "",
  ].join("\n"),
);

const SUGGESTIONS = 1 + CLUSTERS + MARKED;
const suggestionLines = (text: string) => text.split("\n").filter((line) => line.startsWith("- "));

describe("validate-manifests --stack on a fleet with large advice", () => {
  let capped: ProjectToolResult;
  beforeAll(() => {
    capped = runProjectTool("validate-manifests", ["--stack", "dev", dir]);
  });
  const fullCommand = `npm run --silent validate-manifests -- --stack dev '${dir.replace("'", "'\\''")}' --all`;

  it("prints the first suggestions of each kind, the first ids of each, and says where the rest are", () => {
    expect(capped.status, capped.stderr).toBe(0);
    const lines = capped.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual([
      `${dir}: ${BIG + CLUSTERS * 5} individual enrollments, ${MARKED} enrollment groups, no problems`,
      `individual or group (advice, policy/config/dev.json; ${2 * PRINTED_SUGGESTIONS} of ${SUGGESTIONS} suggestions shown):`,
    ]);
    const suggestions = suggestionLines(capped.stdout);
    expect(suggestions).toHaveLength(2 * PRINTED_SUGGESTIONS);
    expect(suggestions[0]).toBe(
      `- ${BIG} individual enrollments share one configuration (symmetric key; hubs weu; allocation static; reprovision (DPS default); the same initial twin): ` +
        `${big.slice(0, PRINTED_IDS).join(", ")} and ${BIG - PRINTED_IDS} more. One enrollment group would replace them:`,
    );
    expect(capped.stdout).toContain(
      `  Move them safely: the plan-enrollment-move command for all ${BIG} is in the full advice (${fullCommand}).\n`,
    );
    expect(capped.stdout).not.toContain(big[PRINTED_IDS]);
    // A suggestion within the cut keeps its move command, whole, as it runs.
    expect(capped.stdout).toContain(
      "  Move them safely: npm run plan-enrollment-move -- --stack dev --to-group s-group s000-1 s000-2 s000-3 s000-4 s000-5\n",
    );
    expect(suggestions.filter((line) => line.startsWith('- enrollment group "marked-'))).toHaveLength(
      PRINTED_SUGGESTIONS,
    );
    expect(lines.slice(-2)).toEqual([
      `... and ${1 + CLUSTERS - PRINTED_SUGGESTIONS} more groups that would replace shared individual enrollments, in the full advice (${fullCommand})`,
      `... and ${MARKED - PRINTED_SUGGESTIONS} more marked groups to enroll individually, in the full advice (${fullCommand})`,
    ]);
    expect(Buffer.byteLength(capped.stdout)).toBeLessThan(16_000);
  });

  it("the command it names, pasted from the project root, prints every suggestion, id and move command", () => {
    expect(capped.stdout).toContain(fullCommand);
    const all = execFileSync("bash", ["-o", "pipefail", "-c", fullCommand], {
      cwd: projectRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(all.split("\n")[1]).toBe("individual or group (advice, policy/config/dev.json):");
    expect(suggestionLines(all)).toHaveLength(SUGGESTIONS);
    expect(all).toContain(
      `${big.join(", ")}. One enrollment group would replace them:\n` +
        "    enrollmentGroups:\n      - enrollmentGroupId: big-group\n",
    );
    expect(all).toContain(
      `  Move them safely: npm run plan-enrollment-move -- --stack dev --to-group big-group ${big.join(" ")}\n`,
    );
    for (let g = 0; g < MARKED; g++) expect(all).toContain(`- enrollment group "marked-${pad(g)}" is marked`);
    expect(all).not.toContain("... and");
    expect(all).not.toContain("the full advice");
  });
});
