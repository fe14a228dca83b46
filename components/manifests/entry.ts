// Turns one schema-valid entry (defaults applied) into a typed spec, checking the rules DPS
// enforces (or would enforce too late, at device registration) before anything is sent.
import {
  type AllocationPolicy,
  allocationRuleViolations,
  checkTwinCollection,
  CUSTOM_ALLOCATION_API_VERSION_RULE,
  decodeStrictBase64,
  HUBS_WITHOUT_POLICY_ALLOWED,
  isCustomAllocationApiVersion,
  parseCertificate,
  ROTATION_STEPS,
} from "@dps-as-code/contract";
import { readCertificateFile, resolveCertificatePath } from "./certificates";
import { checkAsResource } from "./resource-check";
import { checkStackReferences } from "./stack-references";
import type { ManifestProblem } from "./errors";
import { fieldName } from "./fields";
import { resolveHub } from "./hubs";
import type { FieldPath, Position } from "./yaml-source";
import type {
  AttestationSpec,
  EnrollmentCommonSpec,
  EnrollmentGroupSpec,
  IndividualEnrollmentSpec,
  LoadManifestOptions,
  X509CertificatePair,
} from "./types";

export interface EntryContext {
  readonly file: string;
  readonly kind: "individualEnrollment" | "enrollmentGroup";
  readonly id: string;
  /** Where a field of this entry was written (the entry, else the file's defaults, else the entry start). */
  locate(field: FieldPath, atKey?: boolean): Position;
  readonly options: LoadManifestOptions;
  readonly now: Date;
}

type Raw = Record<string, unknown>;
type RawCert = { certificate?: string; certificateFile?: string };
type RawPair = { primary: RawCert; secondary?: RawCert };

export function buildEntry(
  context: EntryContext,
  raw: Raw,
): { spec: IndividualEnrollmentSpec | EnrollmentGroupSpec | undefined; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  const report = (field: FieldPath, problem: string, allowed?: string, atKey = false) => {
    problems.push({
      file: context.file,
      ...context.locate(field, atKey),
      entry: { kind: context.kind, id: context.id },
      field: fieldName(field),
      problem,
      ...(allowed ? { allowed } : {}),
    });
  };

  const attestation = buildAttestation(context, raw["attestation"] as Raw, report);
  const iotHubs = resolveHubs(context, raw["iotHubs"] as string[] | undefined, report);
  checkAllocation(raw, report);
  checkTwin(raw, report);
  checkStackReferences(raw, context.options, report);

  if (problems.length > 0 || !attestation) return { spec: undefined, problems };
  const common: EnrollmentCommonSpec = {
    attestation,
    ...pick(raw, [
      "allocationPolicy",
      "customAllocationDefinition",
      "reprovisionPolicy",
      "initialTwin",
      "capabilities",
      "provisioningStatus",
      "adoptExisting",
      "deleteRegistrationStateOnDelete",
      "allowSymmetricKeyInProduction",
      "labels",
    ]),
    ...(iotHubs ? { iotHubs } : {}),
    source: { file: context.file, line: context.locate([]).line },
  };
  const spec =
    context.kind === "individualEnrollment"
      ? ({
          registrationId: context.id,
          ...pick(raw, ["previousIds", "deviceId", "optionalDeviceInformation"]),
          ...common,
        } as IndividualEnrollmentSpec)
      : ({ enrollmentGroupId: context.id, ...pick(raw, ["previousIds"]), ...common } as EnrollmentGroupSpec);
  for (const failure of checkAsResource(context.kind, spec, context.options, context.now)) {
    report(
      failure.field.split("."),
      `${failure.problem} (the enrollment resource's check, run by \`pulumi preview\`)`,
      failure.allowed,
    );
  }
  return problems.length > 0 ? { spec: undefined, problems } : { spec, problems };
}

type Report = (field: FieldPath, problem: string, allowed?: string, atKey?: boolean) => void;

function pick(raw: Raw, keys: string[]): Raw {
  const out: Raw = {};
  for (const key of keys) if (raw[key] !== undefined) out[key] = raw[key];
  return out;
}

