// Every file (or folder) under test/fixtures/bad-manifests is one broken manifest set. Its
// `# expect:` header lines are the exact problems the loader must report (positions count
// the header lines too), and loading it must not touch the network.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadEnrollmentManifestTexts, ManifestValidationError } from "../../components/manifests";
import { CORPUS_OPTIONS } from "../support/manifest-options";

const corpus = path.resolve(__dirname, "../fixtures/bad-manifests");

function caseFiles(name: string): string[] {
  const full = path.join(corpus, name);
  return fs.statSync(full).isDirectory()
    ? fs.readdirSync(full).filter((f) => f.endsWith(".yaml")).sort().map((f) => path.join(full, f))
    : [full];
}

function expectedLines(files: string[]): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("# expect: "))
      .map((l) => l.slice("# expect: ".length)),
  );
}

const cases = fs.readdirSync(corpus).filter((n) => n !== "README.md").sort();

describe("bad-manifest corpus", () => {
  let connect: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    connect = vi.spyOn(net.Socket.prototype, "connect");
  });
  afterAll(() => {
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });

  it("holds at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("%s is rejected with exactly its expected problems", (name) => {
    const files = caseFiles(name);
    const expected = expectedLines(files);
    expect(expected.length, "the case declares its expected problems").toBeGreaterThan(0);
    let error: unknown;
    try {
      loadEnrollmentManifestTexts(
        files.map((file) => ({ file, text: fs.readFileSync(file, "utf8") })),
        CORPUS_OPTIONS,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestValidationError);
    // Paths in messages are absolute where the loader resolved them: show them from the repository root.
    const repo = path.resolve(__dirname, "..", "..");
    const lines = (error as ManifestValidationError).lines.map((l) => l.split(`${corpus}/`).join("").split(repo).join("<repo>"));
    expect(lines).toEqual(expected);
  });
});
