/**
 * DPS shared access connection strings: `HostName=<dps>.azure-devices-provisioning.net;
 * SharedAccessKeyName=<policy>;SharedAccessKey=<base64>` (learn.microsoft.com/azure/iot-dps/how-to-control-access;
 * docs/dps-contracts.md §2). Split on `;`, then on the FIRST `=` so base64 padding survives, as the Node
 * SDK's `azure-iot-common` `dictionary.js` does.
 */
export const CONNECTION_STRING_FIELDS = ["HostName", "SharedAccessKeyName", "SharedAccessKey"] as const;

export function parseConnectionString(text: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const segment of text.split(";")) {
    const at = segment.indexOf("=");
    if (at > 0) parts[segment.slice(0, at).trim()] = segment.slice(at + 1).trim();
  }
  return parts;
}

/** The fields of CONNECTION_STRING_FIELDS a connection string lacks (empty when complete). */
export function missingConnectionStringFields(text: string): string[] {
  const parts = parseConnectionString(text);
  return CONNECTION_STRING_FIELDS.filter((k) => !parts[k]);
}

/**
 * The parts of a connection string that name it without revealing it: the host and the policy
 * (key) name. Field names are matched case-insensitively: the rule readers (policy pack) must
 * recognise a string however it was typed, while the SDK that uses it is stricter.
 */
export interface ConnectionStringIdentity {
  readonly hostName?: string;
  readonly keyName?: string;
}

export function connectionStringIdentity(connectionString: string): ConnectionStringIdentity {
  const byLowerName = new Map(
    Object.entries(parseConnectionString(connectionString)).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  );
  const hostName = byLowerName.get("hostname");
  const keyName = byLowerName.get("sharedaccesskeyname");
  return { ...(hostName === undefined ? {} : { hostName }), ...(keyName === undefined ? {} : { keyName }) };
}

/**
 * The rights of an IoT Hub or DPS shared access policy, as ARM writes them ("RegistryRead,
 * RegistryWrite"; ARM `SharedAccessSignatureAuthorizationRule.rights`), lower-cased.
 */
export function accessRights(rights: string): Set<string> {
  return new Set(
    rights
      .split(",")
      .map((right) => right.trim().toLowerCase())
      .filter((right) => right !== ""),
  );
}
