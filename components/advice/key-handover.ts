// The shell commands a move plan prints for symmetric keys: where a key comes from and how it
// becomes a stack secret. One home for them, because a person pastes them as printed (a test runs
// each verbatim in a shell: test/e2e/printed-commands.test.ts), so each must work as a whole:
// - `npm run --silent`: without it npm prints its banner ("> dps-as-code@0.1.0 derive-device-key")
//   on standard output, and the banner would become part of the stored key;
// - every key is read from the stack (`pulumi config get` of a secret, or the stack's key
//   outputs), never from a file the person would first have to write, and never on a command
//   line (argv is visible to every user of the machine and lands in shell history).

/** The stack secret holding a device's key, when its individual enrollment names its keys. */
export function keySecretName(registrationId: string, slot: "primary" | "secondary"): string {
  return `deviceKey-${configKeyPart(registrationId)}-${slot}`;
}

/** The stack secret holding a group's key, when the plan chooses it before the group exists. */
export function groupKeySecretName(enrollmentGroupId: string, slot: "primary" | "secondary"): string {
  return `groupKey-${configKeyPart(enrollmentGroupId)}-${slot}`;
}

function configKeyPart(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, "-");
}

/**
 * Where a key can be read: a stack secret the manifest names, a group's key output, or the key
 * DPS generated for an individual enrollment (read from the stack's state by the enrollment-key
 * tool, whichever path the enrollment takes).
 */
export type KeySource =
  | { readonly secret: string }
  | { readonly output: "enrollmentGroupKeys"; readonly id: string; readonly slot: "primary" | "secondary" }
  | { readonly individual: string; readonly slot: "primary" | "secondary" };

/**
 * The command printing the key DPS holds for an individual enrollment. Through the enrollment-key
 * tool for every id, not the stack output `individualEnrollmentKeys`: that output lists the
 * per-enrollment path only (the batch path's keys stay in their sets' state, issue #26), and which
 * path an id takes depends on the stack's `enrollmentSets` config, which a plan does not read.
 */
export function individualKeyCommand(
  registrationId: string,
  slot: "primary" | "secondary",
  stack: string,
): string {
  return `npm run --silent enrollment-key -- --stack ${stack} ${registrationId} ${slot}`;
}

/** A command printing the key (one line) on standard output. */
export function printKeyCommand(source: KeySource, stack: string): string {
  if ("secret" in source) return `pulumi config get ${source.secret} -s ${stack}`;
  if ("individual" in source) return individualKeyCommand(source.individual, source.slot, stack);
  // The output is a map of id -> { primaryKey, secondaryKey } (components/fleet/index.ts).
  const pick = `JSON.parse(require("fs").readFileSync(0, "utf8"))[${JSON.stringify(source.id)}].${source.slot}Key`;
  return `pulumi stack output ${source.output} --show-secrets --json -s ${stack} | node -p '${pick}'`;
}

/** Stores a new random key (64 bytes, base64: DPS accepts 16 to 64) as a stack secret. */
export function newKeyCommand(secret: string, stack: string): string {
  return `head -c 64 /dev/urandom | base64 -w0 | pulumi config set --secret ${secret} -s ${stack}`;
}

/** Stores a key read from `source` as the stack secret `secret`. */
export function copyKeyCommand(source: KeySource, secret: string, stack: string): string {
  return `${printKeyCommand(source, stack)} | pulumi config set --secret ${secret} -s ${stack}`;
}

/** Stores the key derived from the group key at `groupKey` for `registrationId` as the stack secret `secret`. */
export function deriveKeyCommand(
  groupKey: KeySource,
  registrationId: string,
  secret: string,
  stack: string,
): string {
  return `${printKeyCommand(groupKey, stack)} | npm run --silent derive-device-key -- ${registrationId} | cut -d' ' -f2 | pulumi config set --secret ${secret} -s ${stack}`;
}

/** Prints each listed device's derived key ("<registrationId> <key>" per line), for the factory. */
export function deriveKeysForFactoryCommand(groupKey: KeySource, idsFile: string, stack: string): string {
  return `${printKeyCommand(groupKey, stack)} | npm run --silent derive-device-key -- --ids-file ${idsFile}`;
}

/** A fenced shell block of commands, as the pull request descriptions show them. */
export function shellBlock(commands: readonly string[]): string {
  return `\`\`\`sh\n${commands.join("\n")}\n\`\`\``;
}
