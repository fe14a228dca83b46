import * as pulumi from "@pulumi/pulumi";
// The rule files themselves, not the index: the provider is serialised with what it reaches.
import { missingConnectionStringFields, parseConnectionString } from "../dps-rules/connection-string";
import { DPS_ALLOCATION_POLICIES, type DpsAllocationPolicy as AllocationPolicy } from "../dps-rules/vocabulary";

/**
 * The local target's DPS: the same allocation policy, linked hubs and CA certificates the
 * Azure target would configure, written to the DPS emulator through its admin API
 * (`PUT /admin/config`, `PUT|DELETE /admin/certificates/{name}`; see notes/contracts.md).
 *
 * It is a dynamic resource so a local stack needs no provider plugin besides Pulumi's own.
 * Pulumi serialises the provider object below into state and runs it in a separate process,
 * so: every module is `require`d inside a function, the functions capture nothing but each
 * other and constants, and the connection string arrives as a secret input, never captured.
 */

export interface LocalLinkedHub {
  /** `<name>-<hubKey>.azure-devices.net`: deterministic, so enrollments can name it. */
  readonly hostName: string;
  readonly location: string;
  readonly allocationWeight: number;
  readonly applyAllocationPolicy: boolean;
}

export interface LocalCaCertificate {
  readonly name: string;
  readonly certificate: string;
  readonly isVerified: boolean;
}

/** Resource arguments (what the program passes). */
export interface LocalProvisioningServiceArgs {
  /** `host:port` of the emulator (changing it replaces the resource). */
  readonly serviceHost: pulumi.Input<string>;
  /** Service connection string with the `ServiceConfig` right; pass a secret. */
  readonly connectionString: pulumi.Input<string>;
  /** PEM of the emulator's CA, trusted for this connection only. */
  readonly trustedCaCertificate: pulumi.Input<string>;
  readonly allocationPolicy: pulumi.Input<AllocationPolicy>;
  readonly linkedHubs: pulumi.Input<pulumi.Input<LocalLinkedHub>[]>;
  readonly caCertificates: pulumi.Input<pulumi.Input<LocalCaCertificate>[]>;
}

/** What the provider receives, all values resolved. */
export interface LocalProvisioningServiceInputs {
  serviceHost: string;
  connectionString: string;
  trustedCaCertificate: string;
  allocationPolicy: AllocationPolicy;
  linkedHubs: LocalLinkedHub[];
  caCertificates: LocalCaCertificate[];
}

/** What the provider stores; `connectionString` stays (delete and read need it) as a secret. */
export interface LocalProvisioningServiceOutputs extends LocalProvisioningServiceInputs {
  idScope: string;
}

interface AdminResponse {
  status: number;
  body: unknown;
}

const UNKNOWN_DURING_PREVIEW = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Fields whose change reconfigures the emulator in place. */
const UPDATABLE_FIELDS = ["allocationPolicy", "linkedHubs", "caCertificates", "connectionString", "trustedCaCertificate"] as const;

/**
 * Calls the emulator's admin API with a service SAS token signed like the Node service SDK
 * signs one (raw host name as `sr`), over TLS trusting only the given CA.
 */
