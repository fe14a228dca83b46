// Every file (or folder) under test/fixtures/bad-manifests is one broken manifest set, run through
// `validate-manifests` exactly as a user runs it (the command's function, in-process) against a
// fixture stack. Its `# expect:` header lines are the exact problems it must print (positions
// count the header lines too); `# stack: <name>` picks the fixture stack (default `corpus`,
// test/fixtures/stacks); `# class: <name>` files it under a class of mistake for the figures.
//
// Beyond the exact lines, every case must keep the contract for bad input: exit code 1; each
// problem names file, line and column, and what is allowed, and an enrollment's problems name
// its field; no stack trace; no secret of the input echoed; output bounded; answered in
// seconds; nothing sent over the network.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { secretLook } from "../../components/manifests/secret-like";
import { runValidateManifests } from "../../scripts/validate-manifests/command";

const repo = path.resolve(__dirname, "..", "..");
const corpus = path.resolve(__dirname, "../fixtures/bad-manifests");
const stacksDir = path.resolve(__dirname, "../fixtures/stacks");

/** Bounds of the contract. */
const MAX_OUTPUT_BYTES = 16 * 1024;
const MAX_LINE_LENGTH = 1200;
const MAX_SECONDS = 5;

function caseFiles(name: string): string[] {
  const full = path.join(corpus, name);
  return fs.statSync(full).isDirectory()
    ? fs
        .readdirSync(full)
        .filter((f) => /\.ya?ml$/.test(f) && fs.statSync(path.join(full, f)).isFile())
        .sort()
        .map((f) => path.join(full, f))
    : [full];
}

function headers(files: string[], name: string): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(f, "latin1")
      .replace(/\0/g, "") // a UTF-16 case keeps its headers readable
      .split("\n")
      .filter((l) => l.startsWith(`# ${name}: `))
      .map((l) => l.slice(`# ${name}: `.length).trimEnd()),
  );
}

/** Values in the input that look like secrets: none of them may appear in the output. */
function secretsIn(files: string[]): string[] {
  const text = files.map((f) => fs.readFileSync(f, "latin1")).join("\n");
  const tokens = text.match(/[A-Za-z0-9+/=_:.?&%~-]{20,}/g) ?? [];
  return [...new Set(tokens.filter((t) => secretLook(t) !== undefined)), ...headers(files, "secret")];
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

function validate(name: string, stack: string): Run {
  let stdout = "";
  let stderr = "";
  const started = process.hrtime.bigint();
  const code = runValidateManifests([path.join(corpus, name), "--stack", stack], {
    cwd: repo,
    stacksDir,
    env: {},
    now: new Date("2025-06-01T00:00:00Z"),
    pathVariables: { FIXTURES: path.resolve(__dirname, "../fixtures") },
    write: (stream, text) => (stream === "stdout" ? (stdout += text) : (stderr += text)),
  });
  return { code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The problem lines, with paths shown from the corpus folder (or `<repo>`). */
function problemLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("  "))
    .map((l) => l.slice(2).split(`${corpus}/`).join("").split(repo).join("<repo>"));
}

const cases = fs
  .readdirSync(corpus)
  .filter((n) => n !== "README.md")
  .sort();

describe("bad-manifest corpus, through validate-manifests", () => {
  let connect: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    connect = vi.spyOn(net.Socket.prototype, "connect");
  });
  afterAll(() => {
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });

  it("holds at least 80 cases, each filed under a class", () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    const unfiled = cases.filter((name) => headers(caseFiles(name), "class").length === 0);
    expect(unfiled).toEqual([]);
  });

  it.each(cases)("%s is refused with exactly its expected problems, within the contract", (name) => {
    const files = caseFiles(name);
    const expected = headers(files, "expect");
    expect(expected.length, "the case declares its expected problems").toBeGreaterThan(0);
    const run = validate(name, headers(files, "stack")[0] ?? "corpus");

    expect(problemLines(run.stderr)).toEqual(expected);
    // The contract.
    const output = run.stdout + run.stderr;
    expect(run.code, "non-zero exit").toBe(1);
    expect(run.stderr).toMatch(/^enrollment manifests have \d+ problems?; nothing was sent to DPS:\n/);
    for (const line of problemLines(run.stderr)) {
      if (line.startsWith("... and ")) continue;
      expect(line, "file, line and column").toMatch(/^[^:]+:\d+:\d+: /);
      expect(line, "what is allowed").toMatch(/; allowed: \S/);
      if (/: enrollment (group )?'/.test(line))
        expect(line, "the enrollment's field").toMatch(/: field '[^']+'/);
    }
    expect(output, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+\)?\n|internal error/);
    for (const secret of secretsIn(files)) expect(output, "no secret echoed").not.toContain(secret);
    expect(Buffer.byteLength(output), "output bounded").toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    for (const line of output.split("\n"))
      expect(line.length, "line bounded").toBeLessThanOrEqual(MAX_LINE_LENGTH);
    expect(run.seconds, "answered in seconds").toBeLessThan(MAX_SECONDS);
  });
});
