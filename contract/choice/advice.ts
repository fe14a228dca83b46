// The advice between individual enrollments and enrollment groups, offline (no DPS call):
// - individual enrollments that share one configuration, at least `minimumSharedConfiguration`
//   of them, are pointed out with the group that would replace them;
// - groups whose devices are marked as needing individual traceability are pointed out the
//   other way.
// Individual enrollments give control and traceability per device; groups give scale and
// automation (learn.microsoft.com/azure/iot-dps/concepts-service#enrollment).
import { readCertificate } from "../dps/certificates";
import { issuerName, issuedBy } from "./certificates";
import type { DpsCaCertificate, EnrollmentView, GroupView, IndividualView } from "./enrollment-view";
import type { EnrollmentChoiceSettings } from "./settings";

/** The group that would replace a set of individual enrollments, as a manifest entry (DPS's field names). */
export interface ProposedGroup {
  readonly enrollmentGroupId: string;
  readonly attestation:
    | { readonly type: "symmetricKey" }
    | { readonly type: "x509"; readonly x509: { readonly caReferences: { readonly primary: string } } }
    | {
        readonly type: "x509";
        readonly x509: {
          readonly signingCertificates: { readonly primary: { readonly certificateFile: string } };
        };
      };
  readonly iotHubs?: readonly string[];
  readonly allocationPolicy?: string;
  readonly customAllocationDefinition?: EnrollmentView["customAllocationDefinition"];
  readonly reprovisionPolicy?: EnrollmentView["reprovisionPolicy"];
  readonly initialTwin?: unknown;
  readonly capabilities?: EnrollmentView["capabilities"];
}

export interface GroupAdvice {
  readonly direction: "individuals-to-group";
  /** The individual enrollments the group would replace, sorted. */
  readonly registrationIds: readonly string[];
  /** What they share, in words ("X.509 issued by CN=..., hubs weu, static, ..."). */
  readonly shared: string;
  readonly group: ProposedGroup;
}

export interface TraceabilityAdvice {
  readonly direction: "group-to-individuals";
  readonly enrollmentGroupId: string;
  /** "traceability: individual": the label that marks the group. */
  readonly marking: string;
}

export type EnrollmentChoiceAdvice = GroupAdvice | TraceabilityAdvice;

export function adviseEnrollmentChoice(
  enrollments: {
    readonly individualEnrollments: readonly IndividualView[];
    readonly enrollmentGroups: readonly GroupView[];
  },
  settings: EnrollmentChoiceSettings,
  caCertificates: readonly DpsCaCertificate[] = [],
): EnrollmentChoiceAdvice[] {
  const marked = (view: EnrollmentView) =>
    view.labels?.[settings.traceabilityLabel] === settings.traceabilityValue;
  const buckets = new Map<
    string,
    { shared: string; attestation: ProposedGroup["attestation"]; members: IndividualView[] }
  >();
  for (const individual of enrollments.individualEnrollments) {
    if (marked(individual)) continue;
    const key = groupableConfiguration(individual, caCertificates);
    if (!key) continue;
    const bucket = buckets.get(key.signature) ?? {
      shared: key.shared,
      attestation: key.attestation,
      members: [],
    };
    bucket.members.push(individual);
    buckets.set(key.signature, bucket);
  }
  const takenIds = new Set(enrollments.enrollmentGroups.map((g) => g.enrollmentGroupId.toLowerCase()));
  const advice: EnrollmentChoiceAdvice[] = [];
  for (const bucket of buckets.values()) {
    if (bucket.members.length < settings.minimumSharedConfiguration) continue;
    const first = bucket.members[0]!;
    const enrollmentGroupId = proposedGroupId(
      bucket.members.map((m) => m.registrationId),
      takenIds,
    );
    takenIds.add(enrollmentGroupId.toLowerCase());
    advice.push({
      direction: "individuals-to-group",
      registrationIds: bucket.members.map((m) => m.registrationId).sort(),
      shared: bucket.shared,
      group: dropUndefined({
        enrollmentGroupId,
        attestation: bucket.attestation,
        iotHubs: first.iotHubs,
        allocationPolicy: first.allocationPolicy,
        customAllocationDefinition:
          first.customAllocationDefinition &&
          dropUndefined({
            webhookUrlSecret: first.customAllocationDefinition.webhookUrlSecret,
            apiVersion: first.customAllocationDefinition.apiVersion,
          }),
        reprovisionPolicy: first.reprovisionPolicy,
        initialTwin: first.initialTwin,
        capabilities: first.capabilities,
      }),
    });
  }
  for (const group of enrollments.enrollmentGroups) {
    if (marked(group)) {
      advice.push({
        direction: "group-to-individuals",
        enrollmentGroupId: group.enrollmentGroupId,
        marking: `${settings.traceabilityLabel}: ${settings.traceabilityValue}`,
      });
    }
  }
  return advice;
}

