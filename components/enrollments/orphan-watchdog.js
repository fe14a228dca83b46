// Ends a provider process whose `pulumi` is gone. The engine starts each provider plugin in a
// process group of its own, so a SIGKILL of the CLI and its group (a cancelled pipeline, a dead
// runner, `kill -9`) leaves the provider running, idle and reparented, for good: the engine that
// would have stopped it is gone (seen here: three ~130 MB node processes per killed run, on a
// self-hosted runner they pile up). Plain JavaScript, loaded by typescript-loader.js, which the
// provider entry (dynamic-providers.js) runs first in the provider process.
//
// The provider's parent is the `pulumi` CLI, or a wrapper shell script the CLI started (Pulumi's
// own `pulumi-resource-pulumi-nodejs` runs node without exec; ours execs). The watchdog exits when
// that parent changes, or, under a wrapper shell, when the shell's parent does. Nothing else is
// read as the CLI's death: a false alarm would end a provider in the middle of an apply.
"use strict";
const fs = require("node:fs");

const SHELLS = new Set(["sh", "dash", "bash", "ash", "zsh", "busybox"]);

/** A process's parent pid and command name from /proc (Linux), or undefined elsewhere. */
function processInfo(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { command: stat.slice(open + 1, close), parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Starts the watchdog once per process (later calls do nothing). */
exports.exitWhenOrphaned = function exitWhenOrphaned(intervalMs = 2000) {
  const slot = Symbol.for("dps-as-code.orphanWatchdog");
  if (globalThis[slot]) return;
  globalThis[slot] = true;
  const parent = process.ppid;
  const parentInfo = processInfo(parent);
  const wrapperParent = parentInfo && SHELLS.has(parentInfo.command) ? parentInfo.parent : undefined;
  // Started after its `pulumi` was already killed: Linux handed the orphan (or its wrapper shell) to
  // pid 1 before this line ran, so there is no parent left to watch change. Pid 1 is the CLI only in
  // a container whose entry point is `pulumi` itself. (An orphan handed to a subreaper that is not
  // pid 1, such as `systemd --user`, is not seen here.)
  const init = processInfo(1);
  if ((wrapperParent ?? parent) === 1 && init !== undefined && init.command !== "pulumi") process.exit(0);
  const orphaned = () => {
    if (process.ppid !== parent) return true;
    if (wrapperParent === undefined) return false;
    const now = processInfo(parent);
    return now === undefined || now.parent !== wrapperParent;
  };
  const timer = setInterval(() => {
    if (orphaned()) process.exit(0);
  }, intervalMs);
  timer.unref();
};
