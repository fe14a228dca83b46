// A credential rotation as an ordered plan of pull requests (manifest and stack-file changes only;
// nothing reaches DPS), in the style of the enrollment move (move-plan.ts). The order is the
// point: DPS accepts either of an enrollment's two credentials, so one changes per deployment
// while devices use the other (sources: contract/rotation/steps.ts):
//   symmetric keys:  [declare the current keys] -> replace the secondary -> (devices move to it)
//                    -> replace the primary;
//   an X.509 group's CA: upload the new CA and reference it as secondary -> (devices get
//                    certificates from it) -> switch to the new CA only -> retire the old CA,
//                    if no other group references it;
//   an individual enrollment's certificate: the new one as secondary -> (the device uses it)
//                    -> promote it, drop the old one.
// The policy `dps-enrollment-credential-rotation` refuses a change that skips a step, naming it
// by the same names (ROTATION_STEPS).
import * as path from "node:path";
import { isMap, isSeq, parseDocument, type Document } from "yaml";
import {
  type DpsCaCertificate,
  parseCertificate,
  planRotationCommand,
  ROTATION_STEPS,
  type RotationKind,
} from "@dps-as-code/contract";
import type { EnrollmentGroupSpec, IndividualEnrollmentSpec, LoadedManifests } from "../manifests";
import { individualKeyCommand, keySecretName } from "./key-handover";
import { type ManifestText, type MoveStep, STEP_FOLDER } from "./move-plan";

export type RotationStep = MoveStep;

export class RotationPlanError extends Error {}

export interface RotationRequest {
  readonly enrollmentId: string;
  /** @default the enrollment's: symmetric-key, ca (X.509 group with caReferences) or certificate (X.509 individual) */
  readonly kind?: RotationKind;
  /** `--new-ca <name>`: the DPS CA certificate name of the new CA (kind ca). */
  readonly newCaName?: string;
  /**
   * The new CA's certificate (kind ca: `file` as the stack file names it, relative to the project
   * folder) or the device's new certificate (kind certificate: named relative to the manifests).
   */
  readonly certificate?: { readonly file: string; readonly text: string };
  /** Device registration ids of a symmetric-key group, for the factory's list (device-ids.txt). */
  readonly deviceIds?: readonly string[];
  /** Suffix of the new keys' secret names. @default today's date, YYYYMMDD */
  readonly generation: string;
}

export interface RotationContext {
  readonly manifests: LoadedManifests;
  readonly texts: readonly ManifestText[];
  readonly manifestsDir: string;
  readonly stack: string;
  readonly caCertificates: readonly DpsCaCertificate[];
  readonly existingCaCertificateNames: readonly string[];
}

type Found =
  | { readonly kind: "individual"; readonly spec: IndividualEnrollmentSpec }
  | { readonly kind: "group"; readonly spec: EnrollmentGroupSpec };

const LIST = { individual: "individualEnrollments", group: "enrollmentGroups" } as const;
const ID_FIELD = { individual: "registrationId", group: "enrollmentGroupId" } as const;
const LABEL = { individual: "individual enrollment", group: "enrollment group" } as const;

export function planRotation(request: RotationRequest, context: RotationContext): RotationStep[] {
  const found = findEnrollment(context.manifests, request.enrollmentId);
  const kind = request.kind ?? defaultKind(found);
  const files = new FileSet(context);
  if (kind === "symmetric-key") return planKeys(found, request, context, files);
  if (kind === "ca") return planCa(found, request, context, files);
  return planCertificate(found, request, context, files);
}

function findEnrollment(manifests: LoadedManifests, id: string): Found {
  const lower = id.toLowerCase();
  const individual = manifests.individualEnrollments.find((i) => i.registrationId.toLowerCase() === lower);
  const group = manifests.enrollmentGroups.find((g) => g.enrollmentGroupId.toLowerCase() === lower);
  if (individual && group)
    throw new RotationPlanError(
      `"${id}" is both an individual enrollment and an enrollment group: rename one of them before rotating`,
    );
  if (individual) return { kind: "individual", spec: individual };
  if (group) return { kind: "group", spec: group };
  throw new RotationPlanError(`no individual enrollment or enrollment group "${id}" in the manifests`);
}

