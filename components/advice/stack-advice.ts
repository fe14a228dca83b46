// The advice as `npm run validate-manifests -- --stack <stack>` prints it after the manifests
// pass: the stack's environment picks the settings (policy/config/<environment>.json), and the
// stack's CA certificates let X.509 advice name a caReference. The stack is what the one offline
// reader found (components/config/stack-file.ts).
import type { StackFile } from "../config/stack-file";
import { manifestHubName } from "../fleet/hub-names";
import type { LoadedManifests } from "../manifests";
import { adviseManifests, formatAdvice, loadEnrollmentChoiceConfig } from "./index";

export function stackAdviceText(
  stack: StackFile,
  stackName: string,
  repositoryRoot: string,
  loaded: LoadedManifests,
): string {
  const { environment } = stack;
  const lines = formatAdvice(
    adviseManifests(
      loaded,
      loadEnrollmentChoiceConfig(repositoryRoot, environment),
      stack.dps.caCertificates,
    ),
    // Hubs as the manifests write them: on the local target the loader resolved keys to host names.
    manifestHubName(stack),
    stackName,
  );
  return lines.length === 0
    ? "individual or group: no advice\n"
    : `individual or group (advice, policy/config/${environment}.json):\n${lines.map((l) => `- ${l}`).join("\n")}\n`;
}
