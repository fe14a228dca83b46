// Simulated devices onboarding with Microsoft's device SDK (azure-iot-provisioning-device),
// exactly as firmware would: symmetric keys (own or derived from the group key) and X.509.
import type { RegistrationResult } from "azure-iot-provisioning-device/dist/interfaces";
import {
  symmetricKeyDeviceClientFor,
  x509DeviceClientFor,
  type EmulatorEndpoint,
} from "../../emulator/clients";

export type DeviceCredential =
  | { readonly kind: "symmetricKey"; readonly key: string }
  | { readonly kind: "x509"; readonly certificatePem: string; readonly privateKeyPem: string };

export interface DeviceToRegister {
  readonly registrationId: string;
  /** The enrollment (individual) or group it belongs to. */
  readonly enrollment: string;
  readonly credential: DeviceCredential;
}

export type RegistrationOutcome =
  | {
      readonly device: DeviceToRegister;
      readonly ok: true;
      readonly assignedHub: string;
      readonly deviceId: string;
      readonly substatus?: string;
    }
  | { readonly device: DeviceToRegister; readonly ok: false; readonly error: string };

export async function registerDevice(
  endpoint: EmulatorEndpoint,
  device: DeviceToRegister,
): Promise<RegistrationOutcome> {
  const client =
    device.credential.kind === "symmetricKey"
      ? symmetricKeyDeviceClientFor(endpoint, device.registrationId, device.credential.key)
      : x509DeviceClientFor(
          endpoint,
          device.registrationId,
          device.credential.certificatePem,
          device.credential.privateKeyPem,
        );
  try {
    const result = (await client.register()) as RegistrationResult & { substatus?: string };
    return {
      device,
      ok: true,
      assignedHub: result.assignedHub,
      deviceId: result.deviceId,
      substatus: result.substatus,
    };
  } catch (error) {
    // The SDK puts DPS's error body in the message; it never holds a key.
    return { device, ok: false, error: (error as Error).message.slice(0, 300) };
  }
}

/** Registers devices with at most `concurrency` in flight, in a stable order of results. */
export async function registerAll(
  endpoint: EmulatorEndpoint,
  devices: readonly DeviceToRegister[],
  onProgress: (done: number, total: number) => void = () => {},
  concurrency = 16,
): Promise<RegistrationOutcome[]> {
  const results: RegistrationOutcome[] = new Array(devices.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < devices.length) {
      const index = next++;
      results[index] = await registerDevice(endpoint, devices[index]!);
      onProgress(++done, devices.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, worker));
  return results;
}