function defaultKind(found: Found): RotationKind {
  const attestation = found.spec.attestation;
  if (attestation.type === "symmetricKey") return "symmetric-key";
  if (attestation.type === "x509") return found.kind === "group" ? "ca" : "certificate";
  throw new RotationPlanError(
    `${LABEL[found.kind]} "${idOf(found)}" uses TPM attestation: its endorsement key belongs to the device's TPM and is not rotated here`,
  );
}

const idOf = (found: Found) =>
  found.kind === "individual" ? found.spec.registrationId : found.spec.enrollmentGroupId;

/** A name for a rotated key's secret: the old name with a new generation suffix. */
export function rotatedSecretName(previous: string, generation: string): string {
  const base = previous.replace(/-(?:\d{8}|r\d+)(?:-\d+)?$/, "");
  const name = `${base}-${generation}`;
  return name === previous ? `${name}-2` : name;
}

function planKeys(
  found: Found,
  request: RotationRequest,
  context: RotationContext,
  files: FileSet,
): RotationStep[] {
  if (found.spec.attestation.type !== "symmetricKey")
    throw new RotationPlanError(
      `${LABEL[found.kind]} "${idOf(found)}" uses ${found.spec.attestation.type} attestation, not symmetric keys: use --kind ${found.kind === "group" ? "ca" : "certificate"}`,
    );
  const id = idOf(found);
  const stack = context.stack;
  const pulumi = "npm run --silent pulumi --";
  const steps: RotationStep[] = [];
  const declared = found.spec.attestation.symmetricKey;
  let primary = declared?.primaryKeySecret;
  let secondary = declared?.secondaryKeySecret;
  if (primary === undefined || secondary === undefined) {
    // DPS generated the keys: the rotation needs them by name. Declaring the keys DPS holds
    // changes nothing in DPS (the preview shows no update of the enrollment).
    const names = {
      primary: primary ?? declaredKeyName(found, "primary"),
      secondary: secondary ?? declaredKeyName(found, "secondary"),
    };
    // A group's keys are the stack output enrollmentGroupKeys; an individual enrollment's come
    // from the enrollment-key tool, which reads either path's from the state (key-handover.ts).
    const read = (slot: "primary" | "secondary") =>
      found.kind === "group"
        ? `${pulumi} stack output enrollmentGroupKeys --show-secrets --json -s ${stack} | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]].${slot}Key)' ${id}`
        : individualKeyCommand(id, slot, stack);
    const copy = (slot: "primary" | "secondary") =>
      `${read(slot)} | ${pulumi} config set --secret ${names[slot]} -s ${stack}`;
    steps.push({
      slug: ROTATION_STEPS.declareCurrentKeys,
      title: `Name the current keys of ${id} as stack secrets`,
      description: [
        `DPS generated the keys of ${LABEL[found.kind]} \`${id}\`. A rotation changes one key at a time, so the manifest must name both: this change copies the keys DPS holds into the stack secrets \`${names.primary}\` and \`${names.secondary}\` and names them in the manifest. Nothing changes in DPS or for a device: the preview shows no update of the enrollment.`,
        "",
        "Before merging, from the repository root (the keys go from the stack's state into its encrypted config; they are never printed):",
        "",
        "```sh",
        ...(primary === undefined ? [copy("primary")] : []),
        ...(secondary === undefined ? [copy("secondary")] : []),
        "```",
        "",
        `Commit \`Pulumi.${stack}.yaml\` with this change.`,
      ].join("\n"),
      files: [
        files.editEntry(found, (doc, at) => {
          doc.setIn([...at, "attestation", "symmetricKey", "primaryKeySecret"], names.primary);
          doc.setIn([...at, "attestation", "symmetricKey", "secondaryKeySecret"], names.secondary);
        }),
      ],
    });
    primary = names.primary;
    secondary = names.secondary;
  }
  const newSecondary = rotatedSecretName(secondary, request.generation);
  const newPrimary = rotatedSecretName(primary, request.generation);
  const newKey = (name: string) =>
    `openssl rand -base64 64 | tr -d '\\n' | ${pulumi} config set --secret ${name} -s ${stack}`;
  const group = found.kind === "group";
  const deliver = group
    ? `${pulumi} config get ${newSecondary} -s ${stack} | npm run --silent derive-device-key -- --ids-file ${STEP_FOLDER}/device-ids.txt > ${STEP_FOLDER}/new-device-keys.txt`
    : `${pulumi} config get ${newSecondary} -s ${stack} > ${STEP_FOLDER}/new-device-key.txt`;
  steps.push({
    slug: ROTATION_STEPS.replaceSecondaryKey,
    title: `Replace the secondary key of ${id}`,
    description: [
      `Gives ${LABEL[found.kind]} \`${id}\` a new secondary key (stack secret \`${newSecondary}\`, instead of \`${secondary}\`). DPS accepts a device's token signed with either key${group ? " (for a group: with the key derived from either group key)" : ""}, so devices on the primary key keep registering; a device still using the old secondary key is refused from this deployment on.`,
      "",
      "Before merging, from the repository root:",
      "",
      "```sh",
      newKey(newSecondary),
      "```",
      "",
      `Commit \`Pulumi.${stack}.yaml\` with this change.`,
      "",
      `After this step deploys, hand each device its new key and let it register with it (a device registers with the new key as soon as this step is deployed):`,
      "",
      "```sh",
      deliver,
      "```",
      "",
      group
        ? `\`new-device-keys.txt\` holds one line per device: registration id, then its key (derived from the new secondary group key). ${request.deviceIds ? "`device-ids.txt` lists the devices this plan was given (`--ids-file`)." : `List the group's devices, one registration id per line, in \`${STEP_FOLDER}/device-ids.txt\` first (or plan with \`--ids-file\`).`} Keep the keys out of the repository.`
        : "`new-device-key.txt` holds the device's new key. Keep it out of the repository.",
      "",
      `Step "${ROTATION_STEPS.replacePrimaryKey}" must not merge before every device uses its new key.`,
    ].join("\n"),
    files: [
      files.editEntry(found, (doc, at) =>
        doc.setIn([...at, "attestation", "symmetricKey", "secondaryKeySecret"], newSecondary),
      ),
    ],
    ...(group && request.deviceIds
      ? { attachments: { "device-ids.txt": request.deviceIds.join("\n") + "\n" } }
      : {}),
  });
  steps.push({
    slug: ROTATION_STEPS.replacePrimaryKey,
    title: `Replace the primary key of ${id}`,
    description: [
      `Gives ${LABEL[found.kind]} \`${id}\` a new primary key (stack secret \`${newPrimary}\`, instead of \`${primary}\`). From this deployment on the old primary key is refused: merge only when every device registers with its new key from step "${ROTATION_STEPS.replaceSecondaryKey}".`,
      "",
      "Before merging, from the repository root:",
      "",
      "```sh",
      newKey(newPrimary),
      "```",
      "",
      `Commit \`Pulumi.${stack}.yaml\` with this change. Once deployed, the old secrets are unused: \`${pulumi} config rm ${primary} -s ${stack}\` and \`${pulumi} config rm ${secondary} -s ${stack}\` (unless another enrollment names them). The next rotation starts with the primary key free: devices use the secondary one.`,
    ].join("\n"),
    files: [
      files.editEntry(found, (doc, at) =>
        doc.setIn([...at, "attestation", "symmetricKey", "primaryKeySecret"], newPrimary),
      ),
    ],
  });
  return steps;
}

