import { silentLogger, startEmulator, type EmulatorOptions, type RunningEmulator } from "../index";

/** An ephemeral emulator with instant device polling and no log output. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ ephemeral: true, retryAfterSeconds: 0, logger: silentLogger, ...options });
}

export const HUB_A = "hub-a.azure-devices.net";
export const HUB_B = "hub-b.azure-devices.net";

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
