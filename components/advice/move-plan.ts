// The safe move between individual enrollments and an enrollment group, as an ordered plan of
// pull requests (manifest changes only; nothing reaches DPS). The order is the point: DPS tries
// a device's individual enrollment before any group, so
//   individual -> group: 1. create the group (devices keep provisioning individually);
//                        2. only then delete the individual enrollments the group covers;
//   group -> individual: 1. create the individual enrollments (they take precedence at once);
//                        2. retire the group, if no other device needs it.
// Each step is a complete set of new manifest texts; the CLI (scripts/plan-enrollment-move.ts)
// writes them with a patch and the pull request's description.
import * as path from "node:path";
import { parseDocument, stringify, isMap, isSeq } from "yaml";
import {
  coverageOf,
  type DpsCaCertificate,
  type GroupView,
  issuedBy,
  issuerName,
  readCertificate,
} from "@dps-as-code/contract";
import type { EnrollmentGroupSpec, IndividualEnrollmentSpec, LoadedManifests } from "../manifests";

export interface ManifestText {
  /** Path as the loader saw it (the patch uses it too). */
  readonly file: string;
  readonly text: string;
}

export interface MoveStep {
  /** "create-group", "retire-individual-enrollments", ... (the folder name after the step number). */
  readonly slug: string;
  readonly title: string;
  /** The pull request's description: what changes, what must happen before it merges, and after. */
  readonly description: string;
  /** New texts of the files this step changes; `text: undefined` deletes the file. */
  readonly files: readonly { readonly file: string; readonly text: string | undefined }[];
  /** Extra files for the people doing the step (device id lists), by name. */
  readonly attachments?: Readonly<Record<string, string>>;
}

export class MovePlanError extends Error {}

/** Stands in a step's description for the step's folder as written (e.g. `plan/2-replace-secondary-key`), so commands can name its files. */
export const STEP_FOLDER = "{{step-folder}}";

export interface ToGroupRequest {
  readonly direction: "to-group";
  readonly enrollmentGroupId: string;
  readonly registrationIds: readonly string[];
  /** PEM of the CA that issued the devices' certificates, when no DPS CA certificate of the stack did. */
  readonly signingCertificate?: { readonly file: string; readonly text: string };
}

export interface ToIndividualRequest {
  readonly direction: "to-individual";
  readonly enrollmentGroupId: string;
  readonly registrationIds: readonly string[];
  /** X.509: `<registrationId>.pem` files (the device certificates), as paths the manifests may name. */
  readonly deviceCertificates?: Readonly<Record<string, { readonly file: string; readonly text: string }>>;
}

export interface MoveContext {
  readonly manifests: LoadedManifests;
  readonly texts: readonly ManifestText[];
  /** Folder new manifest files go to. */
  readonly manifestsDir: string;
  readonly caCertificates: readonly DpsCaCertificate[];
  /** Host name -> the hub name manifests use (the stack config's key). */
  readonly hubName: (hostName: string) => string;
  readonly stack: string;
}

export function planEnrollmentMove(
  request: ToGroupRequest | ToIndividualRequest,
  context: MoveContext,
): MoveStep[] {
  return request.direction === "to-group"
    ? planToGroup(request, context)
    : planToIndividual(request, context);
}

