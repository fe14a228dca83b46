// The safe move between individual enrollments and an enrollment group, as an ordered plan of
// pull requests (manifest changes only; nothing reaches DPS). The order is the point: DPS tries
// a device's individual enrollment before any group, so
//   individual -> group: (symmetric keys) 1. each individual enrollment accepts the device's
//                        future derived key as its secondary key, so devices switch when they like;
//                        then create the group (devices keep provisioning individually);
//                        only then delete the individual enrollments the group covers;
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
import {
  copyKeyCommand,
  deriveKeyCommand,
  deriveKeysForFactoryCommand,
  groupKeySecretName,
  keySecretName,
  type KeySource,
  newKeyCommand,
  shellBlock,
} from "./key-handover";

/**
 * DPS looks a device up in the individual enrollments first: a disabled individual enrollment
 * blocks one device of an enrollment group (learn.microsoft.com/azure/iot-dps/how-to-revoke-device-access-portal).
 */
const PRECEDENCE_SOURCE =
  "learn.microsoft.com/azure/iot-dps/how-to-revoke-device-access-portal: an individual enrollment of a group's device decides for it";

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
  const symmetric = kind === "symmetricKey";
  const stack = context.stack;
  const ids = request.registrationIds;
  const steps: MoveStep[] = [];
  const notes: string[] = [];
  let group: GroupView;
  /** The group's hubs, by the names the manifests use. */
  let groupHubs: string[];
  // Symmetric keys: where the group's primary key can be read once the plan's first step has run.
  let groupKey: KeySource | undefined;
  const groupKeyCommands: string[] = [];
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
    groupHubs = (existing.iotHubs ?? []).map(context.hubName);
    const named =
      existing.attestation.type === "symmetricKey" ? existing.attestation.symmetricKey : undefined;
    if (symmetric)
      groupKey = named?.primaryKeySecret
        ? { secret: named.primaryKeySecret }
        : { output: "enrollmentGroupKeys", id: existing.enrollmentGroupId, slot: "primary" };
    notes.push(
      `Enrollment group "${existing.enrollmentGroupId}" (${existing.source.file}:${existing.source.line}) already covers every device: nothing to create.`,
    );
  } else {
    // Symmetric keys: the group's keys are chosen now, as stack secrets, so that each device's
    // derived key is known (and accepted by its individual enrollment) before the group exists.
    const keySecrets = symmetric
      ? {
          primary: groupKeySecretName(request.enrollmentGroupId, "primary"),
          secondary: groupKeySecretName(request.enrollmentGroupId, "secondary"),
        }
      : undefined;
    if (keySecrets) groupKey = { secret: keySecrets.primary };
    if (keySecrets)
      groupKeyCommands.push(
        newKeyCommand(keySecrets.primary, stack),
        newKeyCommand(keySecrets.secondary, stack),
      );
    const entry = proposedGroupEntry(request, first, context, keySecrets);
    groupHubs = (entry.iotHubs as string[] | undefined) ?? [];
    group = {
      enrollmentGroupId: request.enrollmentGroupId,
      attestation: entry.attestation as GroupView["attestation"],
    };
    const file = newManifestFile(context, request.enrollmentGroupId);
    const header = `# yaml-language-server: $schema=../../schemas/enrollment-manifest.schema.json\n# Replaces the individual enrollments ${ids.join(", ")} (npm run plan-enrollment-move).\n`;
    steps.push({
      slug: "create-group",
      title: `Create enrollment group ${request.enrollmentGroupId}`,
      description: [
        `Adds enrollment group \`${request.enrollmentGroupId}\`, with the configuration of \`${first.registrationId}\`. The individual enrollments stay: DPS looks a device up in the individual enrollments before any group (${PRECEDENCE_SOURCE}), so nothing changes for a device yet.`,
        ...differences(first, individuals, context.hubName),
        "",
        symmetric
          ? `The group's keys are the stack secrets \`${keySecrets!.primary}\` and \`${keySecrets!.secondary}\` chosen in step 1, so each device's derived key is the one its individual enrollment already accepts.`
          : "Devices keep their certificates: the group trusts the CA that issued them, so there is nothing to deliver.",
      ].join("\n"),
      files: [{ file, text: header + stringify({ enrollmentGroups: [entry] }, { lineWidth: 0 }) }],
    });
  }
  for (const individual of individuals) {
    const coverage = coverageOf(individual, [group], context.caCertificates);
    if (!coverage.covered)
      throw new MovePlanError(
        `the planned group would not cover "${individual.registrationId}": ${coverage.why}`,
      );
  }
  const keysStep = groupKey && derivedKeysStep(request, individuals, groupKey, groupKeyCommands, context);
  if (keysStep) steps.unshift(keysStep);
  const hubNote = hubsAfterMove(individuals, groupHubs, context.hubName);
  steps.push({
    slug: "retire-individual-enrollments",
    title: `Retire ${individuals.length} individual enrollment(s) now covered by ${group.enrollmentGroupId}`,
    description: [
      ...notes,
      `Deletes the individual enrollments ${ids.map((id) => `\`${id}\``).join(", ")}. From this deployment on, DPS finds no individual enrollment for these devices and provisions them through \`${group.enrollmentGroupId}\`, with the same registration id, hence the same IoT Hub device id.`,
      "",
      "Merge only when the earlier steps are deployed" +
        (symmetric
          ? " and every device registers with its derived key: after this deployment a device's old individual key is refused (401)."
          : "."),
      "",
      REPROVISION_THROUGH_GROUP,
      ...(hubNote ? ["", hubNote] : []),
      "",
      "The policy `dps-enrollment-retirement-covered` checks in the preview that a group of the stack covers each deleted enrollment's device.",
    ].join("\n"),
    // On top of step 1's texts, so the patches apply in order.
    files: removeIndividuals(withChanges(context.texts, keysStep?.files ?? []), ids),
  });
  return steps;
}

