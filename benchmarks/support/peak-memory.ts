// Peak resident memory of the Pulumi program (the Node process running the user's program)
// and of the dynamic provider process, sampled from /proc while a command runs. Only processes
// whose working directory is the given program folder count (other jobs share the machine).
import * as fs from "node:fs";

export interface PeakMemory {
  programMiB: number;
  providerMiB: number;
  /** The Pulumi CLI (engine) process and its Go plugins (language host). */
  engineMiB: number;
  /** This process (the benchmark with its in-process emulator). */
  selfMiB: number;
}

/** Resident memory of a process now, in MiB (VmRSS in /proc). */
export function residentMiB(pid: number | string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

export function samplePeakMemory(programDir: string, intervalMs = 250): { stop(): PeakMemory } {
  const peak: PeakMemory = { programMiB: 0, providerMiB: 0, engineMiB: 0, selfMiB: 0 };
  const sample = () => {
    peak.selfMiB = Math.max(peak.selfMiB, process.memoryUsage().rss / 1024 / 1024);
    for (const pid of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readlinkSync(`/proc/${pid}/cwd`) !== programDir) continue;
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        const rss = residentMiB(pid);
        if (cmd.includes("pulumi-language-nodejs") || !cmd.includes("node")) {
          if (cmd.includes("pulumi")) peak.engineMiB = Math.max(peak.engineMiB, rss);
          continue;
        }
        if (cmd.includes("dynamic-provider")) peak.providerMiB = Math.max(peak.providerMiB, rss);
        else if (cmd.includes("cmd/run") || cmd.includes("run.js"))
          peak.programMiB = Math.max(peak.programMiB, rss);
      } catch {
        // The process ended between listing and reading.
      }
    }
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return {
        programMiB: Math.round(peak.programMiB),
        providerMiB: Math.round(peak.providerMiB),
        engineMiB: Math.round(peak.engineMiB),
        selfMiB: Math.round(peak.selfMiB),
      };
    },
  };
}