function buildAttestation(context: EntryContext, raw: Raw, report: Report): AttestationSpec | undefined {
  const type = raw["type"] as "symmetricKey" | "x509" | "tpm";
  let ok = true;
  for (const other of ["symmetricKey", "x509", "tpm"]) {
    if (other !== type && raw[other] !== undefined) {
      report(
        ["attestation", other],
        `does not belong to attestation type '${type}'`,
        `only 'attestation.${type}'`,
        true,
      );
      ok = false;
    }
  }
  if (type === "symmetricKey") {
    const keys = raw["symmetricKey"] as
      { primaryKeySecret?: string; secondaryKeySecret?: string } | undefined;
    if (keys?.secondaryKeySecret !== undefined && keys.primaryKeySecret === undefined) {
      report(
        ["attestation", "symmetricKey", "secondaryKeySecret"],
        "a secondary key needs a primary key",
        "both key secrets, or neither (DPS generates both)",
        true,
      );
      return undefined;
    }
    return ok ? { type, ...(keys ? { symmetricKey: keys } : {}) } : undefined;
  }
  if (type === "tpm") {
    const tpm = raw["tpm"] as { endorsementKey: string; storageRootKey?: string };
    for (const name of ["endorsementKey", "storageRootKey"] as const) {
      const value = tpm[name];
      if (value !== undefined && !decodeStrictBase64(value)) {
        report(
          ["attestation", "tpm", name],
          "is not base64 (value hidden)",
          `the TPM's ${name} as one line of standard base64 with padding, as the TPM tools print it`,
        );
        ok = false;
      }
    }
    return ok ? { type, tpm } : undefined;
  }
  const x509 = raw["x509"] as {
    clientCertificates?: RawPair;
    signingCertificates?: RawPair;
    caReferences?: { primary: string; secondary?: string };
  };
  if (context.kind === "individualEnrollment") {
    if (!x509.clientCertificates) {
      report(
        ["attestation", "x509"],
        "x509 attestation of an individual enrollment needs clientCertificates",
        "clientCertificates.primary (the device certificate)",
      );
      return undefined;
    }
    const pair = buildPair(
      context,
      ["attestation", "x509", "clientCertificates"],
      x509.clientCertificates,
      report,
    );
    if (pair) {
      const cn = pair.commonNames.primary;
      if (cn !== undefined && cn.toLowerCase() !== context.id.toLowerCase()) {
        report(
          ["attestation", "x509", "clientCertificates", "primary"],
          `certificate subject CN '${cn}' differs from the registration id`,
          `a certificate whose CN is '${context.id}' (DPS uses the CN as registration id)`,
        );
        return undefined;
      }
    }
    return ok && pair ? { type, x509: { clientCertificates: pair.pair } } : undefined;
  }
  const hasSigning = x509.signingCertificates !== undefined;
  const hasCa = x509.caReferences !== undefined;
  if (hasSigning === hasCa) {
    report(
      ["attestation", "x509"],
      hasSigning
        ? "signingCertificates and caReferences are exclusive"
        : "x509 attestation of an enrollment group needs a CA",
      "exactly one of signingCertificates (intermediate or root PEM) or caReferences (a CA certificate name in DPS)",
    );
    return undefined;
  }
  if (hasCa)
    return checkCaReferences(context, x509.caReferences!, report) && ok
      ? { type, x509: { caReferences: x509.caReferences! } }
      : undefined;
  const pair = buildPair(
    context,
    ["attestation", "x509", "signingCertificates"],
    x509.signingCertificates!,
    report,
  );
  return ok && pair ? { type, x509: { signingCertificates: pair.pair } } : undefined;
}

/** `caReferences` name CA certificates the stack declares (when the loader knows them). */
function checkCaReferences(
  context: EntryContext,
  refs: { primary: string; secondary?: string },
  report: Report,
): boolean {
  const declared = context.options.caCertificates;
  if (declared === undefined) return true;
  let ok = true;
  for (const slot of ["primary", "secondary"] as const) {
    const name = refs[slot];
    if (name === undefined || declared.includes(name)) continue;
    ok = false;
    report(
      ["attestation", "x509", "caReferences", slot],
      `CA certificate '${name}' is not declared by this stack`,
      (declared.length > 0
        ? `one of the stack's dps.caCertificates: ${declared.join(", ")} (or declare '${name}' there)`
        : `a CA declared under dps-as-code:dps.caCertificates in the stack config (none is declared): add '${name}' with its certificate, or { existing: true } when it is already in the DPS`) +
        // The same order the rotation plan and the policy dps-enrollment-credential-rotation keep.
        `; a CA leaves the stack only once no group names it (step "${ROTATION_STEPS.switchToNewCa}" of npm run plan-rotation, deployed before step "${ROTATION_STEPS.retireOldCa}")`,
    );
  }
  return ok;
}

function buildPair(
  context: EntryContext,
  at: FieldPath,
  raw: RawPair,
  report: Report,
): { pair: X509CertificatePair; commonNames: { primary?: string } } | undefined {
  const primary = buildCertificate(context, [...at, "primary"], raw.primary, report);
  const secondary = raw.secondary
    ? buildCertificate(context, [...at, "secondary"], raw.secondary, report)
    : undefined;
  if (!primary || (raw.secondary && !secondary)) return undefined;
  return {
    pair: {
      primary: { certificate: primary.pem },
      ...(secondary ? { secondary: { certificate: secondary.pem } } : {}),
    },
    commonNames: primary.commonName !== undefined ? { primary: primary.commonName } : {},
  };
}