async function adminRequest(
  target: Pick<LocalProvisioningServiceInputs, "serviceHost" | "connectionString" | "trustedCaCertificate">,
  operation: string,
  method: "GET" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<AdminResponse> {
  const https: typeof import("node:https") = require("node:https");
  const crypto: typeof import("node:crypto") = require("node:crypto");

  const { HostName: hostName, SharedAccessKeyName: keyName, SharedAccessKey: key } = parseConnectionString(target.connectionString);
  if (!hostName || !keyName || !key) {
    // Never echo the connection string: it holds the key.
    throw new Error(`LocalProvisioningService ${operation}: the emulator connection string must have HostName, SharedAccessKeyName and SharedAccessKey (check dps-as-code:emulatorConnectionString)`);
  }
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const signature = crypto.createHmac("sha256", Buffer.from(key, "base64")).update(`${hostName}\n${expiry}`).digest("base64");
  const authorization = `SharedAccessSignature sr=${hostName}&sig=${encodeURIComponent(signature)}&skn=${encodeURIComponent(keyName)}&se=${expiry}`;

  const sep = target.serviceHost.lastIndexOf(":");
  const host = target.serviceHost.slice(0, sep);
  const port = Number(target.serviceHost.slice(sep + 1));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const where = `${method} ${path} on ${target.serviceHost}`;

  return new Promise<AdminResponse>((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        servername: host,
        method,
        path,
        ca: target.trustedCaCertificate,
        headers: {
          Authorization: authorization,
          Accept: "application/json",
          ...(payload === undefined ? {} : { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(payload) }),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out after 30 s")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const e = new Error(`LocalProvisioningService ${operation}: cannot reach the DPS emulator (${where}): ${err.code ?? err.message}. Start it (npm run emulator) and set dps-as-code:emulator to its serviceHost and caCertPath.`) as NodeJS.ErrnoException;
      e.code = err.code;
      reject(e);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Throws a message with the operation, request, status and the emulator's DPS-shaped error. */
function expectSuccess(operation: string, method: string, path: string, serviceHost: string, res: AdminResponse, allowed: number[] = []): void {
  if ((res.status >= 200 && res.status < 300) || allowed.includes(res.status)) return;
  const b = (typeof res.body === "object" && res.body !== null ? res.body : {}) as { errorCode?: unknown; message?: unknown };
  const detail = b.message !== undefined ? `${String(b.errorCode ?? "")} ${String(b.message)}`.trim() : String(res.body ?? "").slice(0, 500);
  throw new Error(`LocalProvisioningService ${operation}: ${method} ${path} on ${serviceHost} failed with HTTP ${res.status}: ${detail}`);
}

/** PUT /admin/config with the DPS-level settings; returns the id scope the emulator reports. */
async function putConfig(inputs: LocalProvisioningServiceInputs, operation: string): Promise<string> {
  const body = {
    allocationPolicy: inputs.allocationPolicy,
    linkedHubs: inputs.linkedHubs.map((h) => ({
      hostName: h.hostName,
      location: h.location,
      allocationWeight: h.allocationWeight,
      applyAllocationPolicy: h.applyAllocationPolicy,
    })),
  };
  const res = await adminRequest(inputs, operation, "PUT", "/admin/config", body);
  expectSuccess(operation, "PUT", "/admin/config", inputs.serviceHost, res);
  const idScope = (res.body as { idScope?: unknown } | undefined)?.idScope;
  if (typeof idScope !== "string" || idScope === "") {
    throw new Error(`LocalProvisioningService ${operation}: PUT /admin/config on ${inputs.serviceHost} returned no idScope`);
  }
  return idScope;
}

/** Uploads `wanted` certificates and removes those in `previous` that are no longer wanted. */
async function syncCertificates(inputs: LocalProvisioningServiceInputs, previous: readonly LocalCaCertificate[], operation: string): Promise<void> {
  for (const cert of inputs.caCertificates) {
    const path = `/admin/certificates/${encodeURIComponent(cert.name)}`;
    const res = await adminRequest(inputs, operation, "PUT", path, { certificate: cert.certificate, isVerified: cert.isVerified });
    expectSuccess(operation, "PUT", path, inputs.serviceHost, res);
  }
  const wanted = new Set(inputs.caCertificates.map((c) => c.name));
  for (const cert of previous) {
    if (wanted.has(cert.name)) continue;
    const path = `/admin/certificates/${encodeURIComponent(cert.name)}`;
    const res = await adminRequest(inputs, operation, "DELETE", path);
    expectSuccess(operation, "DELETE", path, inputs.serviceHost, res, [404]);
  }
}

/** Keeps only the resource's own fields (the host adds `__provider`). */
function ownInputs(props: LocalProvisioningServiceInputs): LocalProvisioningServiceInputs {
  return {
    serviceHost: props.serviceHost,
    connectionString: props.connectionString,
    trustedCaCertificate: props.trustedCaCertificate,
    allocationPolicy: props.allocationPolicy,
    linkedHubs: (props.linkedHubs ?? []).map((h) => ({
      hostName: h.hostName,
      location: h.location,
      allocationWeight: h.allocationWeight,
      applyAllocationPolicy: h.applyAllocationPolicy,
    })),
    caCertificates: (props.caCertificates ?? []).map((c) => ({ name: c.name, certificate: c.certificate, isVerified: c.isVerified })),
  };
}

function checkInputs(news: Partial<LocalProvisioningServiceInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== UNKNOWN_DURING_PREVIEW;
  if (known(news.serviceHost) && !(typeof news.serviceHost === "string" && /^[A-Za-z0-9.-]+:\d{1,5}$/.test(news.serviceHost))) {
    failures.push({ property: "serviceHost", reason: `${JSON.stringify(news.serviceHost)} is not host:port (e.g. "localhost:8443")` });
  }
  if (known(news.connectionString) && !(typeof news.connectionString === "string" && !missingConnectionStringFields(news.connectionString).some((f) => f !== "HostName"))) {
    failures.push({ property: "connectionString", reason: "must be a service connection string with SharedAccessKeyName and SharedAccessKey" });
  }
  if (known(news.trustedCaCertificate) && !(typeof news.trustedCaCertificate === "string" && news.trustedCaCertificate.includes("-----BEGIN CERTIFICATE-----"))) {
    failures.push({ property: "trustedCaCertificate", reason: "must be a PEM certificate (the emulator's CA)" });
  }
  if (known(news.allocationPolicy) && !(DPS_ALLOCATION_POLICIES as readonly unknown[]).includes(news.allocationPolicy)) {
    failures.push({ property: "allocationPolicy", reason: `${JSON.stringify(news.allocationPolicy)} is not allowed; allowed ${DPS_ALLOCATION_POLICIES.join(", ")}` });
  }
  if (known(news.linkedHubs) && !Array.isArray(news.linkedHubs)) failures.push({ property: "linkedHubs", reason: "must be a list" });
  if (known(news.caCertificates) && !Array.isArray(news.caCertificates)) failures.push({ property: "caCertificates", reason: "must be a list" });
  return failures;
}

/** The dynamic provider; exported so tests can drive it without the engine. */
export const localProvisioningServiceProvider: pulumi.dynamic.ResourceProvider<LocalProvisioningServiceInputs, LocalProvisioningServiceOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkInputs(news) };
  },

  async diff(_id, olds, news) {
    // A different emulator is a different DPS.
    const replaces = olds.serviceHost !== news.serviceHost ? ["serviceHost"] : [];
    const changed = UPDATABLE_FIELDS.filter((f) => JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
    return { changes: replaces.length > 0 || changed.length > 0, replaces, stables: ["idScope"] };
  },

  async create(props) {
    const inputs = ownInputs(props);
    const idScope = await putConfig(inputs, "create");
    await syncCertificates(inputs, [], "create");
    return { id: `${inputs.serviceHost}/${idScope}`, outs: { ...inputs, idScope } };
  },

  async read(id, props) {
    if (!props) {
      throw new Error(`LocalProvisioningService read ${id}: no stored state; import is not supported (the resource is created from stack config)`);
    }
    const inputs = ownInputs(props);
    const res = await adminRequest(inputs, "read", "GET", "/admin/config");
    expectSuccess("read", "GET", "/admin/config", inputs.serviceHost, res);
    const live = res.body as { idScope: string; allocationPolicy: AllocationPolicy; linkedHubs?: LocalLinkedHub[] };
    const current: LocalProvisioningServiceOutputs = {
      ...inputs,
      allocationPolicy: live.allocationPolicy,
      linkedHubs: ownInputs({ ...inputs, linkedHubs: live.linkedHubs ?? [] }).linkedHubs,
      idScope: live.idScope,
    };
    // `inputs` lets refresh report drift against the program (Pulumi types them as outputs).
    return { id, props: current, inputs: ownInputs(current) as LocalProvisioningServiceOutputs };
  },

  async update(_id, olds, news) {
    const inputs = ownInputs(news);
    const idScope = await putConfig(inputs, "update");
    await syncCertificates(inputs, olds.caCertificates ?? [], "update");
    return { outs: { ...inputs, idScope } };
  },

  async delete(_id, props) {
    const inputs = ownInputs(props);
    try {
      await putConfig({ ...inputs, allocationPolicy: "hashed", linkedHubs: [] }, "delete");
      await syncCertificates({ ...inputs, caCertificates: [] }, inputs.caCertificates, "delete");
    } catch (err) {
      // An emulator that is no longer running has no live configuration left to remove;
      // refusing to delete would only block `pulumi destroy` of a local stack.
      if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") return;
      throw err;
    }
  },
};

/**
 * Dynamic resource `pulumi-nodejs:dynamic/dps:LocalProvisioningService`: the emulator's
 * DPS-level configuration. Creates no azure-native or random resources.
 */
export class LocalProvisioningService extends pulumi.dynamic.Resource {
  // `declare`: with ES2022 class fields an initialised field would overwrite what super() set.
  declare public readonly serviceHost: pulumi.Output<string>;
  declare public readonly connectionString: pulumi.Output<string>;
  declare public readonly trustedCaCertificate: pulumi.Output<string>;
  declare public readonly allocationPolicy: pulumi.Output<AllocationPolicy>;
  declare public readonly linkedHubs: pulumi.Output<LocalLinkedHub[]>;
  declare public readonly caCertificates: pulumi.Output<LocalCaCertificate[]>;
  declare public readonly idScope: pulumi.Output<string>;

  constructor(name: string, args: LocalProvisioningServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      localProvisioningServiceProvider,
      name,
      { ...args, connectionString: pulumi.secret(args.connectionString), idScope: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionString"] }),
      "dps",
      "LocalProvisioningService",
    );
  }
}
