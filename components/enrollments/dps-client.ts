/**
 * The one place that talks to DPS: Microsoft's `azure-iot-provisioning-service` SDK, wrapped (never
 * patched) with retries, request timeouts, 404-as-absent and readable errors.
 *
 * The SDK passes `HostName` straight to `https.request({ host })`, so `localhost:8443` fails with
 * ENOTFOUND. We therefore always build the SDK's own RestApiClient ourselves (its documented second
 * constructor argument) with an https agent that splits `host:port`, trusts an extra CA when one is
 * given (the emulator), and destroys sockets that stay silent too long (the SDK sets no timeout).
 * Against Azure the agent changes nothing but the timeout.
 *
 * Everything non-local is require()d inside functions: this module is serialised into the dynamic
 * provider by value, and module-scope requires of SDKs break closure serialisation.
 */
import { DpsCallError, describeCallFailure, redact, type DpsOperation } from "./errors";
import { describeEnrollment } from "./kinds";
import { DEFAULT_RETRY_POLICY, realRetryEnvironment, withRetry, RetriesExhaustedError, type RetryEnvironment, type RetryPolicy } from "./retry";
import { parseConnectionString } from "./validation";
import type { DpsConnection, EnrollmentKind } from "./types";

/** Scope of DPS data-plane tokens for Microsoft Entra ID. */
export const DPS_TOKEN_SCOPE = "https://azure-devices-provisioning.net/.default";
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** An enrollment as the service API returns it (only the fields we read are typed). */
export interface DpsEnrollmentRecord {
  registrationId?: string;
  enrollmentGroupId?: string;
  deviceId?: string | null;
  attestation?: DpsAttestationRecord;
  iotHubs?: string[] | null;
  iotHubHostName?: string | null;
  allocationPolicy?: string | null;
  customAllocationDefinition?: { webhookUrl?: string; apiVersion?: string } | null;
  reprovisionPolicy?: { updateHubAssignment?: boolean; migrateDeviceData?: boolean } | null;
  initialTwin?: { tags?: Record<string, unknown>; properties?: { desired?: Record<string, unknown> } } | null;
  capabilities?: { iotEdge?: boolean } | null;
  provisioningStatus?: string | null;
  optionalDeviceInformation?: Record<string, unknown> | null;
  etag?: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
}

interface DpsCertificateRecord {
  certificate?: string | null;
  info?: { sha1Thumbprint?: string; sha256Thumbprint?: string; subjectName?: string; notAfterUtc?: string } | null;
}

export interface DpsAttestationRecord {
  type: string;
  symmetricKey?: { primaryKey?: string; secondaryKey?: string } | null;
  x509?: {
    clientCertificates?: { primary?: DpsCertificateRecord | null; secondary?: DpsCertificateRecord | null } | null;
    signingCertificates?: { primary?: DpsCertificateRecord | null; secondary?: DpsCertificateRecord | null } | null;
    caReferences?: { primary?: string | null; secondary?: string | null } | null;
  } | null;
  tpm?: { endorsementKey?: string; storageRootKey?: string } | null;
}

export interface DpsClientOptions {
  retryPolicy?: RetryPolicy;
  retryEnvironment?: RetryEnvironment;
  requestTimeoutMs?: number;
}

/** Enrollment operations against one DPS; ids are passed per call. */
export interface DpsClient {
  readonly serviceEndpoint: string;
  /** The enrollment, or undefined when DPS answers 404. */
  get(kind: EnrollmentKind, id: string): Promise<DpsEnrollmentRecord | undefined>;
  /** Create (no etag) or update (etag: DPS answers 412 when it no longer matches). */
  put(kind: EnrollmentKind, id: string, body: DpsEnrollmentRecord, etag: string | undefined): Promise<DpsEnrollmentRecord>;
  /** Deletes regardless of etag; "absent" when it was already gone. */
  delete(kind: EnrollmentKind, id: string): Promise<"deleted" | "absent">;
  /** The attestation with its keys (GET hides symmetric keys). */
  getAttestationMechanism(kind: EnrollmentKind, id: string): Promise<DpsAttestationRecord>;
  deleteRegistrationState(registrationId: string): Promise<"deleted" | "absent">;
  /** Registration ids of the devices that registered through a group. */
  listGroupRegistrationIds(groupId: string): Promise<string[]>;
}