function planToGroup(request: ToGroupRequest, context: MoveContext): MoveStep[] {
  const individuals = request.registrationIds.map((id) => findIndividual(context.manifests, id));
  const first = individuals[0];
  if (!first) throw new MovePlanError("name at least one individual enrollment to move");
  const kind = first.attestation.type;
  for (const individual of individuals) {
    if (individual.attestation.type === "tpm")
      throw new MovePlanError(
        `individual enrollment "${individual.registrationId}" uses TPM attestation: DPS has no TPM enrollment groups, so it stays individual`,
      );
    if (individual.attestation.type !== kind)
      throw new MovePlanError(
        `individual enrollments "${first.registrationId}" (${kind}) and "${individual.registrationId}" (${individual.attestation.type}) cannot share one group: move them to one group per attestation kind`,
      );
    if (individual.deviceId !== undefined && individual.deviceId !== individual.registrationId) {
      throw new MovePlanError(
        `individual enrollment "${individual.registrationId}" gives its device the IoT Hub id "${individual.deviceId}"; a group's device id is its registration id, so the device's identity would change: keep it individual`,
      );
    }
  }
  const existing = context.manifests.enrollmentGroups.find(
    (g) => g.enrollmentGroupId.toLowerCase() === request.enrollmentGroupId.toLowerCase(),
  );
  const steps: MoveStep[] = [];
  const notes: string[] = [];
  let group: GroupView;
  if (existing) {
    const uncovered = individuals
      .map((i) => ({ i, c: coverageOf(i, [existing], context.caCertificates) }))
      .filter(({ c }) => !c.covered);
    if (uncovered.length > 0) {
      throw new MovePlanError(
        `enrollment group "${existing.enrollmentGroupId}" does not cover ${uncovered.map(({ i, c }) => `"${i.registrationId}" (${c.covered ? "" : c.why})`).join(", ")}: ` +
          `widen it first (for X.509, declare the issuing CA as its signing certificate or caReference) or choose another group`,
      );
    }
    group = existing;
    notes.push(
      `Enrollment group "${existing.enrollmentGroupId}" (${existing.source.file}:${existing.source.line}) already covers every device: nothing to create.`,
    );
  } else {
    const entry = proposedGroupEntry(request, first, context);
    group = {
      enrollmentGroupId: request.enrollmentGroupId,
      attestation: entry.attestation as GroupView["attestation"],
    };
    const file = newManifestFile(context, request.enrollmentGroupId);
    const header = `# yaml-language-server: $schema=../../schemas/enrollment-manifest.schema.json\n# Replaces the individual enrollments ${request.registrationIds.join(", ")} (npm run plan-enrollment-move).\n`;
    steps.push({
      slug: "create-group",
      title: `Create enrollment group ${request.enrollmentGroupId}`,
      description: [
        `Adds enrollment group \`${request.enrollmentGroupId}\`, with the configuration of \`${first.registrationId}\`. The individual enrollments stay: DPS keeps using them for their devices until step 2, so nothing changes for a device yet.`,
        ...differences(first, individuals, context.hubName),
        "",
        kind === "symmetricKey"
          ? `After this step deploys: read the group key (\`pulumi stack output enrollmentGroupKeys --show-secrets -s ${context.stack}\`) and derive each device's key (\`npm run derive-device-key -- --ids-file device-ids.txt\`, group key on stdin). Deliver each key to its device or to the factory, next to the device's current key. Step 2 must not merge before every device holds its derived key.`
          : "Devices keep their certificates: the group trusts the CA that issued them, so there is nothing to deliver.",
      ].join("\n"),
      files: [{ file, text: header + stringify({ enrollmentGroups: [entry] }, { lineWidth: 0 }) }],
      ...(kind === "symmetricKey"
        ? { attachments: { "device-ids.txt": individuals.map((i) => i.registrationId).join("\n") + "\n" } }
        : {}),
    });
  }
  for (const individual of individuals) {
    const coverage = coverageOf(individual, [group], context.caCertificates);
    if (!coverage.covered)
      throw new MovePlanError(
        `the planned group would not cover "${individual.registrationId}": ${coverage.why}`,
      );
  }
  steps.push({
    slug: "retire-individual-enrollments",
    title: `Retire ${individuals.length} individual enrollment(s) now covered by ${group.enrollmentGroupId}`,
    description: [
      ...notes,
      `Deletes the individual enrollments ${request.registrationIds.map((id) => `\`${id}\``).join(", ")}. From this deployment on, DPS finds no individual enrollment for these devices and provisions them through \`${group.enrollmentGroupId}\`, with the same registration id, hence the same IoT Hub device id.`,
      "",
      "Merge only when step 1 is deployed" +
        (kind === "symmetricKey"
          ? " and every device holds its derived key: after this deployment a device's individual key is refused (401) and it must register with the derived key."
          : "."),
      "The policy `dps-enrollment-retirement-covered` checks in the preview that a group of the stack covers each deleted enrollment's device.",
    ].join("\n"),
    files: removeIndividuals(context.texts, request.registrationIds),
  });
  return steps;
}

