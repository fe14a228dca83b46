// The architecture file (.dependency-cruiser.cjs) catches the breaks it is there for: each case
// writes a tiny tree with one forbidden import and runs dependency-cruiser's CLI on it with the
// project's rules, as `npm run lint:architecture` runs it on the repository.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../testkit/find-engine";

const trees: string[] = [];
afterAll(() => trees.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Writes `files` (path -> source) into a fresh tree with the project's rules, and cruises it. */
function cruise(files: Record<string, string>): Promise<{ exitCode: number; output: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-architecture-"));
  trees.push(dir);
  for (const [file, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  fs.copyFileSync(
    path.join(projectRoot, ".dependency-cruiser.cjs"),
    path.join(dir, ".dependency-cruiser.cjs"),
  );
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "commonjs" } }),
  );
  const roots = [...new Set(Object.keys(files).map((file) => file.split("/")[0]!))];
  return new Promise((resolve) =>
    execFile(
      path.join(projectRoot, "node_modules", ".bin", "depcruise"),
      ["--config", ".dependency-cruiser.cjs", ...roots],
      { cwd: dir },
      (error, stdout, stderr) =>
        resolve({ exitCode: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  );
}

describe("the architecture rules", () => {
  it("accept a tree where every part imports what it may", async () => {
    const { exitCode, output } = await cruise({
      "contract/index.ts": `export const RULE = 1;\n`,
      "components/enrollments/provider.ts": `import { RULE } from "../../contract/index";\nexport const provider = RULE;\n`,
      "components/platform/dps.ts": `import { RULE } from "../../contract/index";\nexport const dps = RULE;\n`,
      "policy/policies/rule.ts": `import { RULE } from "../../contract/index";\nexport const policy = RULE;\n`,
      "scripts/tool.ts": `import { provider } from "../components/enrollments/provider";\nexport const tool = provider;\n`,
    });
    expect(output).not.toMatch(/error /);
    expect(exitCode).toBe(0);
  });

  it.each([
    {
      rule: "platform-knows-nothing-of-the-enrollments",
      from: "components/platform/local/admin-client.ts",
      source: `import { provider } from "../../enrollments/provider";\nexport const x = provider;\n`,
    },
    {
      rule: "contract-is-pure",
      from: "contract/rules.ts",
      source: `import { provider } from "../components/enrollments/provider";\nexport const x = provider;\n`,
    },
    {
      rule: "policy-pack-imports-only-the-contract",
      from: "policy/policies/rule.ts",
      source: `import { provider } from "../../components/enrollments/provider";\nexport const x = provider;\n`,
    },
    {
      rule: "emulator-imports-nothing-of-the-product",
      from: "emulator/handler.ts",
      source: `import { provider } from "../components/enrollments/provider";\nexport const x = provider;\n`,
    },
    {
      rule: "libraries-never-import-tools",
      from: "components/fleet/index.ts",
      source: `import { tool } from "../../scripts/tool";\nexport const x = tool;\n`,
    },
  ])("refuse $rule: $from", async ({ rule, from, source }) => {
    const { exitCode, output } = await cruise({
      "components/enrollments/provider.ts": `export const provider = 1;\n`,
      "scripts/tool.ts": `export const tool = 1;\n`,
      [from]: source,
    });
    expect(exitCode).not.toBe(0);
    expect(output).toContain(`error ${rule}: ${from} →`);
  });
});
