/**
 * Run under plain node (ts-node), not vitest: serialises the enrollment provider exactly as
 * `pulumi.dynamic.Resource` does, loads the text back the way the dynamic-provider host does
 * (require-from-string from the program directory), and calls its pure methods. Prints one JSON
 * line with the outcome. Used by serialization.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { createEnrollmentProvider } from "../../components/enrollments/provider";

async function main(): Promise<void> {
  const result: Record<string, unknown> = {};
  for (const kind of ["individual", "group"] as const) {
    const provider = createEnrollmentProvider(kind);
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const requireFromString = require("require-from-string");
    const loaded = requireFromString(serialized.text).handler();
    const idField = kind === "individual" ? "registrationId" : "enrollmentGroupId";
    const check = await loaded.check({}, { [idField]: "bad id!", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "localhost:1", useEntraId: true } });
    // A DPS error thrown from the serialised code keeps its message (a serialised Error subclass
    // lost it). Nothing listens on port 1: connection refused until the 1 s budget is spent.
    process.env.DPS_RETRY_BUDGET_SECONDS = "1";
    const probe = { [idField]: "probe", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "127.0.0.1:1", connectionString: "HostName=127.0.0.1:1;SharedAccessKeyName=p;SharedAccessKey=cHJvYmUta2V5LXByb2Jl" } };
    const errorMessage = await loaded.read("probe", probe).then(
      () => "no error",
      (error: Error) => `${error.name}: ${error.message}`,
    );
    const diff = await loaded.diff("x", { [idField]: "a", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "h" } }, { [idField]: "b", attestation: { type: "symmetricKey" }, dps: { serviceEndpoint: "h" } });
    result[kind] = {
      bytes: serialized.text.length,
      containsSecrets: serialized.containsSecrets,
      methods: Object.keys(loaded).sort(),
      checkFailures: check.failures.map((f: { property: string }) => f.property),
      replaces: diff.replaces,
      errorMessage,
      requiresSdkAtTopLevel: /^\s*(const|var|let)\s+\S+\s*=\s*require\("azure-iot/m.test(serialized.text),
    };
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error) }) + "\n");
  process.exit(1);
});