function planToIndividual(request: ToIndividualRequest, context: MoveContext): MoveStep[] {
  const group = context.manifests.enrollmentGroups.find(
    (g) => g.enrollmentGroupId.toLowerCase() === request.enrollmentGroupId.toLowerCase(),
  );
  if (!group) throw new MovePlanError(`no enrollment group "${request.enrollmentGroupId}" in the manifests`);
  if (request.registrationIds.length === 0)
    throw new MovePlanError(
      `name the registration ids of the devices of "${group.enrollmentGroupId}" to enroll individually`,
    );
  const declared = new Set(
    context.manifests.individualEnrollments.map((i) => i.registrationId.toLowerCase()),
  );
  const entries = request.registrationIds.map((registrationId) => {
    if (declared.has(registrationId.toLowerCase()))
      throw new MovePlanError(`"${registrationId}" already has an individual enrollment`);
    return {
      registrationId,
      ...sharedSettings(group, context.hubName),
      attestation: individualAttestation(group, registrationId, request, context),
    };
  });
  const file = newManifestFile(context, `${group.enrollmentGroupId}-individual`);
  const symmetric = group.attestation.type === "symmetricKey";
  const secretCommands = request.registrationIds.flatMap((id) => [
    `npm run derive-device-key -- ${id} < group-primary-key.txt | cut -d' ' -f2 | pulumi config set --secret ${keySecretName(id, "primary")} -s ${context.stack}`,
    `npm run derive-device-key -- ${id} < group-secondary-key.txt | cut -d' ' -f2 | pulumi config set --secret ${keySecretName(id, "secondary")} -s ${context.stack}`,
  ]);
  return [
    {
      slug: "create-individual-enrollments",
      title: `Enroll ${entries.length} device(s) of ${group.enrollmentGroupId} individually`,
      description: [
        `Adds an individual enrollment per device, with the group's configuration. DPS uses an individual enrollment before any group, so from this deployment on these devices provision individually, with the same registration id and IoT Hub device id.`,
        symmetric
          ? `Each individual enrollment takes the device's current key (derived from the group keys), so the devices need nothing new. Before merging, store the keys as stack secrets (group keys from \`pulumi stack output enrollmentGroupKeys --show-secrets -s ${context.stack}\`):\n\n\`\`\`sh\n${secretCommands.join("\n")}\n\`\`\``
          : "Each individual enrollment holds the device's own certificate; the devices need nothing new.",
      ].join("\n"),
      files: [
        {
          file,
          text: `# yaml-language-server: $schema=../../schemas/enrollment-manifest.schema.json\n# Devices of ${group.enrollmentGroupId} enrolled individually (npm run plan-enrollment-move).\n${stringify({ individualEnrollments: entries }, { lineWidth: 0 })}`,
        },
      ],
    },
    {
      slug: "retire-group",
      title: `Retire enrollment group ${group.enrollmentGroupId} (only if no other device needs it)`,
      description: [
        `Deletes enrollment group \`${group.enrollmentGroupId}\`. Merge only if every device of the group now has an individual enrollment: list the group's registrations (\`az iot dps enrollment-group registration list --group-id ${group.enrollmentGroupId}\`) and compare. A device of the group without an individual enrollment could no longer provision.`,
        "Optional: keeping the group does no harm, the individual enrollments take precedence.",
      ].join("\n"),
      files: removeGroup(context.texts, group),
    },
  ];
}

