/**
 * The credentials in a service connection string (parsed by contract/dps) and the SAS
 * tokens signed with them: one signer for every client of a DPS service API (the enrollment
 * client, the local platform's admin client).
 *
 * Signing is the SDK's own `SharedAccessSignature` (azure-iot-common, resolved from the
 * provisioning SDK's dependencies as client.ts does), so every token is the one Microsoft's
 * service SDK would send (docs/dps-contracts.md §2). It is loaded on the first signature, as
 * client.ts loads the SDK: check and diff (all a preview runs) never sign.
 */
import * as path from "node:path";
import { parseConnectionString } from "@dps-as-code/contract";

/** A shared access policy's credentials, as a service connection string holds them. */
export interface ServiceCredentials {
  readonly hostName: string;
  readonly keyName: string;
  /** Base64 policy key: a secret. */
  readonly key: string;
}

/** The credentials of a service connection string, or undefined when a part is missing. */
export function serviceCredentials(connectionString: string): ServiceCredentials | undefined {
  const parts = parseConnectionString(connectionString);
  const hostName = parts["HostName"];
  const keyName = parts["SharedAccessKeyName"];
  const key = parts["SharedAccessKey"];
  return hostName && keyName && key ? { hostName, keyName, key } : undefined;
}

interface SharedAccessSignatureClass {
  create(
    resourceUri: string,
    keyName: string,
    key: string,
    expiry: number,
  ): { extend(expiry: number): string; toString(): string };
}

let sharedAccessSignature: SharedAccessSignatureClass | undefined;

/** The SDK's SharedAccessSignature class, from the copy the provisioning SDK itself depends on. */
function sdkSharedAccessSignature(): SharedAccessSignatureClass {
  if (!sharedAccessSignature) {
    const sdkDir = path.dirname(require.resolve("azure-iot-provisioning-service/package.json"));
    sharedAccessSignature = require(require.resolve("azure-iot-common", { paths: [sdkDir] }))
      .SharedAccessSignature as SharedAccessSignatureClass;
  }
  return sharedAccessSignature;
}

/**
 * A SAS object for the SDK's RestApiClient, which re-signs it (`extend`) before every request.
 * The resource is the raw host name, as the service SDK signs it.
 */
export function sdkSignature(credentials: ServiceCredentials): unknown {
  return sdkSharedAccessSignature().create(
    credentials.hostName,
    credentials.keyName,
    credentials.key,
    Math.floor(Date.now() / 1000) + 3600,
  );
}

/** An `Authorization` header value valid for `lifetimeSeconds` from `nowMs`. */
export function sasToken(
  credentials: ServiceCredentials,
  nowMs: number = Date.now(),
  lifetimeSeconds = 3600,
): string {
  const expiry = Math.floor(nowMs / 1000) + lifetimeSeconds;
  return sdkSharedAccessSignature()
    .create(credentials.hostName, credentials.keyName, credentials.key, expiry)
    .toString();
}
