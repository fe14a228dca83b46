// The advice as `npm run validate-manifests -- --stack <stack>` prints it after the manifests
// pass: the stack's environment picks the settings (policy/config/<environment>.json), and the
// stack's CA certificates that can be read offline let X.509 advice name a caReference.
import * as fs from "node:fs";
import { parse } from "yaml";
import type { LoadedManifests } from "../manifests";
import { adviseManifests, formatAdvice, loadEnrollmentChoiceConfig } from "./index";

export function stackAdviceText(stackFile: string, repositoryRoot: string, loaded: LoadedManifests): string {
  const config = ((parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)
    ?.config ?? {}) as Record<string, unknown>;
  const environment = config["dps-as-code:environment"];
  if (typeof environment !== "string") return "";
  const declared =
    (
      config["dps-as-code:dps"] as
        { caCertificates?: Record<string, { certificate?: string; certificatePath?: string }> } | undefined
    )?.caCertificates ?? {};
  const cas = Object.entries(declared).flatMap(([name, value]) => {
    const certificate =
      value?.certificate ??
      (value?.certificatePath && fs.existsSync(value.certificatePath)
        ? fs.readFileSync(value.certificatePath, "utf8")
        : undefined);
    return certificate ? [{ name, certificate }] : [];
  });
  // Offline, hub keys stand in for host names ("weu.hub-key"): print them as the manifests write them.
  const lines = formatAdvice(
    adviseManifests(loaded, loadEnrollmentChoiceConfig(repositoryRoot, environment), cas),
  ).map((l) => l.replace(/\.hub-key\b/g, ""));
  return lines.length === 0
    ? "individual or group: no advice\n"
    : `individual or group (advice, policy/config/${environment}.json):\n${lines.map((l) => `- ${l}`).join("\n")}\n`;
}
