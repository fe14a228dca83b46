// What the emulator's tests read from Microsoft's SDKs' errors and callbacks (starting the
// emulator, its admin API and test certificates are in testkit/, shared with the product's tests).

/** Runs a Node-SDK callback API as a promise (the bulk operation has no working promise form). */
export function viaCallback<T>(call: (cb: (err?: Error | null, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, result) => (err ? reject(err) : resolve(result as T))));
}

/** The DPS error body the SDKs attach to their errors as `responseBody`. */
export function errorBody(err: unknown): {
  errorCode: number;
  trackingId: string;
  message: string;
  timestampUtc: string;
} {
  const e = err as { responseBody?: string; response?: { statusCode?: number } };
  return JSON.parse(e.responseBody ?? "{}");
}

export function statusOf(err: unknown): number | undefined {
  return (err as { response?: { statusCode?: number } }).response?.statusCode;
}

export function errorCodeHeader(err: unknown): string | undefined {
  return (err as { response?: { headers?: Record<string, string> } }).response?.headers?.["x-ms-error-code"];
}