/** Splits `host:port`; the port is undefined for a bare host name. */
export function splitHostPort(endpoint: string): { host: string; port: number | undefined } {
  const match = /^(.*):(\d+)$/.exec(endpoint);
  return match && match[1] !== undefined && match[2] !== undefined ? { host: match[1], port: Number(match[2]) } : { host: endpoint, port: undefined };
}

/** Builds the https agent: host:port splitting, extra CA, socket timeout. */
function createAgent(trustedCaCertificate: string | undefined, timeoutMs: number): unknown {
  const https = require("node:https") as typeof import("node:https");
  class DpsAgent extends https.Agent {
    override createConnection(options: Record<string, unknown>, callback: unknown): ReturnType<typeof https.Agent.prototype.createConnection> {
      const target = splitHostPort(String(options.host ?? ""));
      const adjusted = target.port !== undefined ? { ...options, host: target.host, port: target.port, servername: target.host } : options;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const socket = (https.Agent.prototype.createConnection as any).call(this, adjusted, callback);
      if (socket && typeof socket.setTimeout === "function") {
        socket.setTimeout(timeoutMs, () => {
          const error = Object.assign(new Error(`no response from DPS within ${timeoutMs} ms`), { code: "DPS_REQUEST_TIMEOUT" });
          socket.destroy(error);
        });
      }
      return socket;
    }
  }
  return new DpsAgent({ keepAlive: true, ...(trustedCaCertificate ? { ca: trustedCaCertificate } : {}) });
}

interface SdkClient {
  getIndividualEnrollment(id: string): Promise<{ responseBody: DpsEnrollmentRecord }>;
  getEnrollmentGroup(id: string): Promise<{ responseBody: DpsEnrollmentRecord }>;
  createOrUpdateIndividualEnrollment(e: unknown): Promise<{ responseBody: DpsEnrollmentRecord }>;
  createOrUpdateEnrollmentGroup(e: unknown): Promise<{ responseBody: DpsEnrollmentRecord }>;
  deleteIndividualEnrollment(id: string): Promise<void>;
  deleteEnrollmentGroup(id: string): Promise<void>;
  getIndividualEnrollmentAttestationMechanism(id: string): Promise<{ responseBody: DpsAttestationRecord }>;
  getEnrollmentGroupAttestationMechanism(id: string): Promise<{ responseBody: DpsAttestationRecord }>;
  deleteDeviceRegistrationState(id: string): Promise<void>;
  createEnrollmentGroupDeviceRegistrationStateQuery(
    spec: { query: string },
    groupId: string,
    pageSize?: number,
  ): { hasMoreResults: boolean; next(): Promise<{ responseBody: { registrationId?: string }[] }> };
}

function createSdkClient(connection: DpsConnection, timeoutMs: number): SdkClient {
  const path = require("node:path") as typeof import("node:path");
  const sdkPackageJson = require.resolve("azure-iot-provisioning-service/package.json");
  // Resolve the transport and SAS helpers the SDK itself depends on, not whatever copy is hoisted.
  const fromSdk = (name: string) => require(require.resolve(name, { paths: [path.dirname(sdkPackageJson)] }));
  const { ProvisioningServiceClient } = require("azure-iot-provisioning-service");
  const { RestApiClient } = fromSdk("azure-iot-http-base");
  const { SharedAccessSignature } = fromSdk("azure-iot-common");
  const sdkVersion = (require(sdkPackageJson) as { version: string }).version;

  let config: Record<string, unknown>;
  if (connection.useEntraId) {
    const { DefaultAzureCredential } = require("@azure/identity");
    config = { host: connection.serviceEndpoint, tokenCredential: new DefaultAzureCredential(), tokenScope: DPS_TOKEN_SCOPE };
  } else {
    const parts = parseConnectionString(connection.connectionString ?? "");
    const host = parts.HostName ?? connection.serviceEndpoint;
    // A SharedAccessSignature object (not a string): RestApiClient re-signs it before every request.
    config = { host, sharedAccessSignature: SharedAccessSignature.create(host, parts.SharedAccessKeyName, parts.SharedAccessKey, Date.now()) };
  }
  const restApiClient = new RestApiClient(config, `azure-iot-provisioning-service/${sdkVersion}`);
  restApiClient.setOptions({ http: { agent: createAgent(connection.trustedCaCertificate, timeoutMs) } });
  return new ProvisioningServiceClient(config, restApiClient) as SdkClient;
}