function declaredKeyName(found: Found, slot: "primary" | "secondary"): string {
  return found.kind === "individual"
    ? keySecretName(found.spec.registrationId, slot)
    : `groupKey-${found.spec.enrollmentGroupId.replace(/[^A-Za-z0-9-]/g, "-")}-${slot}`;
}

function planCa(
  found: Found,
  request: RotationRequest,
  context: RotationContext,
  files: FileSet,
): RotationStep[] {
  const id = idOf(found);
  const x509 = found.spec.attestation.type === "x509" ? found.spec.attestation.x509 : undefined;
  if (found.kind !== "group" || !x509?.caReferences)
    throw new RotationPlanError(
      `--kind ca rotates the DPS CA certificate an X.509 enrollment group names in caReferences; ${LABEL[found.kind]} "${id}" has none` +
        (found.kind === "individual"
          ? ": use --kind certificate for an individual enrollment's certificate"
          : ""),
    );
  const old = x509.caReferences.primary;
  if (x509.caReferences.secondary !== undefined)
    throw new RotationPlanError(
      `enrollment group "${id}" references two CAs already ("${old}" and "${x509.caReferences.secondary}"): a rotation needs the secondary slot free. Finish the earlier rotation first (reference only the CA its devices use)`,
    );
  const name = request.newCaName;
  if (!name)
    throw new RotationPlanError(
      "--kind ca needs --new-ca <name> (the DPS CA certificate name of the new CA)",
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new RotationPlanError(
      `--new-ca "${name}": CA certificate names are 1-64 letters, digits, '.', '_' or '-'`,
    );
  if (name.toLowerCase() === old.toLowerCase())
    throw new RotationPlanError(`--new-ca "${name}" is the CA the group references already`);
  const held = [...context.caCertificates.map((c) => c.name), ...context.existingCaCertificateNames];
  const declared = held.some((n) => n.toLowerCase() === name.toLowerCase());
  if (!declared && !request.certificate)
    throw new RotationPlanError(
      `--kind ca needs --certificate <PEM file of the new CA>: the stack holds no CA certificate "${name}"`,
    );
  if (request.certificate) {
    const parsed = parseCertificate(request.certificate.text);
    if (!parsed.ok)
      throw new RotationPlanError(
        `${request.certificate.file}: ${parsed.problem}; allowed: ${parsed.allowed}`,
      );
  }
  const stack = context.stack;
  // The stack file changes through `pulumi config`, as the keys do: the CLI rewrites the whole
  // file (its own YAML), so a patch made today would not apply after the next `config set`.
  // The bracket form of --path takes any CA name ('.' included).
  const caKey = (ca: string) => `'dps-as-code:dps.caCertificates["${ca}"]'`;
  const pulumi = "npm run --silent pulumi --";
  const others = context.manifests.enrollmentGroups.filter(
    (g) =>
      g.enrollmentGroupId.toLowerCase() !== id.toLowerCase() &&
      g.attestation.type === "x509" &&
      [g.attestation.x509.caReferences?.primary, g.attestation.x509.caReferences?.secondary].some(
        (n) => n?.toLowerCase() === old.toLowerCase(),
      ),
  );
  const existingOld = context.existingCaCertificateNames.some((n) => n.toLowerCase() === old.toLowerCase());
  const steps: RotationStep[] = [
    {
      slug: ROTATION_STEPS.addNewCa,
      title: `Add CA ${name} as the secondary CA of ${id}`,
      description: [
        declared
          ? `The stack holds the DPS CA certificate \`${name}\` already.`
          : [
              `Uploads the new CA certificate to the DPS as \`${name}\` (stack config \`dps.caCertificates.${name}\`, verified). Before merging, from the repository root:`,
              "",
              "```sh",
              `${pulumi} config set --path ${caKey(name).replace(/'$/, `.certificatePath'`)} ${request.certificate!.file} -s ${stack}`,
              "```",
              "",
              `Commit \`Pulumi.${stack}.yaml\` and the certificate with this change.`,
              "",
            ].join("\n"),
        `Enrollment group \`${id}\` references it as its secondary CA, next to \`${old}\`. DPS accepts a device certificate that chains to either, so devices with certificates from \`${old}\` keep registering, and a device with a certificate issued by \`${name}\` registers as soon as this step is deployed, with the same registration id (its certificate's CN), hence the same device id and hub.`,
        "",
        `After this step deploys: the factory issues the devices' new certificates from \`${name}\`, and each device installs its new certificate and key and registers with it. Step "${ROTATION_STEPS.switchToNewCa}" must not merge before every device presents a certificate from \`${name}\`.`,
      ].join("\n"),
      files: [
        files.editEntry(found, (doc, at) =>
          doc.setIn([...at, "attestation", "x509", "caReferences", "secondary"], name),
        ),
      ],
    },
    {
      slug: ROTATION_STEPS.switchToNewCa,
      title: `Switch ${id} to CA ${name}`,
      description: [
        `Enrollment group \`${id}\` references only \`${name}\` (as its primary CA). From this deployment on a device certificate issued by \`${old}\` is refused: merge only when every device of the group registers with its certificate from \`${name}\`.`,
        "",
        `The CA certificate \`${old}\` stays in the DPS until the next step: a CA is retired only once no deployed group references it (the policy \`dps-enrollment-credential-rotation\` refuses a change that does both at once).`,
      ].join("\n"),
      files: [
        files.editEntry(found, (doc, at) => {
          doc.setIn([...at, "attestation", "x509", "caReferences", "primary"], name);
          doc.deleteIn([...at, "attestation", "x509", "caReferences", "secondary"]);
        }),
      ],
    },
  ];
  if (others.length > 0 || existingOld) {
    steps[1] = {
      ...steps[1]!,
      description:
        steps[1]!.description +
        "\n\n" +
        (others.length > 0
          ? `The CA \`${old}\` is not retired by this plan: ${others.map((g) => `enrollment group \`${g.enrollmentGroupId}\``).join(", ")} still reference${others.length === 1 ? "s" : ""} it. Rotate ${others.length === 1 ? "it" : "them"} too (${planRotationCommand(others[0]!.enrollmentGroupId, "ca").replace("<stack>", stack)}), then remove \`dps.caCertificates.${old}\` in a change of its own.`
          : `The CA \`${old}\` is declared \`existing: true\`: this stack never uploaded it and never deletes it. Remove it from the DPS where it was uploaded, once no group references it.`),
    };
    return steps;
  }
  steps.push({
    slug: ROTATION_STEPS.retireOldCa,
    title: `Retire CA ${old}`,
    description: [
      `Removes the DPS CA certificate \`${old}\` (stack config \`dps.caCertificates.${old}\`): no enrollment group of the stack references it any more. Merge only when step "${ROTATION_STEPS.switchToNewCa}" is deployed. The change, from the repository root:`,
      "",
      "```sh",
      `${pulumi} config rm --path ${caKey(old)} -s ${stack}`,
      "```",
      "",
      `Commit \`Pulumi.${stack}.yaml\`: this step changes no manifest.`,
    ].join("\n"),
    files: [],
  });
  return steps;
}