/**
 * Step 1 of a symmetric-key move: each individual enrollment accepts the device's future derived
 * key as its secondary key, beside the key the device uses today (its primary). DPS matches the
 * device's individual enrollment first, with either key, so each device switches to its derived
 * key whenever it likes, before or after the group exists, and nothing has to happen at one
 * moment for the whole fleet.
 */
function derivedKeysStep(
  request: ToGroupRequest,
  individuals: readonly IndividualEnrollmentSpec[],
  groupKey: KeySource,
  groupKeyCommands: readonly string[],
  context: MoveContext,
): MoveStep {
  const stack = context.stack;
  const commands = [...groupKeyCommands];
  const keys = new Map<string, { primaryKeySecret: string; secondaryKeySecret: string }>();
  for (const individual of individuals) {
    const id = individual.registrationId;
    const named =
      individual.attestation.type === "symmetricKey" ? individual.attestation.symmetricKey : undefined;
    let primary = named?.primaryKeySecret;
    if (!primary) {
      // DPS generated the device's keys: its current primary key becomes a stack secret, unchanged.
      primary = keySecretName(id, "primary");
      commands.push(copyKeyCommand({ individual: id, slot: "primary" }, primary, stack));
    }
    const secondary = keySecretName(id, "secondary");
    commands.push(deriveKeyCommand(groupKey, id, secondary, stack));
    keys.set(id.toLowerCase(), { primaryKeySecret: primary, secondaryKeySecret: secondary });
  }
  const replaced = individuals.filter(
    (i) => i.attestation.type === "symmetricKey" && i.attestation.symmetricKey?.secondaryKeySecret,
  );
  return {
    slug: "add-derived-keys",
    title: `Let ${individuals.length} device(s) switch to their key derived from ${request.enrollmentGroupId}`,
    description: [
      `Sets each individual enrollment's secondary key to the key its device will use in group \`${request.enrollmentGroupId}\` (HMAC-SHA256 of the registration id with the group key). The primary key stays the key the device uses today. Nothing changes for a device: DPS accepts either key of its individual enrollment.`,
      ...(replaced.length > 0
        ? [
            "",
            `Note: ${replaced.map((i) => `\`${i.registrationId}\``).join(", ")} had a secondary key of their own; it is replaced. A device that registers with that key must use its primary or its derived key.`,
          ]
        : []),
      "",
      `Before merging, store the keys as stack secrets (run from the repository root):`,
      "",
      shellBlock(commands),
      "",
      `After this step deploys, each device may switch to its derived key at any time, in any order, until the last step retires its individual enrollment. Derived keys for the factory or the devices, run in this step's folder (where \`device-ids.txt\` is):`,
      "",
      shellBlock([deriveKeysForFactoryCommand(groupKey, "device-ids.txt", stack)]),
    ].join("\n"),
    files: setIndividualKeys(context.texts, keys),
    attachments: { "device-ids.txt": individuals.map((i) => i.registrationId).join("\n") + "\n" },
  };
}

/**
 * What happens to a device's hub when it first registers through the group. Sources:
 * - the reprovision policy acts on "provisioning requests beyond the first from a given device";
 *   with updateHubAssignment false "the device will stay assigned to its current IoT hub"
 *   (ReprovisionPolicy, learn.microsoft.com/dotnet/api/microsoft.azure.devices.provisioning.service.reprovisionpolicy);
 * - an individual enrollment holds its device's registration state (REST API 2021-10-01,
 *   IndividualEnrollment.registrationState); whether deleting the enrollment forgets the device's
 *   registrations is not documented (the emulator answers both ways: individualDeleteRegistration).
 * Under either reading, a group whose one hub is the device's hub keeps it there: a first
 * registration has no other hub to go to, a re-registration no other hub to move to. Devices on
 * several hubs need a group per hub.
 */
export const REPROVISION_THROUGH_GROUP =
  "What DPS does when a device first registers through the group: its IoT Hub device id stays its registration id, and its hub is the group's to decide. Whether DPS still counts the device's registrations through its deleted individual enrollment (then the group's reprovision policy applies) or starts afresh (then the group's allocation places it) is not documented; either way a group whose only hub is the device's hub keeps it there.";

