import { execFile } from "node:child_process";
import * as path from "node:path";
import { providerReference, UNKNOWN_VALUE } from "@dps-as-code/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  localProvisioningServiceProvider as provider,
  type LocalProvisioningServiceInputs,
  type LocalProvisioningServiceOutputs,
} from "../../components/platform/local-provisioning-service";
import { LOCAL_DPS_STORED_FORMS } from "../../components/platform/local/stored-forms";
import type { RunningEmulator } from "../../emulator";
import { makeCertificate } from "../../testkit/certificates";
import { adminRequest } from "../../testkit/admin-client";
import { startTestEmulator } from "../../testkit/emulator";

// The provider is driven directly, as Pulumi's dynamic-provider host would call it, against a
// real emulator started in-process; the emulator's own view of its settings is the oracle.
let emulator: RunningEmulator;
let inputs: LocalProvisioningServiceInputs;
const PROVIDER_PROP = { __provider: "the stored provider reference (ignored by the methods)" };

/** A successful admin API call's body (the oracle: the emulator's own view, not the provider's client). */
async function admin(method: "GET" | "PUT", path: string, body?: unknown): Promise<unknown> {
  const res = await adminRequest(emulator, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  emulator = await startTestEmulator();
  inputs = {
    serviceHost: emulator.serviceHost,
    connectionString: emulator.connectionString,
    trustedCaCertificate: emulator.caCertPem,
    allocationPolicy: "geoLatency",
    linkedHubs: [
      {
        hostName: "dpsac-local-weu.azure-devices.net",
        location: "westeurope",
        allocationWeight: 600,
        applyAllocationPolicy: true,
      },
      {
        hostName: "dpsac-local-neu.azure-devices.net",
        location: "northeurope",
        allocationWeight: 400,
        applyAllocationPolicy: true,
      },
    ],
    caCertificates: [
      {
        name: "fleet-root",
        certificate: makeCertificate({ commonName: "fleet root", isCa: true }).certificatePem,
        isVerified: true,
      },
    ],
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
    const res = await admin("GET", "/admin/certificates");
    expect(JSON.stringify(res)).toContain("fleet-root");
  });

  it("read returns the live settings, so refresh sees drift", async () => {
    const drifted = { allocationPolicy: "hashed", linkedHubs: [inputs.linkedHubs[0]] };
    await admin("PUT", "/admin/config", drifted);
    const read = await provider.read!(created.id, { ...created.outs, ...PROVIDER_PROP });
    expect(read.props?.allocationPolicy).toBe("hashed");
    expect(read.props?.linkedHubs).toEqual([inputs.linkedHubs[0]]);
    expect(read.inputs?.linkedHubs).toEqual([inputs.linkedHubs[0]]);
  });

  it("diff asks for an update when hubs change and a replacement when the emulator moves", async () => {
    const fewer = { ...inputs, linkedHubs: [inputs.linkedHubs[1]!] };
    expect(await provider.diff!(created.id, created.outs, fewer)).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await provider.diff!(created.id, created.outs, inputs)).toMatchObject({
      changes: false,
      replaces: [],
    });
    expect(
      await provider.diff!(created.id, created.outs, { ...inputs, serviceHost: "localhost:1" }),
    ).toMatchObject({ changes: true, replaces: ["serviceHost"] });
  });

  it("update writes the new hubs and policy and removes certificates no longer configured", async () => {
    const next = {
      ...inputs,
      allocationPolicy: "hashed" as const,
      linkedHubs: [{ ...inputs.linkedHubs[1]!, allocationWeight: 5 }],
      caCertificates: [],
    };
    const updated = await provider.update!(created.id, created.outs, { ...next, ...PROVIDER_PROP });
    expect(updated.outs?.idScope).toBe(emulator.idScope);
    expect(emulator.inspect.settings().allocationPolicy).toBe("hashed");
    expect(emulator.inspect.settings().linkedHubs).toEqual([
      { ...inputs.linkedHubs[1], allocationWeight: 5 },
    ]);
    expect(JSON.stringify(await admin("GET", "/admin/certificates"))).not.toContain("fleet-root");
    created = { id: created.id, outs: updated.outs as LocalProvisioningServiceOutputs };
  });

  it("delete unlinks every hub", async () => {
    await provider.delete!(created.id, { ...created.outs, ...PROVIDER_PROP });
    expect(emulator.inspect.settings().linkedHubs).toEqual([]);
  });

  it("fails with the emulator's message, naming the operation and request, on a rejected config", async () => {
    const bad = {
      ...inputs,
      linkedHubs: [{ ...inputs.linkedHubs[0]!, allocationWeight: 0 }],
      caCertificates: [],
    };
    await expect(provider.create!(bad)).rejects.toThrow(
      new RegExp(
        `^LocalProvisioningService create: PUT /admin/config on ${emulator.serviceHost} failed with HTTP 400: .*allocationWeight`,
      ),
    );
  });

  it("fails without revealing the key when the key is wrong", async () => {
    const wrongKey = emulator.connectionString.replace(
      /SharedAccessKey=[^;]+/,
      "SharedAccessKey=d3Jvbmcta2V5LXdyb25nLWtleQ==",
    );
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

  it("loads by its stable name in a plain node process in the project directory, as the provider host does, and configures the emulator", async () => {
    // The host evaluates `__provider` with require-from-string and no file name
    // (@pulumi/pulumi cmd/dynamic-provider/index.js); nothing registers TypeScript before it.
    const script = `
const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
(async () => {
  const hookBefore = require.extensions[".ts"] !== undefined;
  const provider = requireFromString(process.env.STUB).handler();
  const inputs = JSON.parse(process.env.INPUTS);
  const created = await provider.create(inputs);
  await provider.delete(created.id, created.outs);
  process.stdout.write(JSON.stringify({ hookBefore, methods: Object.keys(provider).sort(), idScope: created.outs.idScope }) + "\\n");
})().catch((error) => { process.stdout.write(JSON.stringify({ error: String((error && error.stack) || error) }) + "\\n"); process.exit(1); });
`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["-e", script],
        {
          cwd: path.resolve(__dirname, "../.."),
          env: {
            ...process.env,
            STUB: providerReference("LocalProvisioningService"),
            INPUTS: JSON.stringify({ ...inputs, caCertificates: [] }),
          },
        },
        (error, out) => (error ? reject(Object.assign(error, { stdout: out })) : resolve(out)),
      ),
    );
    expect(JSON.parse(stdout.trim().split("\n").pop() ?? "{}")).toEqual({
      hookBefore: false,
      methods: ["check", "create", "delete", "diff", "read", "update"],
      idScope: emulator.idScope,
    });
    expect(emulator.inspect.settings().linkedHubs).toEqual([]);
  });

  it("sees no change when only the stored provider differs (the code older versions stored, stored-forms.ts)", async () => {
    for (const form of LOCAL_DPS_STORED_FORMS) {
      const olds = { ...inputs, idScope: emulator.idScope, [form.field]: form.example };
      const news = { ...inputs, __provider: providerReference("LocalProvisioningService") };
      expect(await provider.diff!(created.id, olds, news), form.writtenBy).toMatchObject({ changes: false });
    }
  });

  it("check reports bad inputs by property and lets preview's unknowns through", async () => {
    const result = await provider.check!(inputs, {
      ...inputs,
      serviceHost: "localhost",
      allocationPolicy: "custom" as never,
      connectionString: "HostName=x",
    });
    expect(result.failures).toEqual([
      { property: "serviceHost", reason: '"localhost" is not host:port (e.g. "localhost:8443")' },
      {
        property: "connectionString",
        reason: "must be a service connection string with SharedAccessKeyName and SharedAccessKey",
      },
      { property: "allocationPolicy", reason: '"custom" is not allowed; allowed hashed, geoLatency, static' },
    ]);
    const unknown = UNKNOWN_VALUE;
    expect((await provider.check!(inputs, { ...inputs, linkedHubs: unknown as never })).failures).toEqual([]);
  });
});
