// Certificate files named in manifests: where they may be and reading them. What a certificate
// must be is contract/dps/certificates.ts's answer, the same as the resources'.
//
// A `certificateFile` may point inside the repository (relative to the manifest) or inside a
// folder the program names as a path variable (`${DPS_HOME}`, where the demo generates its
// certificates), never elsewhere: a manifest in a pull request must not make the pipeline read
// `../../../etc/...` or a symlink out of the checkout and put the text into state and previews.
import * as fs from "node:fs";
import * as path from "node:path";
import { cut } from "./fields";

type Refusal = { ok: false; problem: string; allowed: string };

/** Larger than any certificate (a chain of a few certificates is under 16 KB). */
const MAX_CERTIFICATE_FILE_BYTES = 64 * 1024;

/** The nearest folder above `file` holding Pulumi.yaml or .git: the repository the manifest belongs to. */
export function repositoryRootOf(file: string): string {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) || fs.existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(path.resolve(file));
    dir = parent;
  }
}

/**
 * Expands `${NAME}` from the program's path variables, resolves relative to the manifest, and
 * checks that the file (after following symlinks) stays inside the repository or a variable's folder.
 */
export function resolveCertificatePath(
  manifestFile: string,
  value: string,
  variables: Readonly<Record<string, string>>,
  repositoryRoot: string = repositoryRootOf(manifestFile),
): { ok: true; path: string } | Refusal {
  let missing: string | undefined;
  const expanded = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const replacement = variables[name];
    if (replacement === undefined) missing ??= name;
    return replacement ?? "";
  });
  if (missing !== undefined) {
    const known = Object.keys(variables).sort();
    return {
      ok: false,
      problem: `unknown path variable '\${${cut(missing)}}' in '${cut(value)}'`,
      allowed:
        known.length > 0
          ? known.map((k) => `\${${k}}`).join(", ")
          : "no path variables are defined; use a path relative to the manifest",
    };
  }
  const resolved = path.resolve(path.dirname(manifestFile), expanded);
  const roots = [repositoryRoot, ...Object.values(variables)].map(realPath);
  if (!roots.some((root) => isInside(realPath(resolved), root))) {
    const names = Object.keys(variables)
      .sort()
      .map((k) => `\${${k}}`);
    return {
      ok: false,
      problem: `path '${cut(value)}' leads outside the repository`,
      allowed: `a file inside the repository, relative to the manifest${names.length > 0 ? `, or under ${names.join(", ")}` : ""} (symlinks are followed)`,
    };
  }
  return { ok: true, path: resolved };
}

/** Reads a certificate file: PEM text (UTF-8), or binary DER, which is handed on as base64 (DPS takes both). */
export function readCertificateFile(file: string): { ok: true; text: string } | Refusal {
  const allowed = "a readable PEM (or DER) certificate file, relative to the manifest";
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory())
      return { ok: false, problem: `'${cut(path.basename(file))}' is a folder`, allowed };
    if (stat.size > MAX_CERTIFICATE_FILE_BYTES)
      return {
        ok: false,
        problem: `the file is ${stat.size} bytes, too big for a certificate`,
        allowed: `${allowed}, at most ${MAX_CERTIFICATE_FILE_BYTES} bytes`,
      };
    const bytes = fs.readFileSync(file);
    if (bytes[0] === 0x30) return { ok: true, text: bytes.toString("base64") };
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "not UTF-8";
    return { ok: false, problem: `cannot read certificate file '${cut(file, 160)}' (${code})`, allowed };
  }
}

/** The real path, following symlinks as far as the path exists. */
function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realPath(parent), path.basename(p));
  }
}

function isInside(child: string, root: string): boolean {
  const relative = path.relative(root, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}
