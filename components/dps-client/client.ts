/**
 * The one place that talks to DPS's enrollment API: Microsoft's `azure-iot-provisioning-service`
 * SDK, wrapped (never patched) with retries, request timeouts, 404-as-absent and readable errors.
 *
 * We always build the SDK's own RestApiClient ourselves (its documented second constructor
 * argument) with the agent of https-agent.ts: `host:port` endpoints, the emulator's CA, and a
 * timeout on every request (the SDK sets none).
 *
 * The SDK is loaded on the first client, not with this module: a preview runs only check and diff,
 * which never call DPS, and loading the SDK takes about 0.3 s (measured on the project's build machine).
 */
import * as path from "node:path";
import {
  describeCallFailure,
  dpsCallError,
  isDpsCallError,
  isTransient,
  redact,
  type CallFailure,
  type DpsOperation,
} from "./errors";
import { createEntraCredential } from "./entra-credential";
import {
  MAX_BULK_ENROLLMENTS,
  describeEnrollment,
  type DpsConnection,
  type EnrollmentKind,
  parseConnectionString,
} from "@dps-as-code/contract";
import {
  isRetriesExhaustedError,
  realRetryEnvironment,
  retryPolicyFromEnvironment,
  withRetry,
  type RetryEnvironment,
  type RetryPolicy,
  type RetryVerdict,
} from "./retry";
import { createThrottleGate, sharedThrottleGate } from "./throttle-gate";
import { sdkSignature } from "./connection-string";
import { classifyUnauthorized, propagationWait, unauthorizedAdvice } from "./unauthorized";
import { createDpsAgent, requestTimeoutFromEnvironment } from "./https-agent";

/** Scope of DPS data-plane tokens for Microsoft Entra ID. */
export const DPS_TOKEN_SCOPE = "https://azure-devices-provisioning.net/.default";

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
  /** Read-only: the device's last registration (IndividualEnrollment.registrationState). */
  registrationState?: DpsRegistrationState | null;
}

/**
 * DeviceRegistrationState as the service API returns it (Azure/azure-rest-api-specs
 * specification/deviceprovisioningservices/data-plane/Microsoft.Devices/stable/2021-10-01/
 * service.json): the last registration of one registration id, the hub DPS assigned and when.
 * `status` is one of unassigned, assigning, assigned, failed, disabled; `substatus` says how an
 * assignment came about (initialAssignment, deviceDataMigrated, deviceDataReset,
 * reprovisionedToInitialAssignment).
 */
export interface DpsRegistrationState {
  registrationId?: string;
  createdDateTimeUtc?: string;
  assignedHub?: string | null;
  deviceId?: string | null;
  status?: string;
  substatus?: string | null;
  errorCode?: number | null;
  errorMessage?: string | null;
  lastUpdatedDateTimeUtc?: string;
  etag?: string;
}

interface DpsCertificateRecord {
  certificate?: string | null;
  info?: {
    sha1Thumbprint?: string;
    sha256Thumbprint?: string;
    subjectName?: string;
    notAfterUtc?: string;
  } | null;
}

export interface DpsAttestationRecord {
  type: string;
  symmetricKey?: { primaryKey?: string; secondaryKey?: string } | null;
  x509?: {
    clientCertificates?: {
      primary?: DpsCertificateRecord | null;
      secondary?: DpsCertificateRecord | null;
    } | null;
    signingCertificates?: {
      primary?: DpsCertificateRecord | null;
      secondary?: DpsCertificateRecord | null;
    } | null;
    caReferences?: { primary?: string | null; secondary?: string | null } | null;
  } | null;
  tpm?: { endorsementKey?: string; storageRootKey?: string } | null;
}

export interface DpsClientOptions {
  retryPolicy?: RetryPolicy;
  retryEnvironment?: RetryEnvironment;
  requestTimeoutMs?: number;
  /**
   * The Entra ID credential to use with `useEntraId` (tests). Default: one credential per
   * process (entra-credential.ts), behind a token cache (see entraCredential).
   */
  tokenCredential?: TokenCredentialLike;
}