function planCertificate(
  found: Found,
  request: RotationRequest,
  context: RotationContext,
  files: FileSet,
): RotationStep[] {
  const id = idOf(found);
  const x509 = found.spec.attestation.type === "x509" ? found.spec.attestation.x509 : undefined;
  if (found.kind !== "individual" || !x509?.clientCertificates)
    throw new RotationPlanError(
      `--kind certificate rotates an X.509 individual enrollment's client certificate; ${LABEL[found.kind]} "${id}" has none` +
        (found.kind === "group" ? ": use --kind ca for a group's CA" : ""),
    );
  if (!request.certificate)
    throw new RotationPlanError(
      `--kind certificate needs --certificate <PEM file of the device's new certificate>`,
    );
  const parsed = parseCertificate(request.certificate.text);
  if (!parsed.ok)
    throw new RotationPlanError(`${request.certificate.file}: ${parsed.problem}; allowed: ${parsed.allowed}`);
  // DPS takes an X.509 device's registration id from its certificate's subject CN ("X.509
  // certificate attestation", https://learn.microsoft.com/azure/iot-dps/concepts-x509-attestation):
  // a certificate with another CN would register as another device.
  if (parsed.certificate.commonName !== id)
    throw new RotationPlanError(
      `${request.certificate.file}: its subject CN is "${parsed.certificate.commonName ?? ""}", not "${id}": DPS takes the registration id from the CN, so the device would register as another device`,
    );
  const certificateFile = path.relative(context.manifestsDir, path.resolve(request.certificate.file));
  const hadSecondary = x509.clientCertificates.secondary !== undefined;
  return [
    {
      slug: ROTATION_STEPS.addSecondaryCertificate,
      title: `Add the new certificate of ${id} as secondary`,
      description: [
        `Individual enrollment \`${id}\` gets the device's new certificate (SHA-256 ${parsed.certificate.sha256Thumbprint}, valid until ${parsed.certificate.notAfter.toISOString().slice(0, 10)}) as its secondary certificate. DPS accepts either, so the device keeps registering with its current certificate, and registers with the new one as soon as this step is deployed, with the same registration id and device id.` +
          (hadSecondary
            ? " It replaces the enrollment's current secondary certificate: a device still presenting that one is refused from this deployment on."
            : ""),
        "",
        `After this step deploys: install the new certificate and its key on the device and let it register. Step "${ROTATION_STEPS.promoteNewCertificate}" must not merge before it does.`,
      ].join("\n"),
      files: [
        files.editEntry(found, (doc, at) =>
          doc.setIn(
            [...at, "attestation", "x509", "clientCertificates", "secondary"],
            doc.createNode({ certificateFile }),
          ),
        ),
      ],
    },
    {
      slug: ROTATION_STEPS.promoteNewCertificate,
      title: `Make the new certificate of ${id} its only one`,
      description: `Individual enrollment \`${id}\` keeps only the new certificate (as primary). From this deployment on the old certificate is refused: merge only when the device registers with the new one.`,
      files: [
        files.editEntry(found, (doc, at) => {
          doc.setIn(
            [...at, "attestation", "x509", "clientCertificates", "primary"],
            doc.createNode({ certificateFile }),
          );
          doc.deleteIn([...at, "attestation", "x509", "clientCertificates", "secondary"]);
        }),
      ],
    },
  ];
}

