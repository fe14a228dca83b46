// Policy violations are not part of `pulumi preview --json` (the JSON digest skips policy
// events), so the pipeline also writes the engine event log (`--event-log FILE`) and the report
// reads the policy events from it. That log holds far more than policy events: with
// PULUMI_DEBUG_COMMANDS its resource events carry every input and output in clear, keys that DPS
// generated included. So the pipeline keeps only what the report reads (policyEventLog) before
// the file leaves the runner, and the report reads the same shape back.
import { maskSecretText } from "./values";

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
      message: maskSecretText(String(p["message"] ?? "").trim()),
    });
  }
  return out;
}

/**
 * The event log reduced to its policy events, each with only the fields the report reads and
 * its message masked: the file the pipeline uploads in place of the engine's.
 */
export function policyEventLog(text: string): string {
  return parsePolicyEvents(text)
    .map((v) =>
      JSON.stringify({
        policyEvent: {
          resourceUrn: v.urn,
          policyName: v.policyName,
          enforcementLevel: v.enforcementLevel,
          message: v.message,
        },
      }),
    )
    .map((line) => `${line}\n`)
    .join("");
}
