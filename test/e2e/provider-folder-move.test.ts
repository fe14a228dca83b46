// Moving component folders changes no stack's state: a stack deployed by this version, whose
// program copy then renames the folders of every dynamic provider (the enrollments with their
// sets, the fleet's ledger, the local platform's DPS) and rewrites the imports and the provider
// entry (dynamic-providers.js) to match, previews no change, updates nothing, and still deploys
// an edit and destroys through the moved providers. Every `__provider` stays the stable name.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { storedProviderForm } from "@dps-as-code/contract";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { serviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const MANIFESTS = {
  "batch.yaml": `mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: moved-meter-1
    attestation: { type: symmetricKey }
  - registrationId: moved-meter-2
    attestation: { type: symmetricKey }
`,
  "single.yaml": `mode: individual
individualEnrollments:
  - registrationId: moved-single-1
    attestation: { type: symmetricKey }
    initialTwin: { tags: { fleet: before } }
enrollmentGroups:
  - enrollmentGroupId: moved-group
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`,
};

/** Old folder -> new folder (relative to components/), deepest first. */
const MOVES: [string, string][] = [
  ["enrollments/sets", "enrollments/batch"],
  ["enrollments", "dps-enrollments"],
  ["fleet", "fleet-ledger"],
  ["platform/local", "platform/emulator-dps"],
];

/** Every relative module path that ends in `from` (a folder or a file under it) now names `to`. */
function rewriteImports(dir: string, from: string, to: string): void {
  const lastFrom = from.split("/").pop()!;
  const lastTo = to.split("/").pop()!;
  const parentFrom = from.split("/").slice(0, -1).join("/");
  const parentTo = to.split("/").slice(0, -1).join("/");
  // Only same-parent renames here, so a specifier's last matching segment is all that changes.
  expect(parentFrom).toBe(parentTo);
  const specifier = new RegExp(`(["'](?:\\.\\.?/)+(?:[\\w.-]+/)*)${lastFrom}(["'/])`, "g");
  const walk = (at: string): string[] =>
    fs.readdirSync(at, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(at, e.name);
      if (e.name === "node_modules" || e.isSymbolicLink()) return [];
      return e.isDirectory() ? walk(full) : /\.(ts|js)$/.test(e.name) ? [full] : [];
    });
  const oldAbsolute = path.join(dir, "components", from);
  for (const file of walk(dir)) {
    const text = fs.readFileSync(file, "utf8");
    const rewritten = text.replace(specifier, (match, head: string, tail: string) => {
      const spec = head.slice(1) + lastFrom;
      // Rewrite only specifiers that really point at the moved folder.
      return path.resolve(path.dirname(file), spec) === oldAbsolute ? `${head}${lastTo}${tail}` : match;
    });
    if (rewritten !== text) fs.writeFileSync(file, rewritten);
  }
  fs.renameSync(oldAbsolute, path.join(dir, "components", to));
}

interface StoredResource {
  type: string;
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describeWithEngine("moving the folders of the dynamic providers", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const requests = () => emulator.inspect.stats().requests;
  const dynamicResources = async () =>
    ((await program.stack.exportStack()).deployment.resources as StoredResource[]).filter((r) =>
      r.type.startsWith("pulumi-nodejs:dynamic/dps:"),
    );

  beforeAll(async () => {
    emulator = await startEmulator({ ephemeral: true, retryAfterSeconds: 0 });
    program = await createLocalProgram(engine, emulator, { stackName: "folder-move", manifests: MANIFESTS });
  });
  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("changes nothing in state: the preview and up after the move are no-ops", async () => {
    await program.up({ onOutput: program.onOutput });
    const before = await dynamicResources();
    // The local DPS, two enrollments, the sets holding the batch, and the ledger: every provider.
    expect(new Set(before.map((r) => r.type.split(":").pop()))).toEqual(
      new Set([
        "LocalProvisioningService",
        "IndividualEnrollment",
        "EnrollmentGroup",
        "EnrollmentSet",
        "EnrollmentLedger",
      ]),
    );
    for (const r of before) expect(storedProviderForm(String(r.outputs?.__provider))).toBe("name");

    for (const [from, to] of MOVES) rewriteImports(program.dir, from, to);
    expect(fs.readFileSync(path.join(program.dir, "dynamic-providers.js"), "utf8")).toContain(
      "./components/dps-enrollments/batch/set-provider",
    );

    const sent = requests();
    const preview = JSON.parse(await program.pulumi(["preview", "--json"])) as {
      changeSummary: Record<string, number>;
    };
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    const upped = await program.up({ onOutput: program.onOutput });
    expect(Object.keys(upped.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(requests() - sent).toBe(0);
    const after = await dynamicResources();
    const providers = (resources: StoredResource[]) =>
      resources
        .map((r) => [r.urn, r.inputs?.__provider, r.outputs?.__provider])
        .sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(providers(after)).toEqual(providers(before));
  });

  it("then refreshes, deploys an edit and destroys through the moved providers", async () => {
    await program.refresh({ onOutput: program.onOutput });
    program.writeManifest("single.yaml", MANIFESTS["single.yaml"].replace("fleet: before", "fleet: after"));
    const edited = await program.up({ onOutput: program.onOutput });
    expect(edited.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(Object.keys(edited.summary.resourceChanges ?? {}).sort()).toEqual(["same", "update"]);
    const twin = (await serviceClientFor(emulator).getIndividualEnrollment("moved-single-1")).responseBody
      .initialTwin as { tags?: Record<string, unknown> };
    expect(twin.tags?.fleet).toBe("after");

    await program.destroy({ onOutput: program.onOutput });
    const sdk = serviceClientFor(emulator);
    const held = (read: Promise<unknown>) =>
      read.then(
        () => true,
        () => false,
      );
    for (const id of ["moved-meter-1", "moved-meter-2", "moved-single-1"])
      expect(await held(sdk.getIndividualEnrollment(id)), id).toBe(false);
    expect(await held(sdk.getEnrollmentGroup("moved-group"))).toBe(false);
    expect(emulator.inspect.settings().linkedHubs).toEqual([]); // the local DPS's delete ran
  });
});