/** The connection's secrets, for redaction. */
export function connectionSecrets(connection: DpsConnection): string[] {
  const parts = parseConnectionString(connection.connectionString ?? "");
  return [connection.connectionString, parts.SharedAccessKey].filter((s): s is string => !!s);
}

export function createDpsClient(connection: DpsConnection, options: DpsClientOptions = {}, extraSecrets: readonly string[] = []): DpsClient {
  const sdk = createSdkClient(connection, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const env = options.retryEnvironment ?? realRetryEnvironment();
  const secrets = [...connectionSecrets(connection), ...extraSecrets];
  const endpoint = connection.serviceEndpoint;

  /** Runs one SDK call with retries; maps failures to DpsCallError with an actionable message. */
  async function call<T>(operation: DpsOperation, kind: EnrollmentKind | undefined, id: string, run: () => Promise<T>): Promise<T> {
    try {
      return (await withRetry(run, policy, env, secrets)).value;
    } catch (error) {
      const failure = error instanceof RetriesExhaustedError ? error.failure : describeCallFailure(error, secrets, env.now());
      const subject = kind ? describeEnrollment(kind, id) : `registration "${id}"`;
      const summary = error instanceof RetriesExhaustedError ? redact(error.message, secrets) : failure.description;
      throw new DpsCallError(`${operation} ${subject} on DPS ${endpoint} failed: ${summary}${adviceFor(failure.status, operation)}`, operation, failure);
    }
  }

  async function absentOn404(operation: DpsOperation, kind: EnrollmentKind | undefined, id: string, run: () => Promise<void>): Promise<"deleted" | "absent"> {
    try {
      await call(operation, kind, id, run);
      return "deleted";
    } catch (error) {
      if (error instanceof DpsCallError && error.failure.status === 404) return "absent";
      throw error;
    }
  }

  return {
    serviceEndpoint: endpoint,
    async get(kind, id) {
      try {
        const result = await call("get", kind, id, () => (kind === "individual" ? sdk.getIndividualEnrollment(id) : sdk.getEnrollmentGroup(id)));
        return result.responseBody;
      } catch (error) {
        if (error instanceof DpsCallError && error.failure.status === 404) return undefined;
        throw error;
      }
    },
    async put(kind, id, body, etag) {
      const operation: DpsOperation = etag ? "update" : "create";
      const payload = etag ? { ...body, etag } : body;
      const result = await call(operation, kind, id, () =>
        kind === "individual" ? sdk.createOrUpdateIndividualEnrollment(payload) : sdk.createOrUpdateEnrollmentGroup(payload),
      );
      return result.responseBody;
    },
    delete(kind, id) {
      return absentOn404("delete", kind, id, () => (kind === "individual" ? sdk.deleteIndividualEnrollment(id) : sdk.deleteEnrollmentGroup(id)));
    },
    async getAttestationMechanism(kind, id) {
      const result = await call("get attestation mechanism", kind, id, () =>
        kind === "individual" ? sdk.getIndividualEnrollmentAttestationMechanism(id) : sdk.getEnrollmentGroupAttestationMechanism(id),
      );
      return result.responseBody;
    },
    deleteRegistrationState(registrationId) {
      return absentOn404("delete registration state", undefined, registrationId, () => sdk.deleteDeviceRegistrationState(registrationId));
    },
    async listGroupRegistrationIds(groupId) {
      const ids: string[] = [];
      const query = sdk.createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, groupId, 100);
      do {
        const page = await call("query registration states", "group", groupId, () => query.next());
        for (const state of page.responseBody ?? []) if (state.registrationId) ids.push(state.registrationId);
      } while (query.hasMoreResults);
      return ids;
    },
  };
}

/** What to do about a failure, by status. */
function adviceFor(status: number | undefined, operation: DpsOperation): string {
  switch (status) {
    case 401:
      return ". Check dps.connectionString (policy name and key) or the Entra ID role assignment (Device Provisioning Service Data Contributor).";
    case 403:
      return ". The DPS refused the operation (quota reached?): see the DPS limits.";
    case 412:
      return operation === "update"
        ? ". It was changed outside Pulumi: run `pulumi refresh` to take in the drift, review it, then `pulumi up` again."
        : ". The enrollment changed while Pulumi was working on it: run `pulumi refresh` and try again.";
    case 409:
      return ". It already exists: set adoptExisting: true to manage it, or pick another id.";
    default:
      return "";
  }
}
