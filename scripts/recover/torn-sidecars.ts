/**
 * Repairs the attribute files that a killed `pulumi` can leave torn in a file backend.
 *
 * Pulumi's file backend stores each object through gocloud.dev's fileblob driver. The object
 * itself is written to a temporary file and renamed into place (atomic), but its attributes go to
 * a sidecar `<object>.attrs` that is truncated and rewritten in place before that rename
 * (gocloud.dev blob/fileblob/attrs.go: setAttrs uses os.Create then a JSON encoder). A SIGKILL in
 * that window leaves an empty or half-written sidecar, and every later read of the object fails:
 * for the stack's checkpoint, `pulumi up`, `preview`, `stack export` and `cancel` all stop with
 * "failed to load checkpoint: EOF" (reproduced against the pinned CLI by test/e2e/torn-sidecar.test.ts).
 *
 * A missing sidecar is read as default attributes (attrs.go: getAttrs "Handle gracefully for
 * non-existent .attr files"), and Pulumi stores nothing of its own in them (content type and an
 * MD5 that nothing verifies on read), so removing a torn one loses nothing and makes the object
 * readable again. Stacks on this project's default local backend write no sidecars at all
 * (`?metadata=skip` in scripts/env.sh); this repair is for backends made before that, or by hand.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Every `.attrs` sidecar under the backend's `.pulumi` folder that is not a JSON object. */
export function findTornSidecars(backendDir: string): string[] {
  const root = path.join(backendDir, ".pulumi");
  if (!fs.existsSync(root)) return [];
  const torn: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() && entry.name.endsWith(".attrs") && !isJsonObject(file)) torn.push(file);
    }
  };
  walk(root);
  return torn.sort();
}

function isJsonObject(file: string): boolean {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Removes the torn sidecars; returns their paths. */
export function repairTornSidecars(backendDir: string): string[] {
  const torn = findTornSidecars(backendDir);
  for (const file of torn) fs.rmSync(file, { force: true });
  return torn;
}

/**
 * The folder of a `file://` backend URL (query parameters such as `metadata=skip` are the
 * driver's options, not part of the path), or undefined for any other backend.
 */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const rest = backendUrl.slice("file://".length);
  const query = rest.indexOf("?");
  const dir = query >= 0 ? rest.slice(0, query) : rest;
  // Pulumi resolves `file://~` and `file://~/...` against the home folder (pkg/backend/diy/backend.go).
  return dir === "~" || dir.startsWith("~/") ? path.join(os.homedir(), dir.slice(1)) : dir;
}
