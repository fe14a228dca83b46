// The advice as `npm run validate-manifests -- --stack <stack>` prints it after the manifests
// pass: the stack's environment picks the settings (policy/config/<environment>.json), and the
// stack's CA certificates let X.509 advice name a caReference. The stack is what the one offline
// reader found (components/config/stack-file.ts).
import type { StackFile } from "../config/stack-file";
import { manifestHubName } from "../fleet/hub-names";
import type { LoadedManifests } from "../manifests";
import { adviseManifests, formatAdvice, loadEnrollmentChoiceConfig } from "./index";

/**
 * Suggestions of each kind (groups to make, marked groups to retire) printed for a person; the
 * rest are counted. A large fleet's advice is unbounded (about 700 suggestions at 10,000
 * entries, 3.3 MB at 100,000): each suggestion is a move of its own (a plan of pull requests), so
 * nobody acts on more than a few at once, and ten, with their group entries, fit a screen or two.
 * A pull request report cut to fit shows ten too. Per kind, so a thousand groups to make never
 * hide a marked group that must be retired.
 */
export const PRINTED_SUGGESTIONS = 10;
/**
 * Registration ids printed per suggestion: enough to recognise the devices (two or three
 * terminal lines); a group of thousands would otherwise be a line of a hundred kilobytes, twice
 * (the list and the move command).
 */
export const PRINTED_IDS = 20;

const KINDS = [
  { direction: "individuals-to-group", more: "groups that would replace shared individual enrollments" },
  { direction: "group-to-individuals", more: "marked groups to enroll individually" },
] as const;

/**
 * The advice text. `all` is the command that prints everything (as a person pastes it): given,
 * the text is cut to PRINTED_SUGGESTIONS suggestions of each kind with PRINTED_IDS ids each, and
 * says where it cut and how to get the rest; absent, every suggestion, id and command is printed.
 */
export function stackAdviceText(
  stack: StackFile,
  stackName: string,
  repositoryRoot: string,
  loaded: LoadedManifests,
  all?: string,
): string {
  const { environment } = stack;
  const advice = adviseManifests(
    loaded,
    loadEnrollmentChoiceConfig(repositoryRoot, environment),
    stack.dps.caCertificates,
  );
  if (advice.length === 0) return "individual or group: no advice\n";
  const fullAdvice = `the full advice (${all})`;
  const cuts = KINDS.map(({ direction, more }) => {
    const ofKind = advice.filter((item) => item.direction === direction);
    const shown = all === undefined ? ofKind : ofKind.slice(0, PRINTED_SUGGESTIONS);
    return { shown, more: ofKind.length - shown.length, what: more };
  });
  const shown = cuts.flatMap((cut) => cut.shown);
  const lines = formatAdvice(
    shown,
    // Hubs as the manifests write them: on the local target the loader resolved keys to host names.
    manifestHubName(stack),
    stackName,
    all === undefined ? undefined : { ids: PRINTED_IDS, fullReport: fullAdvice },
  );
  const source = `advice, policy/config/${environment}.json`;
  return [
    shown.length < advice.length
      ? `individual or group (${source}; ${shown.length} of ${advice.length} suggestions shown):`
      : `individual or group (${source}):`,
    ...lines.map((l) => `- ${l}`),
    ...cuts
      .filter((cut) => cut.more > 0)
      .map((cut) => `... and ${cut.more} more ${cut.what}, in ${fullAdvice}`),
  ]
    .map((l) => `${l}\n`)
    .join("");
}