function buildCertificate(
  context: EntryContext,
  at: FieldPath,
  raw: RawCert,
  report: Report,
): { pem: string; commonName?: string } | undefined {
  if ((raw.certificate === undefined) === (raw.certificateFile === undefined)) {
    report(
      at,
      raw.certificate === undefined
        ? "no certificate given"
        : "certificate and certificateFile are exclusive",
      "exactly one of certificate (PEM text) or certificateFile (a path relative to the manifest)",
    );
    return undefined;
  }
  let text = raw.certificate;
  const field = raw.certificate !== undefined ? [...at, "certificate"] : [...at, "certificateFile"];
  if (raw.certificateFile !== undefined) {
    const resolved = resolveCertificatePath(
      context.file,
      raw.certificateFile,
      context.options.pathVariables ?? {},
      context.options.repositoryRoot,
    );
    if (!resolved.ok) return void report(field, resolved.problem, resolved.allowed);
    const read = readCertificateFile(resolved.path);
    if (!read.ok) return void report(field, read.problem, read.allowed);
    text = read.text;
  }
  const parsed = parseCertificate(text ?? "");
  if (!parsed.ok)
    return void report(
      field,
      `${raw.certificateFile !== undefined ? `file '${raw.certificateFile}'` : "the value"} ${parsed.problem}`,
      parsed.allowed,
    );
  const { certificate } = parsed;
  if (certificate.notAfter.getTime() <= context.now.getTime()) {
    report(
      field,
      `certificate expired on ${certificate.notAfter.toISOString()}`,
      "a certificate valid now (renew it, then update the manifest)",
    );
    return undefined;
  }
  // The PEM block as written keeps the manifest's spelling in state; base64 forms become PEM.
  const pem = certificate.block !== undefined ? `${certificate.block}\n` : `${certificate.pem}\n`;
  return { pem, ...(certificate.commonName !== undefined ? { commonName: certificate.commonName } : {}) };
}

function resolveHubs(
  context: EntryContext,
  refs: string[] | undefined,
  report: Report,
): string[] | undefined {
  if (!refs) return undefined;
  const out: string[] = [];
  refs.forEach((ref, index) => {
    const resolved = resolveHub(ref, context.options);
    if (resolved.ok) out.push(resolved.hostName);
    else report(["iotHubs", index], resolved.problem, resolved.allowed);
  });
  return out.length === refs.length ? out : undefined;
}

function checkAllocation(raw: Raw, report: Report): void {
  const policy = raw["allocationPolicy"] as AllocationPolicy | undefined;
  const refs = raw["iotHubs"] as string[] | undefined;
  const custom = raw["customAllocationDefinition"] as { apiVersion: string } | undefined;
  // The rules: contract/dps/allocation.ts; the words: this project's messages.
  for (const violation of allocationRuleViolations(policy, refs?.length, custom !== undefined)) {
    switch (violation.rule) {
      case "hubsWithoutPolicy":
        report(["iotHubs"], "iotHubs without an allocationPolicy", HUBS_WITHOUT_POLICY_ALLOWED, true);
        break;
      case "staticHubCount":
        report(
          refs ? ["iotHubs"] : ["allocationPolicy"],
          refs ? `static allocation with ${refs.length} hubs` : "static allocation without a hub",
          "exactly one hub in iotHubs with allocationPolicy 'static'",
        );
        break;
      case "customWithoutDefinition":
        report(
          ["allocationPolicy"],
          "custom allocation without a webhook",
          "customAllocationDefinition { webhookUrlSecret, apiVersion } with allocationPolicy 'custom'",
        );
        break;
      case "definitionWithoutCustom":
        report(
          ["customAllocationDefinition"],
          `a webhook with allocationPolicy '${policy ?? "(DPS default)"}'`,
          "customAllocationDefinition only with allocationPolicy 'custom'",
          true,
        );
        break;
    }
  }
  if (custom && !isCustomAllocationApiVersion(custom.apiVersion)) {
    report(
      ["customAllocationDefinition", "apiVersion"],
      `'${custom.apiVersion}' is not a DPS API version`,
      CUSTOM_ALLOCATION_API_VERSION_RULE,
    );
  }
}

function checkTwin(raw: Raw, report: Report): void {
  const twin = raw["initialTwin"] as { tags?: Raw; properties?: { desired?: Raw } } | undefined;
  const sections = [
    ["tags", twin?.tags, ["initialTwin", "tags"]],
    ["desired", twin?.properties?.desired, ["initialTwin", "properties", "desired"]],
  ] as const;
  for (const [section, collection, at] of sections) {
    if (collection === undefined) continue;
    for (const problem of checkTwinCollection(section, collection)) {
      report(
        [...at, ...problem.path],
        problem.problem,
        `${problem.allowed} (IoT Hub twin rule: the hub refuses the device's twin at registration)`,
        problem.path.length > 0,
      );
    }
  }
}
