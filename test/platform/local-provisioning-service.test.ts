import * as pulumi from "@pulumi/pulumi";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  localProvisioningServiceProvider as provider,
  type LocalProvisioningServiceInputs,
  type LocalProvisioningServiceOutputs,
} from "../../components/platform/local-provisioning-service";
import { silentLogger, startEmulator, type RunningEmulator } from "../../emulator";

// The provider is driven directly, as Pulumi's dynamic-provider host would call it, against a
// real emulator started in-process; the emulator's own view of its settings is the oracle.
let emulator: RunningEmulator;
let inputs: LocalProvisioningServiceInputs;
const PROVIDER_PROP = { __provider: "serialised provider (ignored by the methods)" };

/** A self-signed CA certificate, as a fleet's root would be. */
function caCertificate(commonName: string): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: "commonName", value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: "basicConstraints", cA: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

beforeAll(async () => {
  emulator = await startEmulator({ ephemeral: true, logger: silentLogger });
  inputs = {
    serviceHost: emulator.serviceHost,
    connectionString: emulator.connectionString,
    trustedCaCertificate: emulator.caCertPem,
    allocationPolicy: "geoLatency",
    linkedHubs: [
      { hostName: "dpsac-local-weu.azure-devices.net", location: "westeurope", allocationWeight: 600, applyAllocationPolicy: true },
      { hostName: "dpsac-local-neu.azure-devices.net", location: "northeurope", allocationWeight: 400, applyAllocationPolicy: true },
    ],
    caCertificates: [{ name: "fleet-root", certificate: caCertificate("fleet root"), isVerified: true }],
  };
});

afterAll(async () => {
  await emulator?.stop();
});

