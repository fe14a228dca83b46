// npm run --silent adopt-platform -- --environment ENV --dps DPS.json --hub KEY=HUB.json [--hub ...]
//                                    [--consumer-groups KEY=GROUPS.json ...] [--out Pulumi.<stack>.yaml]
// Writes the stack config of a platform stack that adopts an existing DPS and its hubs under their
// own names (dps-as-code:adoptPlatform), from their ARM GET bodies, so that the stack's inputs
// equal what they are and adopting changes nothing but what docs/existing-dps.md lists. Reads
// files only: fetch them with `az rest` (the docs give the commands). No key is read or written.
import * as fs from "node:fs";
import { stringify } from "yaml";
import { adoptionConfig, type ArmBody } from "./adopt-platform/config-from-arm";

const USAGE =
  "usage: adopt-platform --environment ENV --dps DPS.json --hub KEY=HUB.json [--hub KEY=HUB.json ...]\n" +
  "                      [--consumer-groups KEY=GROUPS.json ...] [--out Pulumi.<stack>.yaml]";

function fail(message: string): never {
  process.stderr.write(`adopt-platform: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(`${file} is not JSON (${(err as Error).message}); save the output of az rest as it is`);
  }
}

function keyed(arg: string, flag: string): [string, string] {
  const at = arg.indexOf("=");
  if (at <= 0) fail(`${flag} takes KEY=FILE, got ${JSON.stringify(arg)}`);
  return [arg.slice(0, at), arg.slice(at + 1)];
}

function main(argv: string[]): void {
  let environment: string | undefined;
  let dps: ArmBody | undefined;
  let out: string | undefined;
  const hubs: Record<string, ArmBody> = {};
  const consumerGroups: Record<string, ArmBody[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === "--environment") environment = value();
    else if (arg === "--dps") dps = readJson(value()) as ArmBody;
    else if (arg === "--out") out = value();
    else if (arg === "--hub") {
      const [key, file] = keyed(value(), "--hub");
      hubs[key] = readJson(file) as ArmBody;
    } else if (arg === "--consumer-groups") {
      const [key, file] = keyed(value(), "--consumer-groups");
      // ARM's list answer ({ value: [...] }) or az's plain list.
      const groups = readJson(file) as { value?: ArmBody[] } | ArmBody[];
      consumerGroups[key] = Array.isArray(groups) ? groups : (groups.value ?? []);
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else fail(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (!environment) fail("--environment is required (the stack's dps-as-code:environment, e.g. prod)");
  if (!dps) fail("--dps is required (the DPS's ARM GET body)");
  if (Object.keys(hubs).length === 0) fail("give each hub linked to the DPS with --hub KEY=FILE");
  if (out !== undefined && fs.existsSync(out))
    fail(`${out} exists; write elsewhere and merge the keys by hand`);

  const result = adoptionConfig({ environment, dps, hubs, consumerGroups });
  if (!result.ok) {
    process.stderr.write(
      `adopt-platform: this platform cannot be adopted unchanged:\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    process.exit(1);
  }
  const text = stringify({ config: result.config });
  if (out === undefined) process.stdout.write(text);
  else fs.writeFileSync(out, text, { flag: "wx" });
}

main(process.argv.slice(2));
