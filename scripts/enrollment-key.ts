/**
 * `npm run --silent enrollment-key -- --stack <stack> <registrationId> [primary|secondary]`
 *
 * Prints the symmetric key DPS holds for one individual enrollment of the stack (primary unless
 * told), from the stack's state: either path, per-enrollment or batch (scripts/enrollment-key/).
 * This is how a person, or a command the project prints, gets a device's key; the batch path's
 * keys are in no stack output (issue #26: a 100,000-row output cost every preview).
 *
 * The key goes to stdout and nowhere else, with a newline only when stdout is a terminal, so that
 * `... | pulumi config set --secret <name>` stores exactly the key. Errors go to stderr and never
 * hold a key. `--silent` keeps npm's banner out of stdout.
 */
import type { StackExport } from "./recover/pending-plan";
import { pulumiFor } from "./recover/resolve-pending";
import { enrollmentKey, EnrollmentKeyError, KEY_SLOTS, type KeySlot } from "./enrollment-key/keys-in-state";

const USAGE =
  "usage: npm run --silent enrollment-key -- --stack <stack> <registrationId> [primary|secondary]";

export interface EnrollmentKeyArguments {
  stack: string;
  registrationId: string;
  slot: KeySlot;
}

/** The arguments, or the message naming what is wrong (usage follows it). */
export function parseArguments(argv: readonly string[]): EnrollmentKeyArguments | string {
  let stack: string | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack" || arg === "-s") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("-")) return `${arg} needs a value`;
      stack = value;
    } else if (arg.startsWith("-")) return `unknown option "${arg}"`;
    else words.push(arg);
  }
  if (!stack) return "--stack is required";
  const [registrationId, slot = "primary", ...rest] = words;
  if (!registrationId) return "give the registration id of an individual enrollment";
  if (!(KEY_SLOTS as readonly string[]).includes(slot))
    return `the key slot is "${slot}"; allowed: ${KEY_SLOTS.join(", ")}`;
  if (rest.length > 0) return `unexpected argument "${rest[0]}"`;
  return { stack, registrationId, slot: slot as KeySlot };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (typeof args === "string") {
    process.stderr.write(`enrollment-key: ${args}\n${USAGE}\n`);
    return 2;
  }
  let exported: string;
  try {
    exported = await pulumiFor(args.stack)(["stack", "export", "--show-secrets"]);
  } catch (error) {
    process.stderr.write(`enrollment-key: could not read stack ${args.stack}: ${(error as Error).message}\n`);
    return 1;
  }
  let state: StackExport;
  try {
    state = JSON.parse(exported) as StackExport;
  } catch {
    // JSON.parse's message quotes the text around the fault, and this text holds the secrets.
    process.stderr.write(`enrollment-key: stack ${args.stack}'s export is not JSON\n`);
    return 1;
  }
  try {
    const key = enrollmentKey(state.deployment, args.registrationId, args.slot, args.stack);
    process.stdout.write(process.stdout.isTTY ? `${key}\n` : key);
    return 0;
  } catch (error) {
    if (!(error instanceof EnrollmentKeyError)) throw error;
    process.stderr.write(`enrollment-key: ${error.message}\n`);
    return 1;
  }
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // An unexpected failure: its message only, since a stack trace of state code could quote values.
      process.stderr.write(`enrollment-key: ${(error as Error).message ?? String(error)}\n`);
      process.exit(1);
    },
  );