/**
 * The files as the plan changes them, step after step: each step's edit starts from the text the
 * previous steps left, so the patches apply in order. Edits go through the YAML document, so the
 * rest of a file (comments, order, flow style) stays as written.
 */
class FileSet {
  private readonly current = new Map<string, string>();
  constructor(private readonly context: RotationContext) {
    for (const { file, text } of context.texts) this.current.set(file, text);
  }

  edit(file: string, change: (doc: Document) => void): { file: string; text: string } {
    const text = this.current.get(file);
    if (text === undefined) throw new RotationPlanError(`${file} is not a file of the plan`);
    const doc = parseDocument(text);
    change(doc);
    const next = keepUnchangedLines(text, doc.toString({ lineWidth: 0 }));
    this.current.set(file, next);
    return { file, text: next };
  }

  /** Edits the entry of the enrollment in the manifest that declares it (`at` is its path in the document). */
  editEntry(
    found: Found,
    change: (doc: Document, at: (string | number)[]) => void,
  ): { file: string; text: string } {
    const list = LIST[found.kind];
    const wanted = idOf(found).toLowerCase();
    for (const { file } of this.context.texts) {
      const doc = parseDocument(this.current.get(file)!);
      const seq = doc.get(list, true);
      if (!isSeq(seq)) continue;
      const index = seq.items.findIndex(
        (item) => isMap(item) && String(item.get(ID_FIELD[found.kind])).toLowerCase() === wanted,
      );
      if (index >= 0) return this.edit(file, (d) => change(d, [list, index]));
    }
    throw new RotationPlanError(`no manifest text declares ${LABEL[found.kind]} "${idOf(found)}"`);
  }
}

/**
 * The YAML library writes every flow collection one way (`[ a ]`), where people write both `[a]`
 * and `{ a: b }`: a line that only differs from one of the old text in that spacing is kept as it
 * was, so the pull request's diff shows only what the step changes.
 */
function keepUnchangedLines(before: string, after: string): string {
  const normal = (line: string) => line.replace(/([[{])\s+/g, "$1").replace(/\s+([\]}])/g, "$1");
  const old = new Map<string, string>();
  for (const line of before.split("\n")) if (!old.has(normal(line))) old.set(normal(line), line);
  return after
    .split("\n")
    .map((line) => old.get(normal(line)) ?? line)
    .join("\n");
}