/** Whether the group keeps the moved devices on their hubs; a note when DPS cannot. */
function hubsAfterMove(
  individuals: readonly IndividualEnrollmentSpec[],
  groupHubs: readonly string[],
  hubName: (host: string) => string,
): string | undefined {
  const hubsOf = (spec: { iotHubs?: readonly string[] }) => (spec.iotHubs ?? []).map(hubName).sort();
  const onOneHub = individuals.every((i) => hubsOf(i).length === 1);
  const kept = groupHubs.length === 1 && onOneHub && individuals.every((i) => hubsOf(i)[0] === groupHubs[0]);
  if (kept)
    return `Every device stays on \`${groupHubs[0]}\`: it is each moved enrollment's one hub and the group's only hub.`;
  return `Hubs: ${individuals.map((i) => `\`${i.registrationId}\` (${hubsOf(i).join(", ") || "any linked hub"})`).join(", ")} may land on another hub of the group (${groupHubs.join(", ") || "any linked hub"}): DPS keeps a device's hub through a group only when the group has that one hub. To keep them, move the devices of each hub into a group of its own.`;
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
  const groupKeys = group.attestation.type === "symmetricKey" ? group.attestation.symmetricKey : undefined;
  const groupKey = (slot: "primary" | "secondary"): KeySource => {
    const secret = slot === "primary" ? groupKeys?.primaryKeySecret : groupKeys?.secondaryKeySecret;
    return secret ? { secret } : { output: "enrollmentGroupKeys", id: group.enrollmentGroupId, slot };
  };
  const secretCommands = request.registrationIds.flatMap((id) =>
    (["primary", "secondary"] as const).map((slot) =>
      deriveKeyCommand(groupKey(slot), id, keySecretName(id, slot), context.stack),
    ),
  );
  return [
    {
      slug: "create-individual-enrollments",
      title: `Enroll ${entries.length} device(s) of ${group.enrollmentGroupId} individually`,
      description: [
        `Adds an individual enrollment per device, with the group's configuration. DPS uses an individual enrollment before any group, so from this deployment on these devices provision individually, with the same registration id and IoT Hub device id.`,
        symmetric
          ? `Each individual enrollment takes the device's current keys (derived from the group keys), so the devices need nothing new. Before merging, store the keys as stack secrets (run from the repository root):\n\n${shellBlock(secretCommands)}`
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
  keySecrets: { primary: string; secondary: string } | undefined,
): Record<string, unknown> {
  let attestation: object;
  if (first.attestation.type === "symmetricKey") {
    attestation = {
      type: "symmetricKey",
      symmetricKey: { primaryKeySecret: keySecrets?.primary, secondaryKeySecret: keySecrets?.secondary },
    };
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

/** The texts after a step's changes (a file a step deletes is left out). */
function withChanges(texts: readonly ManifestText[], files: MoveStep["files"]): ManifestText[] {
  return texts.flatMap(({ file, text }) => {
    const change = files.find((f) => f.file === file);
    if (!change) return [{ file, text }];
    return change.text === undefined ? [] : [{ file, text: change.text }];
  });
}

/**
 * The manifest texts with each named individual enrollment's symmetric-key secrets set: only the
 * entry's attestation is rewritten (as one flow mapping), so the rest of each file stays as
 * written and the pull request's diff shows only those lines.
 */
function setIndividualKeys(
  texts: readonly ManifestText[],
  keys: ReadonlyMap<string, { primaryKeySecret: string; secondaryKeySecret: string }>,
): MoveStep["files"] {
  const changed: { file: string; text: string }[] = [];
  for (const { file, text } of texts) {
    const seq = parseDocument(text).get("individualEnrollments", true);
    if (!isSeq(seq)) continue;
    const edits: { from: number; to: number; text: string }[] = [];
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const secrets = keys.get(String(item.get("registrationId")).toLowerCase());
      if (!secrets) continue;
      const attestation = `{ type: symmetricKey, symmetricKey: { primaryKeySecret: ${secrets.primaryKeySecret}, secondaryKeySecret: ${secrets.secondaryKeySecret} } }`;
      const node = item.get("attestation", true) as { range?: [number, number, number] } | undefined;
      if (node?.range) edits.push({ from: node.range[0], to: node.range[1], text: attestation });
      else {
        // The entry takes its attestation from the file's defaults: it gets one of its own.
        const range = (item as { range?: [number, number, number] }).range!;
        const lineStart = text.lastIndexOf("\n", range[0] - 1) + 1;
        const indent = " ".repeat(range[0] - lineStart);
        const end = text.lastIndexOf("\n", range[1] - 1) + 1 || range[1];
        edits.push({ from: end, to: end, text: `${indent}attestation: ${attestation}\n` });
      }
    }
    if (edits.length === 0) continue;
    let result = text;
    for (const edit of edits.sort((a, b) => b.from - a.from))
      result = result.slice(0, edit.from) + edit.text + result.slice(edit.to);
    changed.push({ file, text: result });
  }
  return changed;
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
