// Policy violations are not part of `pulumi preview --json` (the JSON digest skips policy
// events), so the pipeline also writes the engine event log (`--event-log FILE`) and the report
// reads the policy events from it.

export interface PolicyViolation {
  readonly urn: string;
  readonly policyName: string;
  readonly enforcementLevel: string;
  readonly message: string;
}

/** Reads `policyEvent`s from an engine event log (one JSON object per line). */
export function parsePolicyEvents(text: string): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let event: { policyEvent?: Record<string, unknown> };
    try {
      event = JSON.parse(line) as { policyEvent?: Record<string, unknown> };
    } catch {
      continue; // a truncated last line while the engine was still writing
    }
    const p = event.policyEvent;
    if (!p) continue;
    out.push({
      urn: String(p["resourceUrn"] ?? ""),
      policyName: String(p["policyName"] ?? "unknown policy"),
      enforcementLevel: String(p["enforcementLevel"] ?? "advisory"),
      message: String(p["message"] ?? "").trim(),
    });
  }
  return out;
}