describe("LocalProvisioningService provider against the emulator", () => {
  let created: { id: string; outs: LocalProvisioningServiceOutputs };

  it("create sets the allocation policy and linked hubs and reports the emulator's id scope", async () => {
    created = (await provider.create!({ ...inputs, ...PROVIDER_PROP })) as typeof created;
    expect(created.outs.idScope).toBe(emulator.idScope);
    expect(created.id).toBe(`${emulator.serviceHost}/${emulator.idScope}`);
    expect(emulator.inspect.settings()).toEqual({
      idScope: emulator.idScope,
      allocationPolicy: "geoLatency",
      linkedHubs: inputs.linkedHubs,
    });
  });

  it("create uploads the CA certificates", async () => {
    const res = await fetchAdmin("/admin/certificates");
    expect(JSON.stringify(res)).toContain("fleet-root");
  });

  it("read returns the live settings, so refresh sees drift", async () => {
    const drifted = { allocationPolicy: "hashed", linkedHubs: [inputs.linkedHubs[0]] };
    await putAdmin("/admin/config", drifted);
    const read = await provider.read!(created.id, { ...created.outs, ...PROVIDER_PROP });
    expect(read.props?.allocationPolicy).toBe("hashed");
    expect(read.props?.linkedHubs).toEqual([inputs.linkedHubs[0]]);
    expect(read.inputs?.linkedHubs).toEqual([inputs.linkedHubs[0]]);
  });

  it("diff asks for an update when hubs change and a replacement when the emulator moves", async () => {
    const fewer = { ...inputs, linkedHubs: [inputs.linkedHubs[1]!] };
    expect(await provider.diff!(created.id, created.outs, fewer)).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!(created.id, created.outs, inputs)).toMatchObject({ changes: false, replaces: [] });
    expect(await provider.diff!(created.id, created.outs, { ...inputs, serviceHost: "localhost:1" })).toMatchObject({ changes: true, replaces: ["serviceHost"] });
  });

  it("update writes the new hubs and policy and removes certificates no longer configured", async () => {
    const next = { ...inputs, allocationPolicy: "hashed" as const, linkedHubs: [{ ...inputs.linkedHubs[1]!, allocationWeight: 5 }], caCertificates: [] };
    const updated = await provider.update!(created.id, created.outs, { ...next, ...PROVIDER_PROP });
    expect(updated.outs?.idScope).toBe(emulator.idScope);
    expect(emulator.inspect.settings().allocationPolicy).toBe("hashed");
    expect(emulator.inspect.settings().linkedHubs).toEqual([{ ...inputs.linkedHubs[1], allocationWeight: 5 }]);
    expect(JSON.stringify(await fetchAdmin("/admin/certificates"))).not.toContain("fleet-root");
    created = { id: created.id, outs: updated.outs as LocalProvisioningServiceOutputs };
  });

  it("delete unlinks every hub", async () => {
    await provider.delete!(created.id, { ...created.outs, ...PROVIDER_PROP });
    expect(emulator.inspect.settings().linkedHubs).toEqual([]);
  });

  it("fails with the emulator's message, naming the operation and request, on a rejected config", async () => {
    const bad = { ...inputs, linkedHubs: [{ ...inputs.linkedHubs[0]!, allocationWeight: 0 }], caCertificates: [] };
    await expect(provider.create!(bad)).rejects.toThrow(
      new RegExp(`^LocalProvisioningService create: PUT /admin/config on ${emulator.serviceHost} failed with HTTP 400: .*allocationWeight`),
    );
  });

  it("fails without revealing the key when the key is wrong", async () => {
    const wrongKey = emulator.connectionString.replace(/SharedAccessKey=[^;]+/, "SharedAccessKey=d3Jvbmcta2V5LXdyb25nLWtleQ==");
    const err = await provider.create!({ ...inputs, connectionString: wrongKey }).catch((e: Error) => e);
    expect(String(err)).toMatch(/failed with HTTP 401/);
    expect(String(err)).not.toContain("d3Jvbmcta2V5");
  });

  it("says how to start the emulator when nothing listens, and delete then succeeds", async () => {
    const gone = { ...inputs, serviceHost: "localhost:1" };
    await expect(provider.create!(gone)).rejects.toThrow(
      "LocalProvisioningService create: cannot reach the DPS emulator (PUT /admin/config on localhost:1): ECONNREFUSED. Start it (npm run emulator) and set dps-as-code:emulator to its serviceHost and caCertPath.",
    );
    await expect(provider.delete!("localhost:1/x", { ...gone, idScope: "x" })).resolves.toBeUndefined();
  });

  it("serialises into a self-contained closure that works when revived, as the provider host does", async () => {
    const { text, containsSecrets } = await pulumi.runtime.serializeFunction(() => provider);
    expect(containsSecrets).toBe(false);
    const mod = { exports: {} as { handler: () => typeof provider } };
    new Function("module", "exports", "require", text)(mod, mod.exports, require);
    const revived = mod.exports.handler();
    const result = await revived.create!({ ...inputs, caCertificates: [] });
    expect(result.outs?.idScope).toBe(emulator.idScope);
    expect(emulator.inspect.settings().linkedHubs).toEqual(inputs.linkedHubs);
    await revived.delete!(result.id, result.outs!);
    expect(emulator.inspect.settings().linkedHubs).toEqual([]);
  });

  it("check reports bad inputs by property and lets preview's unknowns through", async () => {
    const result = await provider.check!(inputs, { ...inputs, serviceHost: "localhost", allocationPolicy: "custom" as never, connectionString: "HostName=x" });
    expect(result.failures).toEqual([
      { property: "serviceHost", reason: '"localhost" is not host:port (e.g. "localhost:8443")' },
      { property: "connectionString", reason: "must be a service connection string with SharedAccessKeyName and SharedAccessKey" },
      { property: "allocationPolicy", reason: '"custom" is not allowed; allowed hashed, geoLatency, static' },
    ]);
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect((await provider.check!(inputs, { ...inputs, linkedHubs: unknown as never })).failures).toEqual([]);
  });
});

/** GET on the admin API with the owner policy, through the provider's own client path. */
async function fetchAdmin(path: string): Promise<unknown> {
  return adminCall("GET", path);
}

async function putAdmin(path: string, body: unknown): Promise<unknown> {
  return adminCall("PUT", path, body);
}

async function adminCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const https = await import("node:https");
  const crypto = await import("node:crypto");
  const cs = Object.fromEntries(emulator.connectionString.split(";").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const se = Math.floor(Date.now() / 1000) + 600;
  const sig = crypto.createHmac("sha256", Buffer.from(cs.SharedAccessKey!, "base64")).update(`${cs.HostName}\n${se}`).digest("base64");
  const auth = `SharedAccessSignature sr=${cs.HostName}&sig=${encodeURIComponent(sig)}&skn=${cs.SharedAccessKeyName}&se=${se}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "localhost", port: emulator.port, method, path, ca: emulator.caCertPem, headers: { Authorization: auth, "Content-Type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => (res.statusCode! < 300 ? resolve(text ? JSON.parse(text) : undefined) : reject(new Error(`${res.statusCode} ${text}`))));
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}