/** A manifest file name no existing manifest uses: `<stem>.yaml`, else `<stem>-2.yaml`, ... */
function newManifestFile(context: MoveContext, stem: string): string {
  const taken = new Set(context.texts.map((t) => path.basename(t.file).toLowerCase()));
  let name = `${stem}.yaml`;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.yaml`;
  return path.join(context.manifestsDir, name);
}

export function keySecretName(registrationId: string, slot: "primary" | "secondary"): string {
  return `deviceKey-${registrationId.replace(/[^A-Za-z0-9-]/g, "-")}-${slot}`;
}

function individualAttestation(
  group: EnrollmentGroupSpec,
  registrationId: string,
  request: ToIndividualRequest,
  context: MoveContext,
): object {
  if (group.attestation.type === "symmetricKey") {
    return {
      type: "symmetricKey",
      symmetricKey: {
        primaryKeySecret: keySecretName(registrationId, "primary"),
        secondaryKeySecret: keySecretName(registrationId, "secondary"),
      },
    };
  }
  const certificate = request.deviceCertificates?.[registrationId];
  if (!certificate)
    throw new MovePlanError(
      `"${registrationId}": an X.509 device needs its certificate to be enrolled individually: pass --device-certificates <folder> with ${registrationId}.pem`,
    );
  const relative = path.relative(context.manifestsDir, certificate.file);
  return { type: "x509", x509: { clientCertificates: { primary: { certificateFile: relative } } } };
}

function proposedGroupEntry(
  request: ToGroupRequest,
  first: IndividualEnrollmentSpec,
  context: MoveContext,
): Record<string, unknown> {
  let attestation: object;
  if (first.attestation.type === "symmetricKey") {
    attestation = { type: "symmetricKey" };
  } else {
    const device = readCertificate(
      first.attestation.type === "x509"
        ? first.attestation.x509.clientCertificates?.primary.certificate
        : undefined,
    );
    if (!device) throw new MovePlanError(`the certificate of "${first.registrationId}" cannot be read`);
    const ca = context.caCertificates.find((c) => {
      const parsed = readCertificate(c.certificate);
      return parsed !== undefined && issuedBy(device, parsed);
    });
    if (ca) attestation = { type: "x509", x509: { caReferences: { primary: ca.name } } };
    else if (request.signingCertificate) {
      const signing = readCertificate(request.signingCertificate.text);
      if (!signing || !issuedBy(device, signing))
        throw new MovePlanError(
          `${request.signingCertificate.file} did not issue the certificate of "${first.registrationId}" (issuer ${issuerName(device)})`,
        );
      attestation = {
        type: "x509",
        x509: {
          signingCertificates: {
            primary: {
              certificateFile: path.relative(context.manifestsDir, request.signingCertificate.file),
            },
          },
        },
      };
    } else {
      throw new MovePlanError(
        `no DPS CA certificate of the stack issued the certificate of "${first.registrationId}" (issuer ${issuerName(device)}): pass --signing-certificate <PEM file of that CA>`,
      );
    }
  }
  return {
    enrollmentGroupId: request.enrollmentGroupId,
    attestation,
    ...sharedSettings(first, context.hubName),
  };
}

/** The settings a group and its devices' individual enrollments share, as manifest fields. */
function sharedSettings(
  spec: IndividualEnrollmentSpec | EnrollmentGroupSpec,
  hubName: (host: string) => string,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    iotHubs: spec.iotHubs?.map(hubName),
    allocationPolicy: spec.allocationPolicy,
    customAllocationDefinition: spec.customAllocationDefinition,
    reprovisionPolicy: spec.reprovisionPolicy,
    initialTwin: spec.initialTwin,
    capabilities: spec.capabilities,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function differences(
  first: IndividualEnrollmentSpec,
  all: readonly IndividualEnrollmentSpec[],
  hubName: (host: string) => string,
): string[] {
  const base = JSON.stringify(sharedSettings(first, hubName));
  const differing = all.filter(
    (i) => JSON.stringify(sharedSettings(i, hubName)) !== base || i.optionalDeviceInformation !== undefined,
  );
  if (differing.length === 0) return [];
  return [
    "",
    `Note: ${differing.map((i) => `\`${i.registrationId}\``).join(", ")} differ from \`${first.registrationId}\` (hubs, allocation, reprovision policy, capabilities, initial twin or optional device information): after step 2 they get the group's settings. Review before merging.`,
  ];
}