/** The part of @azure/core-auth's TokenCredential the SDK calls. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Enrollment operations against one DPS; ids are passed per call. */
export interface DpsClient {
  readonly serviceEndpoint: string;
  /** The enrollment, or undefined when DPS answers 404. */
  get(kind: EnrollmentKind, id: string): Promise<DpsEnrollmentRecord | undefined>;
  /** Create (no etag) or update (etag: DPS answers 412 when it no longer matches). */
  put(
    kind: EnrollmentKind,
    id: string,
    body: DpsEnrollmentRecord,
    etag: string | undefined,
  ): Promise<DpsEnrollmentRecord>;
  /** Deletes regardless of etag; "absent" when it was already gone. */
  delete(kind: EnrollmentKind, id: string): Promise<"deleted" | "absent">;
  /** The attestation with its keys (GET hides symmetric keys). */
  getAttestationMechanism(kind: EnrollmentKind, id: string): Promise<DpsAttestationRecord>;
  /** A registration id's registration state, or undefined when DPS answers 404 (never registered). */
  getRegistrationState(registrationId: string): Promise<DpsRegistrationState | undefined>;
  deleteRegistrationState(registrationId: string): Promise<"deleted" | "absent">;
  /** Registration ids of the devices that registered through a group. */
  listGroupRegistrationIds(groupId: string): Promise<string[]>;
  /**
   * The registration states of a group's devices, page by page (`POST /registrations/{groupId}/query`
   * with `x-ms-max-item-count` and `x-ms-continuation`): one DPS call a page, whatever the group's
   * size. `pace`, when given, wraps each page's call.
   */
  queryGroupRegistrations(
    groupId: string,
    pageSize?: number,
    pace?: PagePacing,
  ): AsyncIterable<DpsRegistrationState[]>;
  /**
   * Every enrollment of a kind, page by page (`POST /enrollments/query` or `/enrollmentGroups/query`
   * with `x-ms-max-item-count` and `x-ms-continuation`). Each page is one DPS call, retried with the
   * same continuation token. Keys are not in query results (as in GET). `pace`, when given, wraps
   * each page's call (the batch path keeps its listings within DPS's quota through it).
   */
  queryEnrollments(
    kind: EnrollmentKind,
    pageSize?: number,
    pace?: PagePacing,
  ): AsyncIterable<DpsEnrollmentRecord[]>;
  /**
   * DPS's bulk operation on individual enrollments (`POST /enrollments`, at most
   * MAX_BULK_ENROLLMENTS items). The call as a whole is retried on transient failures; per-item
   * failures come back in `errors` (DPS applies the other items).
   */
  runBulk(mode: BulkMode, enrollments: DpsEnrollmentRecord[]): Promise<BulkResult>;
}

/** Runs one page's call (with its retries) when the caller's pacing allows. */
export type PagePacing = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * DPS's bulk enrollment operation: at most MAX_BULK_ENROLLMENTS (contract) a call; modes `create`, `update`,
 * `updateIfMatchETag`, `delete`; the result is `{ isSuccessful, errors: [{ registrationId,
 * errorCode, errorStatus }] }`; an invalid item is listed in `errors` while the others succeed, a
 * duplicate id fails the whole call (docs/dps-contracts.md §1 "Bulk").
 */
export type BulkMode = "create" | "update" | "updateIfMatchETag" | "delete";
export interface BulkItemError {
  registrationId: string;
  /** DPS's numeric code: the HTTP status times 1000 plus a detail (e.g. 409201). */
  errorCode: number;
  errorStatus: string;
}
export interface BulkResult {
  isSuccessful: boolean;
  errors: BulkItemError[];
}

/**
 * Page size asked of DPS queries. DPS documents no default or maximum for `x-ms-max-item-count`
 * (docs/dps-contracts.md, "Queries"); we ask for 100 and follow continuation tokens for whatever
 * DPS actually returns: 10,000 enrollments are 100 pages.
 */
export const QUERY_PAGE_SIZE = 100;

