// Reading what `pulumi up` printed: the diagnostics of one resource, and expected texts with
// placeholders for what changes from run to run.

/**
 * The `error:` lines the CLI printed for the resource whose name ends with `name` (the
 * "Diagnostics:" section lists each resource as `<type> (<name>):` followed by its messages).
 */
export function diagnosticsOf(output: string, name: string): string {
  const lines = output.split("\n");
  const found: string[] = [];
  let inside = false;
  for (const line of lines) {
    const header = /^\s{2}\S.*\((.+)\):\s*$/.exec(line);
    if (header) {
      inside = header[1]!.endsWith(name);
      continue;
    }
    if (inside && /^\s{4}error: /.test(line)) found.push(line.replace(/^\s{4}error: /, "").trimEnd());
  }
  return found.join("\n");
}

/**
 * An exact expected text as a regular expression, where {n} is a number, {attempts} "1 attempt" or
 * "N attempts" (a loaded machine may spend the whole budget on the first), {seconds} a decimal,
 * {id} a tracking id (uuid), {code} an error code word and {text} any text on the line.
 */
export function exactText(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const withPlaceholders = escaped
    .replace(/\\\{attempts\\\}/g, "\\d+ attempts?")
    .replace(/\\\{n\\\}/g, "\\d+")
    .replace(/\\\{seconds\\\}/g, "\\d+\\.\\d")
    .replace(/\\\{id\\\}/g, "[0-9a-f-]{36}")
    .replace(/\\\{code\\\}/g, "[A-Z_]+")
    .replace(/\\\{text\\\}/g, ".*?");
  return new RegExp(`^${withPlaceholders}`, "m");
}
