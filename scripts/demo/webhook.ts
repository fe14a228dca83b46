// A custom allocation webhook as an Azure Function would implement it: DPS POSTs the
// AllocationRequest, the webhook answers with the hub (and an initial twin). This one sends
// lab sensors whose id contains "-north-" to the North Europe hub, the others to West Europe.
import * as https from "node:https";
import type { KeyAndCertificate } from "../../emulator/certificates";

export interface RunningWebhook {
  readonly url: string;
  readonly calls: number;
  stop(): Promise<void>;
}

interface AllocationRequest {
  deviceRuntimeContext?: { registrationId?: string };
  linkedHubs?: string[];
}

export function chooseLabHub(registrationId: string, linkedHubs: readonly string[]): string | undefined {
  const north = linkedHubs.find((hub) => hub.includes("-neu"));
  const west = linkedHubs.find((hub) => hub.includes("-weu"));
  return registrationId.includes("-north-") ? (north ?? linkedHubs[0]) : (west ?? linkedHubs[0]);
}

export async function startAllocationWebhook(tls: KeyAndCertificate, port: number): Promise<RunningWebhook> {
  let calls = 0;
  const server = https.createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      calls++;
      let request: AllocationRequest;
      try {
        request = JSON.parse(body) as AllocationRequest;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const registrationId = request.deviceRuntimeContext?.registrationId ?? "";
      const hub = chooseLabHub(registrationId, request.linkedHubs ?? []);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ iotHubHostName: hub, initialTwin: { tags: { allocatedBy: "lab-webhook" } } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    // Like an Azure Functions URL, it carries a key: the stack keeps it as a secret.
    url: `https://localhost:${port}/api/allocate?code=demo-function-key`,
    get calls() {
      return calls;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
