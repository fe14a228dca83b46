// The inverse of loading: enrollments as DPS returns them -> a manifest in the same format, for
// brownfield adoption (`npm run export`). No secret leaves DPS: symmetric keys are never written
// (adoption keeps the keys DPS has), a webhook URL becomes the name of a Pulumi secret to set.
import { Document } from "yaml";
import { hubsOfDpsRecord } from "../enrollments/dps-mapping";

/** The fields of DPS's IndividualEnrollment / EnrollmentGroup records that the export reads. */
export interface DpsRecord {
  registrationId?: string;
  enrollmentGroupId?: string;
  deviceId?: string | null;
  attestation?: {
    type: string;
    x509?: Record<
      string,
      { primary?: DpsCert | string | null; secondary?: DpsCert | string | null } | null
    > | null;
    tpm?: { endorsementKey?: string; storageRootKey?: string } | null;
  } | null;
  iotHubs?: string[] | null;
  iotHubHostName?: string | null;
  allocationPolicy?: string | null;
  customAllocationDefinition?: { webhookUrl?: string; apiVersion?: string } | null;
  reprovisionPolicy?: { updateHubAssignment?: boolean; migrateDeviceData?: boolean } | null;
  initialTwin?: {
    tags?: Record<string, unknown> | null;
    properties?: { desired?: Record<string, unknown> | null } | null;
  } | null;
  capabilities?: { iotEdge?: boolean } | null;
  provisioningStatus?: string | null;
  optionalDeviceInformation?: Record<string, unknown> | null;
}

interface DpsCert {
  certificate?: string | null;
  info?: { subjectName?: string; sha256Thumbprint?: string } | null;
}

export interface ExportOptions {
  /** Host name -> hub key, so the manifest says `iotHubs: [weu]` like hand-written ones. */
  readonly hubKeys?: Readonly<Record<string, string>>;
  /** Shown in the header comment. */
  readonly source: string;
  /** Relative path of the schema from the output file, for the yaml-language-server comment. */
  readonly schemaPath: string;
}

export interface ExportResult {
  readonly yaml: string;
  /** What a person must do before `pulumi up` (set a secret, provide a certificate). */
  readonly actions: string[];
  readonly counts: { individualEnrollments: number; enrollmentGroups: number };
}

/** TwinCollection bookkeeping DPS may echo back; not part of what the user declared. */
const TWIN_METADATA = new Set(["metadata", "version", "count"]);

export function manifestFromDps(
  records: { individualEnrollments: readonly DpsRecord[]; enrollmentGroups: readonly DpsRecord[] },
  options: ExportOptions,
): ExportResult {
  const actions: string[] = [];
  const byId = (field: "registrationId" | "enrollmentGroupId") => (a: DpsRecord, b: DpsRecord) =>
    String(a[field]).localeCompare(String(b[field]));
  const individual = [...records.individualEnrollments]
    .sort(byId("registrationId"))
    .map((r) => entry(r, "registrationId", options, actions));
  const groups = [...records.enrollmentGroups]
    .sort(byId("enrollmentGroupId"))
    .map((r) => entry(r, "enrollmentGroupId", options, actions));
  const body: Record<string, unknown> = {};
  if (individual.length > 0) body["individualEnrollments"] = individual;
  if (groups.length > 0) body["enrollmentGroups"] = groups;
  const doc = new Document(body);
  doc.commentBefore = [
    ` yaml-language-server: $schema=${options.schemaPath}`,
    ` Exported from ${options.source} by \`npm run export\`.`,
    " Every entry carries adoptExisting: true, so the next `pulumi up` adopts it as it is (no",
    " recreation, keys unchanged). Symmetric keys are not exported: DPS keeps them.",
    ...(actions.length > 0 ? [" Before `pulumi up`:", ...actions.map((a) => `   - ${a}`)] : []),
  ].join("\n");
  return {
    yaml: doc.toString({ lineWidth: 0 }),
    actions,
    counts: { individualEnrollments: individual.length, enrollmentGroups: groups.length },
  };
}

