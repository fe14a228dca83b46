// Connection strings are secrets: policies read only the host and the policy (key) name from
// them and never put any other part into a message.

export interface ConnectionStringIdentity {
  readonly hostName?: string;
  readonly keyName?: string;
}

export function connectionStringIdentity(connectionString: string): ConnectionStringIdentity {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0) {
      fields.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
    }
  }
  const hostName = fields.get("hostname");
  const keyName = fields.get("sharedaccesskeyname");
  return { ...(hostName === undefined ? {} : { hostName }), ...(keyName === undefined ? {} : { keyName }) };
}

/** "RegistryRead, RegistryWrite" -> {"registryread", "registrywrite"} */
export function accessRights(rights: string): Set<string> {
  return new Set(
    rights
      .split(",")
      .map((right) => right.trim().toLowerCase())
      .filter((right) => right !== ""),
  );
}