/**
 * The configuration a group would have to reproduce for this device, or undefined when no group
 * can: a disabled enrollment (it blocks its device on purpose), TPM (DPS has no TPM groups), a
 * device id other than the registration id or optional device information (a group device's id
 * is its registration id and groups carry no per-device data), an unreadable certificate.
 */
function groupableConfiguration(
  individual: IndividualView,
  caCertificates: readonly DpsCaCertificate[],
): { signature: string; shared: string; attestation: ProposedGroup["attestation"] } | undefined {
  if ((individual.provisioningStatus ?? "enabled") !== "enabled") return undefined;
  if (individual.deviceId !== undefined && individual.deviceId !== individual.registrationId)
    return undefined;
  if (individual.optionalDeviceInformation !== undefined) return undefined;
  let attestationKey: string;
  let attestationWords: string;
  let attestation: ProposedGroup["attestation"];
  const type = individual.attestation?.type;
  if (type === "symmetricKey") {
    attestationKey = "symmetricKey";
    attestationWords = "symmetric key";
    attestation = { type: "symmetricKey" };
  } else if (type === "x509") {
    const device = readCertificate(individual.attestation?.x509?.clientCertificates?.primary?.certificate);
    if (!device) return undefined;
    const issuer = issuerName(device);
    const ca = caCertificates.find((c) => {
      const parsed = readCertificate(c.certificate);
      return parsed !== undefined && issuedBy(device, parsed);
    });
    attestationKey = `x509\u0000${ca ? `ca:${ca.name}` : `issuer:${issuer}`}`;
    attestationWords = ca
      ? `X.509 issued by DPS CA certificate "${ca.name}" (${issuer})`
      : `X.509 issued by ${issuer}`;
    attestation = ca
      ? { type: "x509", x509: { caReferences: { primary: ca.name } } }
      : {
          type: "x509",
          x509: { signingCertificates: { primary: { certificateFile: `<the PEM file of ${issuer}>` } } },
        };
  } else {
    return undefined;
  }
  const hubs = [...(individual.iotHubs ?? [])].map((h) => h.toLowerCase()).sort();
  const custom = individual.customAllocationDefinition;
  const parts = [
    attestationKey,
    hubs.join(","),
    individual.allocationPolicy ?? "",
    custom ? `${custom.apiVersion ?? ""}\u0000${custom.webhookUrlSecret ?? custom.webhookUrl ?? ""}` : "",
    canonical(individual.reprovisionPolicy),
    String(individual.capabilities?.iotEdge ?? false),
    canonical(individual.initialTwin),
  ];
  const shared = [
    attestationWords,
    `hubs ${hubs.length > 0 ? hubs.join(", ") : "(all linked)"}`,
    `allocation ${individual.allocationPolicy ?? "(DPS default)"}`,
    `reprovision ${individual.reprovisionPolicy ? `updateHubAssignment=${individual.reprovisionPolicy.updateHubAssignment}, migrateDeviceData=${individual.reprovisionPolicy.migrateDeviceData}` : "(DPS default)"}`,
    individual.capabilities?.iotEdge ? "IoT Edge" : undefined,
    individual.initialTwin !== undefined ? "the same initial twin" : "no initial twin",
  ].filter((part): part is string => part !== undefined);
  return { signature: parts.join("\u0001"), shared: shared.join("; "), attestation };
}

/** The registration ids' common prefix (without trailing separators or digits) + "-group", made unique. */
export function proposedGroupId(registrationIds: readonly string[], taken: ReadonlySet<string>): string {
  let prefix = registrationIds[0] ?? "";
  for (const id of registrationIds) {
    while (!id.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
  }
  const stem = prefix.replace(/[^A-Za-z]+$/, "") || "enrollment";
  let candidate = `${stem}-group`;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-group-${n}`;
  return candidate;
}

/** JSON with sorted keys: two twins that differ only in key order are the same twin. */
export function canonical(value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
