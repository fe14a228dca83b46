// The policy pack's entry (package.json "main"). The engine starts a Node.js pack through
// @pulumi/pulumi's run-policy-pack, which registers ts-node with type checking before it loads
// the pack: about 5 s of CPU on every `pulumi preview` or `up` with `--policy-pack`, spent
// checking types that `npm run typecheck` already checks (CI and the PR workflow run it). Inside
// this repository the pack loads through the project's cached transpiler instead, the one the
// program and the tools use (scripts/register-typescript.js: each file transpiled alone, syntax
// errors named by file, line and column). Copied out on its own, the pack has no such file and
// loads through ts-node as before. Plain JavaScript: it runs before anything compiles TypeScript.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const projectLoader = path.join(__dirname, "..", "scripts", "register-typescript.js");
if (fs.existsSync(projectLoader)) {
  // run-policy-pack's ts-node hook is replaced, not stacked: the loader leaves an existing hook alone.
  delete require.extensions[".ts"];
  require(projectLoader);
}
require("./index.ts");