/**
 * One Entra ID credential per process (entra-credential.ts: fresh GitHub OIDC assertions in
 * GitHub Actions, else DefaultAzureCredential), behind a token cache. The provider makes a DPS client
 * per operation, and a fresh credential per client would fetch a token per enrollment (an `az`
 * process or an identity-endpoint call each: slow, and throttled by Entra ID on large stacks).
 * Kept on globalThis, not in a module variable: one credential per process, even when it holds
 * two copies of this module (a test runner's module graph beside a provider's).
 */
function entraCredential(): TokenCredentialLike {
  const slot = Symbol.for("dps-as-code.enrollments.entraCredential");
  const holder = globalThis as unknown as Record<symbol, TokenCredentialLike | undefined>;
  const existing = holder[slot];
  if (existing) return existing;
  const inner = createEntraCredential(process.env);
  let cached: { token: string; expiresOnTimestamp: number } | null = null;
  let pending: Promise<{ token: string; expiresOnTimestamp: number } | null> | undefined;
  const credential: TokenCredentialLike = {
    async getToken(scopes) {
      // Renew 10 minutes ahead: the SDK itself renews when fewer than 9 remain.
      if (cached && cached.expiresOnTimestamp - Date.now() > 10 * 60_000) return cached;
      pending ??= inner.getToken(scopes).finally(() => (pending = undefined));
      cached = await pending;
      return cached;
    },
  };
  holder[slot] = credential;
  return credential;
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
  getDeviceRegistrationState(id: string): Promise<{ responseBody: DpsRegistrationState }>;
  deleteDeviceRegistrationState(id: string): Promise<void>;
  createIndividualEnrollmentQuery(spec: { query: string }, pageSize?: number): SdkQuery<DpsEnrollmentRecord>;
  createEnrollmentGroupQuery(spec: { query: string }, pageSize?: number): SdkQuery<DpsEnrollmentRecord>;
  runBulkEnrollmentOperation(
    operation: { mode: BulkMode; enrollments: DpsEnrollmentRecord[] },
    callback: (err: unknown, result?: { isSuccessful?: boolean; errors?: BulkItemError[] | null }) => void,
  ): void;
  createEnrollmentGroupDeviceRegistrationStateQuery(
    spec: { query: string },
    groupId: string,
    pageSize?: number,
  ): SdkQuery<DpsRegistrationState>;
}

/** The SDK's Query (azure-iot-provisioning-service, src/query.ts). */
interface SdkQuery<T> {
  hasMoreResults: boolean;
  /** `x-ms-continuation` of the last page read; undefined after the last page. */
  continuationToken?: string | null;
  next(continuationToken?: string): Promise<{ responseBody: T[] | null }>;
}

/**
 * Reads an SDK query page by page, each page through `read` (which adds retries). The SDK's
 * promise form `next()` without an argument sends no continuation token at all, i.e. asks for
 * the first page again (src/query.ts: the token argument replaces the held token even when
 * undefined), so the held token is passed back explicitly; a token that comes back twice stops
 * the loop instead of reading forever. A retried page is the same page: the SDK moves its token
 * only on success.
 */
async function* queryPages<T>(
  query: SdkQuery<T>,
  read: (next: () => Promise<{ responseBody: T[] | null }>) => Promise<{ responseBody: T[] | null }>,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  while (query.hasMoreResults) {
    const token = query.continuationToken ?? undefined;
    if (token !== undefined) {
      if (seen.has(token))
        throw new Error("DPS returned the same continuation token twice; stopping instead of looping");
      seen.add(token);
    }
    const page = await read(() => query.next(token));
    yield page.responseBody ?? [];
  }
}

