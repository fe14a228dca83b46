// The parts of `pulumi preview --json` (pkg/display/json.go, PreviewDigest) the report reads.

export interface ResourceState {
  readonly type?: string;
  readonly urn?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: ResourceState | null;
  readonly newState?: ResourceState | null;
  readonly diffReasons?: string[] | null;
  readonly replaceReasons?: string[] | null;
  readonly detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
}

export interface PreviewDigest {
  readonly steps: PreviewStep[];
  readonly diagnostics?: { urn?: string; message: string; severity: string }[];
  readonly changeSummary?: Record<string, number>;
}

/** Parses one preview; the CLI may print warnings before the JSON object, so start at the first "{". */
export function parsePreview(text: string, source: string): PreviewDigest {
  const start = text.indexOf("{");
  let value: unknown;
  try {
    value = JSON.parse(start >= 0 ? text.slice(start) : text);
  } catch (error) {
    throw new Error(`${source}: not the output of \`pulumi preview --json\` (${(error as Error).message})`);
  }
  const steps = (value as { steps?: unknown }).steps;
  if (steps !== undefined && !Array.isArray(steps)) {
    throw new Error(`${source}: "steps" is not a list; expected the output of \`pulumi preview --json\``);
  }
  return { ...(value as PreviewDigest), steps: (steps as PreviewStep[] | undefined) ?? [] };
}

/** `urn:pulumi:dev::dps-as-code::a$b::name` -> `name`; the type is the segment before it. */
export function urnName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

export function urnType(urn: string): string {
  const parts = urn.split("::");
  const chain = parts[2] ?? "";
  return chain.split("$").pop() ?? chain;
}

/**
 * Steps that only read a resource: with `--refresh` the preview first lists a `refresh` step per
 * resource, whose old state is the stored one and whose new state is what the read found (the
 * same inputs again), then the step that changes it, from the refreshed state to the program's
 * goal. The change is that second step's; a read step only stands in when nothing changes.
 */
const READ_OPS = new Set(["refresh", "read", "same"]);

export function statesOf(steps: readonly PreviewStep[]): {
  oldState: ResourceState | undefined;
  newState: ResourceState | undefined;
} {
  const changing = steps.filter((s) => !READ_OPS.has(s.op));
  const pick = (from: readonly PreviewStep[], side: "oldState" | "newState") =>
    from.map((s) => s[side]).find(Boolean) ?? undefined;
  return {
    oldState: pick(changing, "oldState") ?? pick(steps, "oldState"),
    // A read step's new state is what DPS holds now; the goal is the changing step's.
    newState:
      changing.length > 0 ? pick(changing, "newState") : (pick(steps.toReversed(), "newState") ?? undefined),
  };
}
