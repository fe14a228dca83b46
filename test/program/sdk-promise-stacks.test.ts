// components/sdk-promise-stacks.ts: the stack traces the SDK records for its promises are formatted
// without source maps; every other trace keeps the formatter the program had.
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { plainPromiseStacks, plainStack } from "../../components/sdk-promise-stacks";

const sdkRoot = path.dirname(createRequire(__filename).resolve("@pulumi/pulumi/package.json"));
type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;
/** Error.prepareStackTrace, which Node's types declare always set (it is not, by default). */
const formatting = Error as { prepareStackTrace?: Formatter };
const original = formatting.prepareStackTrace;
afterEach(() => {
  formatting.prepareStackTrace = original;
});

// Named as the SDK's recorder is: the formatter tells the traces apart by the frame that made the Error.
function debuggablePromise(): string | undefined {
  return new Error().stack;
}
function somewhereElse(): string | undefined {
  return new Error("boom").stack;
}

describe("plainPromiseStacks", () => {
  it("formats the promise records plainly and passes every other trace to the formatter in place, once", () => {
    const mapped: string[] = [];
    const sourceMapped = (error: Error, frames: NodeJS.CallSite[]) => {
      mapped.push(frames[0]?.getFunctionName() ?? "");
      return `mapped: ${String(error)}`;
    };
    Error.prepareStackTrace = sourceMapped;
    plainPromiseStacks();
    const installed = Error.prepareStackTrace;
    plainPromiseStacks();
    expect(Error.prepareStackTrace).toBe(installed);

    const record = debuggablePromise();
    expect(record).toMatch(/^Error\n {4}at debuggablePromise \(.*sdk-promise-stacks\.test\.ts:\d+:\d+\)/);
    expect(somewhereElse()).toBe("mapped: Error: boom");
    expect(mapped).toEqual(["somewhereElse"]);
  });

  it("leaves a program without a formatter alone", () => {
    formatting.prepareStackTrace = undefined;
    plainPromiseStacks();
    expect(formatting.prepareStackTrace).toBeUndefined();
  });

  it("formats as V8 does by default", () => {
    const make = () => new Error("x");
    const traces: (string | undefined)[] = [];
    for (const formatter of [undefined, plainStack]) {
      formatting.prepareStackTrace = formatter;
      traces.push(make().stack); // the same line for both: the same frames
    }
    expect(traces[1]).toBe(traces[0]);
  });

  it("relies on the SDK recording each promise's trace in debuggablePromise, with source-map-support installed", () => {
    // If an SDK upgrade renames the recorder, its traces would be source-mapped again (slower, not wrong).
    const debuggable = fs.readFileSync(path.join(sdkRoot, "runtime", "debuggable.js"), "utf8");
    expect(debuggable).toContain("function debuggablePromise(p, ctx) {");
    expect(debuggable).toContain(
      'Object.defineProperty(p, "_debugStackTrace", { writable: true, value: new Error().stack });',
    );
    const run = fs.readFileSync(path.join(sdkRoot, "cmd", "run", "index.js"), "utf8");
    expect(run).toContain('require("source-map-support/register");');
  });
});
