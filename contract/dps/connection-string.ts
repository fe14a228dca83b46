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
