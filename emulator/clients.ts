/**
 * Microsoft's unmodified Node SDKs, pointed at the emulator. The SDKs pass `host` to
 * https.request as is, so "localhost:8443" would be looked up as a host name; a per-client
 * agent splits host and port instead, and trusts the emulator's CA. No process-wide state
 * (https.globalAgent, NODE_EXTRA_CA_CERTS) is touched. See docs/dps-contracts.md §7.
 */
import https from "node:https";
import type { Duplex } from "node:stream";
import { ConnectionString, SharedAccessSignature } from "azure-iot-common";
import { Http as HttpBase, RestApiClient } from "azure-iot-http-base";
import { ProvisioningDeviceClient, type RegistrationResult } from "azure-iot-provisioning-device";
import { Http as DeviceHttpTransport } from "azure-iot-provisioning-device-http";
import { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { SymmetricKeySecurityClient } from "azure-iot-security-symmetric-key";
import { X509Security } from "azure-iot-security-x509";

type SecurityClient = Parameters<typeof ProvisioningDeviceClient.create>[3];
type RegistrationClient = ReturnType<typeof ProvisioningDeviceClient.create>;

/** The SDK's RegistrationClient, typed with the promise overload that register() has at run time. */
export type DeviceRegistrationClient = Omit<RegistrationClient, "register"> & {
  register(): Promise<RegistrationResult>;
  register(callback: (err?: Error, result?: RegistrationResult) => void): void;
};

/** What the helpers need to know about an emulator (a RunningEmulator or the CLI's JSON line). */
export interface EmulatorEndpoint {
  connectionString: string;
  caCertPem: string;
  deviceHost: string;
  idScope: string;
}

/** An https.Agent that turns `host: "name:port"` into host + port, and trusts the given CA. */
export class PortAgent extends https.Agent {
  override createConnection(
    options: https.RequestOptions & { host?: string },
    callback?: (err: Error | null, socket: Duplex) => void,
  ): Duplex {
    const match = /^(.*):(\d+)$/.exec(options.host ?? "");
    const fixed = match
      ? { ...options, host: match[1], port: Number(match[2]), servername: match[1] }
      : options;
    return (
      https.Agent.prototype as unknown as { createConnection: (o: unknown, cb: unknown) => Duplex }
    ).createConnection.call(this, fixed, callback);
  }
}

export function portAgentFor(caCertPem: string, options: https.AgentOptions = {}): PortAgent {
  return new PortAgent({ ca: caCertPem, keepAlive: true, ...options });
}

/** The service SDK client for a connection string (default: the emulator's owner policy). */
export function serviceClientFor(
  emu: Pick<EmulatorEndpoint, "connectionString" | "caCertPem">,
  connectionString = emu.connectionString,
): ProvisioningServiceClient {
  const cn = ConnectionString.parse(connectionString, ["HostName", "SharedAccessKeyName", "SharedAccessKey"]);
  const host = cn.HostName as string;
  const config = {
    host,
    sharedAccessSignature: SharedAccessSignature.create(
      host,
      cn.SharedAccessKeyName as string,
      cn.SharedAccessKey as string,
      Date.now(),
    ),
  };
  // The SDK packages nest their own copies of azure-iot-common, so the same class has several
  // TypeScript declarations; the objects are compatible at run time.
  const rest = new RestApiClient(
    config as unknown as ConstructorParameters<typeof RestApiClient>[0],
    "azure-iot-provisioning-service/1.11.2",
  );
  rest.setOptions({ http: { agent: portAgentFor(emu.caCertPem) } });
  return new ProvisioningServiceClient(
    config as unknown as ConstructorParameters<typeof ProvisioningServiceClient>[0],
    rest as unknown as ConstructorParameters<typeof ProvisioningServiceClient>[1],
  );
}

/** The device SDK's HTTP transport, reaching the emulator (optionally with an X.509 client certificate). */
export function deviceHttpTransportFor(
  emu: Pick<EmulatorEndpoint, "caCertPem">,
  agentOptions: https.AgentOptions = {},
): DeviceHttpTransport {
  const base = new HttpBase();
  base.setOptions({ http: { agent: portAgentFor(emu.caCertPem, agentOptions) } });
  return new DeviceHttpTransport(base);
}

/** A device client for a symmetric-key enrollment (individual key, or a group's derived key). */
export function symmetricKeyDeviceClientFor(
  emu: EmulatorEndpoint,
  registrationId: string,
  deviceKey: string,
): DeviceRegistrationClient {
  const security = new SymmetricKeySecurityClient(registrationId, deviceKey) as unknown as SecurityClient;
  return ProvisioningDeviceClient.create(
    emu.deviceHost,
    emu.idScope,
    deviceHttpTransportFor(emu),
    security,
  ) as DeviceRegistrationClient;
}

/** A device client for X.509 attestation: `certificatePem` may hold the leaf followed by its intermediates. */
export function x509DeviceClientFor(
  emu: EmulatorEndpoint,
  registrationId: string,
  certificatePem: string,
  privateKeyPem: string,
): DeviceRegistrationClient {
  return ProvisioningDeviceClient.create(
    emu.deviceHost,
    emu.idScope,
    deviceHttpTransportFor(emu),
    new X509Security(registrationId, {
      cert: certificatePem,
      key: privateKeyPem,
    }) as unknown as SecurityClient,
  ) as DeviceRegistrationClient;
}
