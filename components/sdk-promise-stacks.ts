// The Pulumi SDK records a stack trace for every promise it makes, to name leaked promises when
// the program exits (@pulumi/pulumi 3.x, runtime/debuggable.js, debuggablePromise: `new
// Error().stack`, printed only in that leak message). Reading `.stack` formats the trace at once,
// and the SDK's program entry installs source-map-support (cmd/run/index.js), which maps each frame
// through the files' source maps: about 0.3 s of a small program's 2.6 s of CPU in each preview or
// up, for a few hundred traces nobody reads (CPU profile: benchmarks/README.md, "The program's
// fixed cost"). Those traces are formatted here without source maps; every other stack (errors,
// the resource positions the SDK sends to the engine) keeps source-map-support's formatting.

/** The frame that marks a trace as the SDK's promise record: the function that made the Error. */
const PROMISE_RECORDER = "debuggablePromise";
const PLAIN = Symbol.for("dps-as-code.plainPromiseStacks");

type PrepareStackTrace = NonNullable<typeof Error.prepareStackTrace> & { [PLAIN]?: true };

/** A trace as V8 formats it by default, without any source map. */
export function plainStack(error: Error, frames: readonly NodeJS.CallSite[]): string {
  return [String(error), ...frames.map((frame) => `    at ${frame.toString()}`)].join("\n");
}

/** Formats the SDK's promise records without source maps (see above). Idempotent. */
export function plainPromiseStacks(): void {
  const current = Error.prepareStackTrace as PrepareStackTrace | undefined;
  if (current === undefined || current[PLAIN]) return;
  const prepare: PrepareStackTrace = (error, frames) =>
    frames[0]?.getFunctionName() === PROMISE_RECORDER ? plainStack(error, frames) : current(error, frames);
  prepare[PLAIN] = true;
  Error.prepareStackTrace = prepare;
}
