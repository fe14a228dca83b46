/**
 * Resolves the operations a killed `pulumi up` or `destroy` left pending in a stack's state, so
 * that no later command carries or warns about them (`npm run resolve-pending -- --stack <stack>`;
 * `npm run unlock-stale` runs it after removing the dead run's lock; the deploy workflow runs it
 * after `npm run clear-dead-locks`). Run it only when no `pulumi` runs on the stack. Decisions: ./pending-plan.ts.
 *
 * 1. Pending updates, deletes (and reads, imports) of resources still in the state: a targeted
 *    `pulumi refresh` reads them back from DPS (an enrollment a killed destroy had deleted leaves
 *    the state, one a killed update had written is recorded as written), and the snapshot it writes
 *    drops those operations, as every Pulumi write does.
 * 2. Pending creates: each enrollment (or set) is looked up on DPS; this stack's are taken into the
 *    state with their ids, the rest cleared; written with `pulumi stack import`.
 * 3. What step 2 took in is read from DPS by a targeted `pulumi refresh` (keys, ETag).
 * A stack with a pending create of any other type (an Azure resource) is left as it is: whether
 * that create happened is not for this tool to guess, and `stack import` would drop it.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeEnrollment, type DpsConnection } from "@dps-as-code/contract";
import type { DpsClient } from "../../components/dps-client/client";
import { ownershipFor } from "./dps-owners";
import {
  decideCreate,
  resolvedDeployment,
  revealed,
  subjectOf,
  takenResource,
  unreadResources,
  type CreateDecision,
  type ExportedResource,
  type StackExport,
} from "./pending-plan";
import { findLocks } from "./locks";
import { fileBackendDir } from "./torn-sidecars";

/** Runs `pulumi <args> --stack <stack> --non-interactive` and returns its stdout. */
export type Pulumi = (args: string[]) => Promise<string>;

export function pulumiFor(stack: string, cwd: string = process.cwd(), env = process.env): Pulumi {
  return (args) =>
    new Promise((resolve, reject) =>
      execFile(
        "pulumi",
        [...args, "--stack", stack, "--non-interactive"],
        { cwd, env, maxBuffer: 512 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`pulumi ${args[0]} ${args[1] ?? ""} failed: ${stderr.trim()}`))
            : resolve(stdout),
      ),
    );
}

const VERB: Record<string, string> = {
  creating: "create",
  updating: "update",
  deleting: "delete",
  reading: "read",
  importing: "import",
};

function named(resource: ExportedResource): string {
  const subject = subjectOf(resource);
  if (subject.what === "enrollment") return describeEnrollment(subject.kind, subject.id);
  if (subject.what === "set") return `enrollment set ${subject.shard}`;
  return resource.urn;
}

async function exported(pulumi: Pulumi, showSecrets = false): Promise<StackExport> {
  return JSON.parse(
    await pulumi(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]),
  ) as StackExport;
}

async function refresh(pulumi: Pulumi, urns: string[]): Promise<void> {
  await pulumi(["refresh", "--yes", "--skip-preview", ...urns.flatMap((urn) => ["--target", urn])]);
}

