// The dynamic-provider processes running in a folder (Linux /proc): what a killed `pulumi` may
// leave behind.
import * as fs from "node:fs";

export function providerProcessesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("dynamic-provider")) continue;
      if (fs.realpathSync(`/proc/${entry}/cwd`) === fs.realpathSync(dir)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no provider process runs in `dir`; returns the pids still running at the deadline. */
export async function providersLeftAfter(dir: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = providerProcessesIn(dir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = providerProcessesIn(dir);
  }
  return left;
}
