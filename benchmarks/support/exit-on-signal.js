// For `--cpu-prof` runs (benchmarks/noop-preview-before-after.ts): the engine ends a dynamic
// provider process with a signal, and node writes a CPU profile only on a normal exit, so a
// provider process exits through process.exit on SIGINT/SIGTERM/SIGHUP. Other processes are untouched.
"use strict";
if (process.argv.some((arg) => arg.includes("dynamic-provider"))) {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(0));
}