function findIndividual(manifests: LoadedManifests, id: string): IndividualEnrollmentSpec {
  const found = manifests.individualEnrollments.find(
    (i) => i.registrationId.toLowerCase() === id.toLowerCase(),
  );
  if (!found) throw new MovePlanError(`no individual enrollment "${id}" in the manifests`);
  return found;
}

/** The manifest texts without the named individual enrollments (comments and order kept). */
function removeIndividuals(
  texts: readonly ManifestText[],
  registrationIds: readonly string[],
): MoveStep["files"] {
  const wanted = new Set(registrationIds.map((id) => id.toLowerCase()));
  return removeEntries(texts, "individualEnrollments", "registrationId", wanted);
}

function removeGroup(texts: readonly ManifestText[], group: EnrollmentGroupSpec): MoveStep["files"] {
  return removeEntries(
    texts,
    "enrollmentGroups",
    "enrollmentGroupId",
    new Set([group.enrollmentGroupId.toLowerCase()]),
  );
}

/**
 * Cuts the named entries out of the manifest texts, line by line, so the rest of each file (its
 * comments, flow style, order) is untouched and the pull request's diff shows only the removal.
 * A list left empty loses its key; a file left with no list is deleted.
 */
function removeEntries(
  texts: readonly ManifestText[],
  list: string,
  idField: string,
  ids: ReadonlySet<string>,
): MoveStep["files"] {
  const changed: { file: string; text: string | undefined }[] = [];
  for (const { file, text } of texts) {
    const document = parseDocument(text);
    const seq = document.get(list, true);
    if (!isSeq(seq) || !isMap(document.contents)) continue;
    const doomed = seq.items
      .map((item, index) => (isMap(item) && ids.has(String(item.get(idField)).toLowerCase()) ? index : -1))
      .filter((i) => i >= 0);
    if (doomed.length === 0) continue;
    const lineStart = (offset: number) => text.lastIndexOf("\n", offset - 1) + 1;
    const lineAfter = (offset: number) => {
      const end = text.indexOf("\n", Math.max(offset - 1, 0));
      return end < 0 ? text.length : end + 1;
    };
    const cuts: [number, number][] = [];
    if (doomed.length === seq.items.length || seq.flow) {
      const pair = document.contents.items.find(
        (p) => String((p.key as { value?: unknown } | null)?.value) === list,
      );
      const keyStart =
        (pair?.key as { range?: [number, number, number] } | null)?.range?.[0] ?? seq.range![0];
      if (doomed.length === seq.items.length) cuts.push([lineStart(keyStart), lineAfter(seq.range![1])]);
      else {
        seq.items = seq.items.filter((_, i) => !doomed.includes(i));
        changed.push({ file, text: document.toString({ lineWidth: 0, flowCollectionPadding: false }) });
        continue;
      }
    } else {
      for (const index of doomed) {
        const item = seq.items[index] as { range: [number, number, number] };
        const next = seq.items[index + 1] as { range: [number, number, number] } | undefined;
        cuts.push([lineStart(item.range[0]), next ? lineStart(next.range[0]) : lineAfter(item.range[1])]);
      }
    }
    let result = text;
    for (const [from, to] of cuts.sort((a, b) => b[0] - a[0]))
      result = result.slice(0, from) + result.slice(to);
    const remaining = parseDocument(result);
    const emptied = !["individualEnrollments", "enrollmentGroups", "retiredEnrollments"].some((key) =>
      remaining.has(key),
    );
    changed.push({ file, text: emptied ? undefined : result });
  }
  return changed;
}
