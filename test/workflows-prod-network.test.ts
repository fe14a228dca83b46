// Prod's DPS admits its service API only from the pipeline's fixed egress address
// (Pulumi.prod.yaml: an Accept rule for it, then a Reject of every other address), so every
// pipeline job that runs Pulumi against prod must run where that address is: the self-hosted
// runner labelled `dps-prod` (components/platform/README.md, "Prod pipeline network").
// GitHub-hosted runners have changing addresses and would be locked out. This test reads the
// committed workflows and config and fails when they disagree.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const PROD_RUNNER_LABELS = ["self-hosted", "linux", "dps-prod"];

interface Job {
  "runs-on"?: string | string[];
  steps?: { run?: string }[];
}
interface DpsNetwork {
  publicNetworkAccess?: string;
  ipFilterRules?: { name: string; ipMask: string; action: string; target?: string }[];
}

/** Labels a job runs on when its stack is prod; `runs-on` is a literal or the one prod/other switch. */
function prodRunsOn(runsOn: Job["runs-on"]): string[] | undefined {
  if (Array.isArray(runsOn)) return runsOn;
  if (typeof runsOn !== "string") return undefined;
  const sw = /^\$\{\{ (?:inputs|matrix)\.stack == 'prod' && fromJSON\('(\[.*\])'\) \|\| '([^']+)' \}\}$/.exec(
    runsOn,
  );
  if (sw) return JSON.parse(sw[1]!) as string[];
  return runsOn.includes("${{") ? undefined : [runsOn];
}

function ipv4(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}
function inRange(address: string, mask: string): boolean {
  const [base, bits = "32"] = mask.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base!) / size);
}

/** Whether a caller from `address` reaches the DPS service API (first matching rule wins; none: accepted). */
function serviceApiAdmits(dps: DpsNetwork, address: string): boolean {
  if ((dps.publicNetworkAccess ?? "Enabled") === "Disabled") return false;
  const rule = (dps.ipFilterRules ?? []).find(
    (r) => (r.target ?? "all") !== "deviceApi" && inRange(address, r.ipMask),
  );
  return rule === undefined || rule.action === "Accept";
}

/** Disagreements between the prod config's service-API access and the runners of the jobs that run Pulumi. */
function prodNetworkProblems(
  workflows: Record<string, { jobs: Record<string, Job> }>,
  dps: DpsNetwork,
): string[] {
  // An address of GitHub's hosted runners (they change; any of them is refused when one is).
  const hostedRunnerAddress = "4.175.114.51";
  const restricted = !serviceApiAdmits(dps, hostedRunnerAddress);
  const problems: string[] = [];
  for (const [file, workflow] of Object.entries(workflows)) {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const runsPulumi = (job.steps ?? []).some((s) =>
        /^\s*pulumi (up|preview|refresh|destroy|import)\b/m.test(s.run ?? ""),
      );
      if (!runsPulumi) continue;
      const labels = prodRunsOn(job["runs-on"]);
      if (!labels)
        problems.push(
          `${file} job ${name}: runs-on ${JSON.stringify(job["runs-on"])} is not a runner or the prod/other switch`,
        );
      else if (restricted && !PROD_RUNNER_LABELS.every((l) => labels.includes(l))) {
        problems.push(
          `${file} job ${name}: runs prod on ${JSON.stringify(labels)}, but prod's DPS service API admits only the pipeline's fixed egress: use ${JSON.stringify(PROD_RUNNER_LABELS)}`,
        );
      }
    }
  }
  if (restricted) {
    const egress = (dps.ipFilterRules ?? []).find((r) => r.name === "pipeline-egress");
    if (!egress || !serviceApiAdmits(dps, egress.ipMask.split("/")[0]!))
      problems.push("Pulumi.prod.yaml: no pipeline-egress rule admitting the prod runner to the service API");
  }
  return problems;
}

function committedWorkflows(): Record<string, { jobs: Record<string, Job> }> {
  const dir = path.join(ROOT, ".github", "workflows");
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .map((file) => [
        file,
        parse(fs.readFileSync(path.join(dir, file), "utf8")) as { jobs: Record<string, Job> },
      ]),
  );
}
function committedProdDps(): DpsNetwork {
  return (
    parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, DpsNetwork>;
    }
  ).config["dps-as-code:dps"]!;
}

describe("prod's pipeline reaches prod's DPS", () => {
  it("the committed workflows run every Pulumi job for prod where the prod config admits it", () => {
    expect(serviceApiAdmits(committedProdDps(), "4.175.114.51")).toBe(false);
    expect(prodNetworkProblems(committedWorkflows(), committedProdDps())).toEqual([]);
  });

  it("reports a prod job on a GitHub-hosted runner when the service API is restricted", () => {
    const workflows = {
      "x.yml": {
        jobs: {
          up: { "runs-on": "ubuntu-latest", steps: [{ run: 'pulumi up --stack "${{ inputs.stack }}"' }] },
        },
      },
    };
    expect(prodNetworkProblems(workflows, committedProdDps())).toEqual([
      'x.yml job up: runs prod on ["ubuntu-latest"], but prod\'s DPS service API admits only the pipeline\'s fixed egress: use ["self-hosted","linux","dps-prod"]',
    ]);
    // With the service API open to everyone, a hosted runner is fine.
    expect(prodNetworkProblems(workflows, { ipFilterRules: [] })).toEqual([]);
  });

  it("reports a restricted service API without the pipeline's egress rule", () => {
    const closed = {
      ipFilterRules: [{ name: "deny", ipMask: "0.0.0.0/0", action: "Reject", target: "serviceApi" }],
    };
    expect(prodNetworkProblems({}, closed)).toEqual([
      "Pulumi.prod.yaml: no pipeline-egress rule admitting the prod runner to the service API",
    ]);
  });
});
