// The DPS emulator as tests start it: in process, ephemeral, devices never told to wait, nothing
// logged. The product's tests, the emulator's own tests and the benchmarks all start it here.
import { silentLogger, startEmulator, type EmulatorOptions, type RunningEmulator } from "../emulator";

export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ ephemeral: true, retryAfterSeconds: 0, logger: silentLogger, ...options });
}

/** Two linked hubs' host names, for tests that only need some hubs to allocate to. */
export const HUB_A = "hub-a.azure-devices.net";
export const HUB_B = "hub-b.azure-devices.net";