/** The SDK's client and transport classes, loaded once, on first use (see the module comment). */
function loadSdk(): {
  ProvisioningServiceClient: new (config: unknown, rest: unknown) => unknown;
  RestApiClient: new (config: unknown, userAgent: string) => { setOptions(options: unknown): void };
  userAgent: string;
} {
  const sdkPackageJson = require.resolve("azure-iot-provisioning-service/package.json");
  // Resolve the transport the SDK itself depends on, not whatever copy is hoisted.
  const fromSdk = (name: string) => require(require.resolve(name, { paths: [path.dirname(sdkPackageJson)] }));
  const { ProvisioningServiceClient } = require("azure-iot-provisioning-service");
  const { RestApiClient } = fromSdk("azure-iot-http-base");
  const sdkVersion = (require(sdkPackageJson) as { version: string }).version;
  return {
    ProvisioningServiceClient,
    RestApiClient,
    userAgent: `azure-iot-provisioning-service/${sdkVersion}`,
  };
}

let sdkClasses: ReturnType<typeof loadSdk> | undefined;

function createSdkClient(
  connection: DpsConnection,
  timeoutMs: number,
  tokenCredential: TokenCredentialLike | undefined,
): SdkClient {
  const { ProvisioningServiceClient, RestApiClient, userAgent } = (sdkClasses ??= loadSdk());
  let config: Record<string, unknown>;
  if (connection.useEntraId) {
    // RestApiClient calls tokenCredential.getToken(tokenScope) and sends "Authorization: Bearer <token>".
    config = {
      host: connection.serviceEndpoint,
      tokenCredential: tokenCredential ?? entraCredential(),
      tokenScope: DPS_TOKEN_SCOPE,
    };
  } else {
    const parts = parseConnectionString(connection.connectionString ?? "");
    const host = parts.HostName ?? connection.serviceEndpoint;
    const credentials = {
      hostName: host,
      keyName: parts.SharedAccessKeyName ?? "",
      key: parts.SharedAccessKey ?? "",
    };
    // A SharedAccessSignature object (not a string): RestApiClient re-signs it before every request.
    config = { host, sharedAccessSignature: sdkSignature(credentials) };
  }
  const restApiClient = new RestApiClient(config, userAgent);
  restApiClient.setOptions({ http: { agent: createDpsAgent(connection.trustedCaCertificate, timeoutMs) } });
  return new ProvisioningServiceClient(config, restApiClient) as SdkClient;
}

/** The connection's secrets, for redaction. */
export function connectionSecrets(connection: DpsConnection): string[] {
  const parts = parseConnectionString(connection.connectionString ?? "");
  return [connection.connectionString, parts.SharedAccessKey].filter((s): s is string => !!s);
}