function entry(
  record: DpsRecord,
  idField: "registrationId" | "enrollmentGroupId",
  options: ExportOptions,
  actions: string[],
): Record<string, unknown> {
  const id = String(record[idField]);
  const out: Record<string, unknown> = { [idField]: id };
  if (idField === "registrationId" && record.deviceId && record.deviceId !== id)
    out["deviceId"] = record.deviceId;
  out["attestation"] = attestation(id, record.attestation, actions);
  const hubs = hubsOfDpsRecord(record);
  if (hubs) out["iotHubs"] = hubs.map((h) => options.hubKeys?.[h] ?? h);
  if (record.allocationPolicy) out["allocationPolicy"] = record.allocationPolicy;
  if (record.customAllocationDefinition) {
    const secret = `${camel(id)}WebhookUrl`;
    out["customAllocationDefinition"] = {
      webhookUrlSecret: secret,
      apiVersion: record.customAllocationDefinition.apiVersion ?? "2021-10-01",
    };
    actions.push(`set the webhook URL of '${id}': pulumi config set --secret ${secret} '<url>'`);
  }
  if (record.reprovisionPolicy) {
    out["reprovisionPolicy"] = {
      updateHubAssignment: record.reprovisionPolicy.updateHubAssignment ?? true,
      migrateDeviceData: record.reprovisionPolicy.migrateDeviceData ?? true,
    };
  }
  const twin = initialTwin(record.initialTwin);
  if (twin) out["initialTwin"] = twin;
  if (record.capabilities) out["capabilities"] = { iotEdge: record.capabilities.iotEdge ?? false };
  if (record.provisioningStatus) out["provisioningStatus"] = record.provisioningStatus;
  if (idField === "registrationId") {
    const info = withoutMetadata(record.optionalDeviceInformation);
    if (info) out["optionalDeviceInformation"] = info;
  }
  out["adoptExisting"] = true;
  return out;
}

function attestation(id: string, raw: DpsRecord["attestation"], actions: string[]): Record<string, unknown> {
  const type = raw?.type ?? "none";
  if (type === "symmetricKey") return { type };
  if (type === "tpm") {
    const tpm: Record<string, string> = { endorsementKey: raw?.tpm?.endorsementKey ?? "" };
    if (raw?.tpm?.storageRootKey) tpm["storageRootKey"] = raw.tpm.storageRootKey;
    return { type, tpm };
  }
  if (type !== "x509") {
    actions.push(
      `'${id}' has attestation type '${type}', which manifests do not support: choose symmetricKey, x509 or tpm`,
    );
    return { type };
  }
  const x509: Record<string, unknown> = {};
  for (const [name, pair] of Object.entries(raw?.x509 ?? {})) {
    if (!pair) continue;
    if (name === "caReferences") {
      x509[name] = Object.fromEntries(Object.entries(pair).filter(([, v]) => typeof v === "string"));
      // The stack must declare every CA a manifest names (the loader refuses others); this one
      // is in the DPS already, so it is declared as existing, not uploaded again.
      for (const ca of Object.values(x509[name] as Record<string, string>)) {
        actions.push(
          `declare the CA certificate '${ca}' that '${id}' names: pulumi config set --path 'dps-as-code:dps.caCertificates.${ca}.existing' true`,
        );
      }
      continue;
    }
    const certs: Record<string, unknown> = {};
    for (const slot of ["primary", "secondary"] as const) {
      const cert = pair[slot];
      if (!cert) continue;
      const pem = typeof cert === "string" ? cert : cert.certificate;
      if (pem && pem.includes("-----BEGIN CERTIFICATE-----")) {
        certs[slot] = { certificate: pem.endsWith("\n") ? pem : `${pem}\n` };
      } else {
        // DPS returns only the certificate's details, not the certificate itself.
        const file = `certs/${id}-${slot}.pem`;
        const subject = typeof cert === "string" ? undefined : cert.info?.subjectName;
        certs[slot] = { certificateFile: file };
        actions.push(
          `put the ${slot} certificate of '${id}'${subject ? ` (${subject})` : ""} in ${file}, next to this file`,
        );
      }
    }
    x509[name] = certs;
  }
  return { type, x509 };
}

function initialTwin(raw: DpsRecord["initialTwin"]): Record<string, unknown> | undefined {
  const tags = withoutMetadata(raw?.tags);
  const desired = withoutMetadata(raw?.properties?.desired);
  if (!tags && !desired) return undefined;
  return { ...(tags ? { tags } : {}), ...(desired ? { properties: { desired } } : {}) };
}

function withoutMetadata(
  collection: Record<string, unknown> | null | undefined,
): Record<string, unknown> | undefined {
  if (!collection) return undefined;
  // Only null placeholders and $-fields: a user's own tag may well be called "version" (the
  // bug behind azure-cli#30610 was dropping exactly that).
  const kept = Object.entries(collection).filter(
    ([k, v]) => !(k.startsWith("$") || (TWIN_METADATA.has(k) && v === null)),
  );
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function camel(id: string): string {
  const parts = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = parts
    .map((p, i) => (i === 0 ? p.toLowerCase() : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join("");
  return /^[A-Za-z]/.test(joined) ? joined : `e${joined}`;
}
