/**
 * Derive device keys for a symmetric-key enrollment group, for handing to a factory.
 *
 *   DPS_GROUP_KEY=... npx ts-node scripts/derive-device-key.ts [--json] <registrationId>...
 *   pulumi stack output groupPrimaryKey --show-secrets | npx ts-node scripts/derive-device-key.ts dev-1 dev-2
 *   npx ts-node scripts/derive-device-key.ts --ids-file ids.txt < group-key.txt
 *
 * The group key comes from the DPS_GROUP_KEY environment variable or the first line of stdin,
 * never from the command line (argv is visible to every user of the machine and lands in shell
 * history). Output: "<registrationId> <deviceKey>" per line, or one JSON object with --json.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { deriveDeviceKey } from "../components/enrollments/derived-keys";

const USAGE =
  "usage: DPS_GROUP_KEY=<key> derive-device-key [--json] [--ids-file FILE] <registrationId>...\n" +
  "       (or pipe the group key on stdin; the key is never accepted on the command line)";

function fail(message: string): never {
  process.stderr.write(`derive-device-key: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/**
 * A path as the person typed it: `npm run` starts scripts in the project's root, and sets
 * INIT_CWD to the folder it was called from (docs.npmjs.com/cli/commands/npm-run-script), so
 * `--ids-file device-ids.txt` in a move plan's step folder means that folder's file.
 */
function fromCallersFolder(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function main(argv: string[]): void {
  let json = false;
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--json") json = true;
    else if (arg === "--ids-file") {
      const file = argv[++i];
      if (!file) fail("--ids-file needs a file name");
      ids.push(
        ...fs
          .readFileSync(fromCallersFolder(file), "utf8")
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith("#")),
      );
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE + "\n");
      return;
    } else if (arg.startsWith("--key") || arg.startsWith("--group-key") || /[+/=]/.test(arg)) {
      // Registration ids never contain + / =, base64 keys usually do.
      fail("the group key is read from DPS_GROUP_KEY or stdin, never on the command line");
    } else if (arg.startsWith("-")) fail(`unknown option ${arg}`);
    else ids.push(arg);
  }
  if (ids.length === 0) fail("give at least one registration id");
  const groupKey = (process.env.DPS_GROUP_KEY ?? fs.readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "").trim();
  if (!groupKey) fail("no group key: set DPS_GROUP_KEY or pipe the key on stdin");
  const keys: Record<string, string> = {};
  try {
    for (const id of ids) keys[id] = deriveDeviceKey(groupKey, id);
  } catch (error) {
    fail((error as Error).message);
  }
  process.stdout.write(
    json
      ? JSON.stringify(keys, null, 2) + "\n"
      : Object.entries(keys)
          .map(([id, key]) => `${id} ${key}`)
          .join("\n") + "\n",
  );
}

main(process.argv.slice(2));