export function createDpsClient(
  connection: DpsConnection,
  options: DpsClientOptions = {},
  extraSecrets: readonly string[] = [],
): DpsClient {
  const sdk = createSdkClient(
    connection,
    options.requestTimeoutMs ?? requestTimeoutFromEnvironment(process.env),
    options.tokenCredential,
  );
  const policy = options.retryPolicy ?? retryPolicyFromEnvironment(process.env);
  const env = options.retryEnvironment ?? realRetryEnvironment();
  const secrets = [...connectionSecrets(connection), ...extraSecrets];
  const endpoint = connection.serviceEndpoint;
  // Every call to this DPS from this process waits behind one gate (its quota is per instance);
  // a test's own clock gets a gate of its own.
  const gate = options.retryEnvironment
    ? createThrottleGate(endpoint, env)
    : sharedThrottleGate(endpoint, env);
  // A 401 is waited for only while it may be role propagation (a role assigned minutes ago, by
  // the same `pulumi up` on a new stack): until the propagation window closes. An IP filter, a
  // missing role or a wrong key does not heal by waiting (unauthorized.ts).
  const retryable = (failure: CallFailure): RetryVerdict =>
    isTransient(failure) || (propagationWait(failure, connection) ?? false);

  /**
   * Runs one SDK call with retries; maps failures to DpsCallError with an actionable message.
   * `sent` are secrets this request carries (keys, webhook URL): a 400 may echo the request.
   */
  async function call<T>(
    operation: DpsOperation,
    kind: EnrollmentKind | undefined,
    id: string,
    run: () => Promise<T>,
    sent: readonly string[] = [],
  ): Promise<T> {
    const callSecrets = [...secrets, ...sent];
    let attempts = 0;
    try {
      return (
        await withRetry(
          () => {
            attempts++;
            return run();
          },
          policy,
          env,
          callSecrets,
          retryable,
          gate,
        )
      ).value;
    } catch (error) {
      const failure = isRetriesExhaustedError(error)
        ? error.failure
        : describeCallFailure(error, callSecrets, env.now());
      const subject = kind ? describeEnrollment(kind, id) : subjectOf(operation, id);
      const summary = isRetriesExhaustedError(error)
        ? redact(error.message, callSecrets)
        : failure.description;
      const advice =
        failure.status === 401
          ? unauthorizedAdvice(classifyUnauthorized(failure, connection, env.now()), connection)
          : adviceFor(failure, operation);
      throw dpsCallError(
        `${operation} ${subject} on DPS ${endpoint} failed: ${summary}${advice}`,
        operation,
        failure,
        attempts,
      );
    }
  }

  async function absentOn404(
    operation: DpsOperation,
    kind: EnrollmentKind | undefined,
    id: string,
    run: () => Promise<void>,
  ): Promise<"deleted" | "absent"> {
    try {
      await call(operation, kind, id, run);
      return "deleted";
    } catch (error) {
      if (isDpsCallError(error) && error.failure.status === 404) return "absent";
      throw error;
    }
  }

  function queryGroupRegistrations(
    groupId: string,
    pageSize = QUERY_PAGE_SIZE,
    pace: PagePacing = (page) => page(),
  ): AsyncIterable<DpsRegistrationState[]> {
    const query = sdk.createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, groupId, pageSize);
    return queryPages(query, (next) => pace(() => call("query registration states", "group", groupId, next)));
  }

  return {
    serviceEndpoint: endpoint,
    async get(kind, id) {
      try {
        const result = await call("get", kind, id, () =>
          kind === "individual" ? sdk.getIndividualEnrollment(id) : sdk.getEnrollmentGroup(id),
        );
        return result.responseBody;
      } catch (error) {
        if (isDpsCallError(error) && error.failure.status === 404) return undefined;
        throw error;
      }
    },
    async put(kind, id, body, etag) {
      const operation: DpsOperation = etag ? "update" : "create";
      const payload = etag ? { ...body, etag } : body;
      const result = await call(
        operation,
        kind,
        id,
        () =>
          kind === "individual"
            ? sdk.createOrUpdateIndividualEnrollment(payload)
            : sdk.createOrUpdateEnrollmentGroup(payload),
        secretsInRecord(body),
      );
      return result.responseBody;
    },
    delete(kind, id) {
      return absentOn404("delete", kind, id, () =>
        kind === "individual" ? sdk.deleteIndividualEnrollment(id) : sdk.deleteEnrollmentGroup(id),
      );
    },
    async getAttestationMechanism(kind, id) {
      const result = await call("get attestation mechanism", kind, id, () =>
        kind === "individual"
          ? sdk.getIndividualEnrollmentAttestationMechanism(id)
          : sdk.getEnrollmentGroupAttestationMechanism(id),
      );
      return result.responseBody;
    },
    deleteRegistrationState(registrationId) {
      return absentOn404("delete registration state", undefined, registrationId, () =>
        sdk.deleteDeviceRegistrationState(registrationId),
      );
    },
    async getRegistrationState(registrationId) {
      try {
        const result = await call("get registration state", undefined, registrationId, () =>
          sdk.getDeviceRegistrationState(registrationId),
        );
        return result.responseBody;
      } catch (error) {
        if (isDpsCallError(error) && error.failure.status === 404) return undefined;
        throw error;
      }
    },
    async listGroupRegistrationIds(groupId) {
      const ids: string[] = [];
      for await (const page of queryGroupRegistrations(groupId)) {
        for (const state of page) if (state.registrationId) ids.push(state.registrationId);
      }
      return ids;
    },
    queryGroupRegistrations,
    queryEnrollments(kind, pageSize = QUERY_PAGE_SIZE, pace: PagePacing = (page) => page()) {
      const query =
        kind === "individual"
          ? sdk.createIndividualEnrollmentQuery({ query: "*" }, pageSize)
          : sdk.createEnrollmentGroupQuery({ query: "*" }, pageSize);
      const subject = kind === "individual" ? "individual enrollments" : "enrollment groups";
      return queryPages(query, (next) => pace(() => call("query enrollments", undefined, subject, next)));
    },
    async runBulk(mode, enrollments) {
      if (enrollments.length === 0 || enrollments.length > MAX_BULK_ENROLLMENTS) {
        throw new Error(
          `a DPS bulk operation takes 1 to ${MAX_BULK_ENROLLMENTS} enrollments, not ${enrollments.length}`,
        );
      }
      const sent = enrollments.flatMap(secretsInRecord);
      const ids = enrollments.map((e) => e.registrationId ?? "").join(", ");
      // The SDK's promise form of runBulkEnrollmentOperation never settles (its handler calls back
      // only when the caller passed a callback): use the callback form.
      const result = await call(
        `bulk ${mode}`,
        undefined,
        ids,
        () =>
          new Promise<{ isSuccessful?: boolean; errors?: BulkItemError[] | null }>((resolve, reject) =>
            sdk.runBulkEnrollmentOperation({ mode, enrollments }, (err, body) =>
              err ? reject(err) : resolve(body ?? {}),
            ),
          ),
        sent,
      );
      return {
        isSuccessful: result.isSuccessful === true,
        errors: (result.errors ?? []).filter((e) => !isSuccessCode(e.errorCode)),
      };
    },
  };
}

