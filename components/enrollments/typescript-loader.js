// Lets plain node require the project's TypeScript sources: the program process (Pulumi.yaml's
// `nodeargs` preloads scripts/register-typescript.js), the project's command-line tools (the same
// file, from package.json's scripts) and the dynamic-provider process (started by the engine in
// the project directory). Plain JavaScript on purpose: it runs before anything can compile
// TypeScript. The project's provider entry (dynamic-providers.js) registers it before it loads a
// provider; `__provider` references stored by older versions load it by this path themselves
// (components/enrollments/stored-forms.ts), so it stays here.
//
// Each file is transpiled alone (types are checked by `npm run typecheck`, not here; syntax
// errors are reported) with the project's TypeScript and tsconfig.json, as ts-node does in
// transpile-only mode. Transpiled files are cached under the system's temp folder, keyed by
// the file's path within the project and its content, the TypeScript version and tsconfig.json
// (so copies of the project share them): loading TypeScript itself costs about a second on an
// idle machine (tens of seconds on a busy one), and every `pulumi preview`, `up` or `refresh`
// starts a new program process and a new provider process. On a cache hit TypeScript is not
// loaded at all.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/**
 * For a provider process: starts the orphan watchdog and the fast protobuf strings, then registers
 * the `.ts` loader unless one is already registered (ts-node, vitest, or this one).
 */
exports.registerTypeScript = function registerTypeScript(projectDir) {
  // Every provider is loaded through this first (dynamic-providers.js, older references): the one
  // place to make sure that process ends with its `pulumi` (orphan-watchdog.js).
  require("./orphan-watchdog.js").exitWhenOrphaned();
  // And the one place to make its long strings cross the engine at native speed (protobuf-strings.js).
  require("../protobuf-strings.js").fastProtobufStrings(projectDir);
  exports.registerTypeScriptLoader(projectDir);
};

/**
 * The `.ts` loader alone, without the watchdog: for the project's command-line tools
 * (scripts/register-typescript.js), which a person or a pipeline starts and which have no
 * `pulumi` to outlive. Does nothing when a loader is already registered.
 */
exports.registerTypeScriptLoader = function registerTypeScriptLoader(projectDir) {
  if (require.extensions[".ts"]) return;
  const fromProject = (name) => require.resolve(name, { paths: [projectDir] });
  const typescriptVersion = require(fromProject("typescript/package.json")).version;
  const tsconfigPath = path.join(projectDir, "tsconfig.json");
  const tsconfig = fs.existsSync(tsconfigPath) ? fs.readFileSync(tsconfigPath, "utf8") : "{}";
  const user = typeof process.getuid === "function" ? process.getuid() : "user";
  const cacheDir = path.join(os.tmpdir(), `dps-as-code-${user}`, "transpiled");
  let compile; // created on the first cache miss only

  function transpile(source, filename) {
    if (!compile) {
      const ts = require(fromProject("typescript"));
      const { config } = ts.parseConfigFileTextToJson("tsconfig.json", tsconfig);
      const { options } = ts.convertCompilerOptionsFromJson(
        (config && config.compilerOptions) || {},
        projectDir,
      );
      const compilerOptions = {
        ...options,
        module: ts.ModuleKind.CommonJS,
        sourceMap: false,
        inlineSourceMap: true,
        inlineSources: true,
      };
      compile = (text, fileName) => {
        // Syntax errors only (types are `npm run typecheck`'s): reported as ts-node reported them,
        // with file, line and column, instead of running whatever the transpiler made of the text.
        const { outputText, diagnostics } = ts.transpileModule(text, {
          fileName,
          compilerOptions,
          reportDiagnostics: true,
        });
        const errors = (diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (errors.length > 0) {
          const error = new Error(
            `Unable to compile TypeScript:\n${ts.formatDiagnostics(errors, {
              getCanonicalFileName: (name) => name,
              getCurrentDirectory: () => projectDir,
              getNewLine: () => "\n",
            })}`,
          );
          // @pulumi/pulumi's cmd/run prints a TSError's message without a stack trace.
          error.name = "TSError";
          throw error;
        }
        return outputText;
      };
    }
    return compile(source, filename);
  }

  require.extensions[".ts"] = function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto
      .createHash("sha256")
      // The path within the project, not the absolute one: the output does not depend on the folder
      // (the inline source map names the file by its base name), so every copy of the project (a
      // checkout elsewhere, the tests' program copies) shares the entries.
      .update([typescriptVersion, tsconfig, path.relative(projectDir, filename), source].join("\0"))
      .digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    let code;
    try {
      code = fs.readFileSync(cached, "utf8");
    } catch {
      code = transpile(source, filename);
      try {
        // Write then rename: concurrent provider processes never read half a file.
        fs.mkdirSync(cacheDir, { recursive: true });
        const partial = `${cached}.${process.pid}.partial`;
        fs.writeFileSync(partial, code);
        fs.renameSync(partial, cached);
      } catch {
        // A read-only or full temp folder only costs the next run the transpilation.
      }
    }
    module._compile(code, filename);
  };
};