/** Resolves every pending operation it can; returns false when one is left (said in `say`). */
export async function resolvePending(pulumi: Pulumi, say: (line: string) => void): Promise<boolean> {
  let state = await exported(pulumi);
  const pending = state.deployment.pending_operations ?? [];
  if (pending.length === 0 && unreadResources(state.deployment).length === 0) {
    say("no pending operation");
    return true;
  }
  const others = pending.filter((op) => op.type !== "creating");
  const inState = new Set((state.deployment.resources ?? []).map((r) => r.urn));

  // Decide the creates first (no change yet): one that cannot be decided stops everything.
  let decisions: { decision: CreateDecision; taken?: ExportedResource }[] = [];
  if (pending.some((op) => op.type === "creating")) {
    decisions = await decideCreates(pulumi);
    const unknown = decisions.filter(({ decision }) => decision.action === "unknown");
    if (unknown.length > 0) {
      for (const { decision } of unknown) say(`${decision.note}; left pending`);
      say(
        "state left unchanged: check on its provider whether each create above happened, then resolve it with Pulumi's interactive refresh",
      );
      return false;
    }
  }

  const refreshed = [...new Set(others.map((op) => op.resource.urn))].filter((urn) => inState.has(urn));
  for (const op of others)
    say(
      `pending ${VERB[op.type] ?? op.type} of ${named(op.resource)}: cleared${inState.has(op.resource.urn) ? "; read back from DPS" : ""}`,
    );
  if (refreshed.length > 0) {
    await refresh(pulumi, refreshed);
    state = await exported(pulumi);
  }

  if ((state.deployment.pending_operations ?? []).length > 0) {
    for (const { decision } of decisions) say(decision.note);
    const taken = decisions.flatMap(({ taken }) => (taken ? [taken] : []));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "resolve-pending-")), "state.json");
    try {
      // Written as exported, secrets still encrypted, readable by this user only.
      fs.writeFileSync(
        file,
        JSON.stringify({ ...state, deployment: resolvedDeployment(state.deployment, taken) }),
        {
          mode: 0o600,
        },
      );
      await pulumi(["stack", "import", "--file", file]);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
    state = await exported(pulumi);
  }

  const unread = unreadResources(state.deployment);
  if (unread.length > 0) {
    await refresh(
      pulumi,
      unread.map((r) => r.urn),
    );
    say(`read from DPS: ${unread.map(named).join(", ")}`);
    state = await exported(pulumi);
  }
  const left = state.deployment.pending_operations ?? [];
  say(left.length === 0 ? "no pending operation left" : `${left.length} pending operation(s) left`);
  return left.length === 0;
}

/** A decision per pending create, from the decrypted export (kept in memory) and DPS. */
async function decideCreates(
  pulumi: Pulumi,
): Promise<{ decision: CreateDecision; taken?: ExportedResource }[]> {
  const encrypted = await exported(pulumi);
  const decrypted = await exported(pulumi, true);
  const clients = new Map<string, DpsClient>();
  const plain = (decrypted.deployment.pending_operations ?? []).filter((op) => op.type === "creating");
  const sealed = new Map(
    (encrypted.deployment.pending_operations ?? [])
      .filter((op) => op.type === "creating")
      .map((op) => [op.resource.urn, op.resource]),
  );
  const result: { decision: CreateDecision; taken?: ExportedResource }[] = [];
  for (const op of plain) {
    // Held in memory only: the connection and the keys of the decrypted inputs are never printed.
    const inputs = revealed(op.resource.inputs ?? {}) as Record<string, unknown>;
    const subject = subjectOf({ ...op.resource, inputs });
    const connection = inputs.dps as DpsConnection | undefined;
    const ownership =
      (subject.what === "enrollment" || subject.what === "set") && connection
        ? await ownershipFor(subject, connection, clients)
        : () => ({ present: false }) as const;
    let decision = decideCreate(op.resource, subject, ownership);
    const encryptedResource = sealed.get(op.resource.urn);
    const taken = encryptedResource && takenResource(encryptedResource, decision);
    if (decision.action === "take" && !taken) {
      decision = {
        action: "clear",
        urn: decision.urn,
        note: `pending create of ${named(op.resource)}: its entries are encrypted in the state; cleared (the next up takes this stack's enrollments over by their owner marker)`,
      };
    }
    result.push({ decision, ...(taken ? { taken } : {}) });
  }
  return result;
}

function main(argv: string[]): Promise<number> | number {
  const at = argv.findIndex((a) => a === "--stack" || a === "-s");
  const stack = at >= 0 ? argv[at + 1] : undefined;
  if (!stack) {
    process.stderr.write("usage: npm run resolve-pending -- --stack <stack>\n");
    return 2;
  }
  const backendDir = fileBackendDir(process.env.PULUMI_BACKEND_URL ?? "");
  if (backendDir !== undefined && findLocks(backendDir, stack).length > 0) {
    process.stderr.write(
      `stack ${stack} is locked: a pulumi is running on it, or one was killed (then: npm run unlock-stale -- --stack ${stack})\n`,
    );
    return 1;
  }
  return runResolve(stack);
}

/** The shared ending of resolve-pending and unlock-stale: resolve, print, exit code. */
export async function runResolve(stack: string): Promise<number> {
  try {
    return (await resolvePending(pulumiFor(stack), (line) => process.stdout.write(`${line}\n`))) ? 0 : 1;
  } catch (error) {
    process.stderr.write(`pending operations of stack ${stack}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module)
  void Promise.resolve(main(process.argv.slice(2))).then((code) => process.exit(code));