/** The C# SDK documents per-item entries with errorCode 200 / "Succeeded": those are not failures. */
function isSuccessCode(errorCode: number): boolean {
  return errorCode >= 200 && errorCode < 300;
}

function subjectOf(operation: DpsOperation, id: string): string {
  if (operation.startsWith("bulk")) return `of individual enrollments ${id}`;
  if (operation === "query enrollments") return `of ${id}`;
  return `registration "${id}"`;
}

/** Secrets a request body carries: keys (declared, kept or adopted) and the webhook URL. */
export function secretsInRecord(record: DpsEnrollmentRecord): string[] {
  const sk = record.attestation?.symmetricKey;
  return [sk?.primaryKey, sk?.secondaryKey, record.customAllocationDefinition?.webhookUrl].filter(
    (s): s is string => typeof s === "string" && s.length > 0,
  );
}

/** Node's codes for a server certificate it cannot trust (never transient: retrying cannot help). */
const TLS_TRUST_CODES = [
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
];

/** What to do about a failure, by status (or by credential error, for Entra ID); 401: unauthorized.ts. */
function adviceFor(failure: CallFailure, operation: DpsOperation): string {
  switch (failure.status) {
    case 403:
      return ". The DPS refused the operation (quota reached?): see the DPS limits.";
    case 412:
      return operation === "update"
        ? ". It was changed outside Pulumi: run `pulumi refresh` to take in the drift, review it, then `pulumi up` again."
        : ". The enrollment changed while Pulumi was working on it: run `pulumi refresh` and try again.";
    case 409:
      return ". It already exists: set adoptExisting: true to manage it, or pick another id.";
    case 404:
      return operation === "update"
        ? ". It was deleted outside Pulumi: run `pulumi refresh` (it then leaves the state), and `pulumi up` creates it again."
        : "";
    default:
      if (failure.networkCode !== undefined && TLS_TRUST_CODES.includes(failure.networkCode)) {
        return ". DPS's TLS certificate is not trusted: for the emulator, dps.trustedCaCertificate must be its CA; against Azure, check the machine's CA store and any TLS-inspecting proxy.";
      }
      return failure.status === undefined && /Credential|Authentication/.test(failure.description)
        ? ". dps.useEntraId found no usable Microsoft Entra ID credential: sign in (`az login`), or give the pipeline a managed identity, AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_FEDERATED_TOKEN_FILE, or in GitHub Actions DPS_ENTRA_CLIENT_ID / DPS_ENTRA_TENANT_ID with permission id-token: write."
        : "";
  }
}
