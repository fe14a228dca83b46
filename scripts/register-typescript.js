// Lets node run the project's command-line tools from their TypeScript sources:
//   node -r ./scripts/register-typescript.js scripts/<tool>.ts [args]
// (package.json's scripts run every tool so). Each file is transpiled alone with the project's
// TypeScript and tsconfig.json, as `ts-node --transpile-only` did, through the content-keyed
// cache the dynamic-provider processes use (components/enrollments/typescript-loader.js): a warm
// start does not load TypeScript at all. Measured on two busy cores (load 15):
// `npm run validate-manifests -- --stack local` took 3.0 s of CPU under ts-node, 0.55 s here.
// Types are checked by `npm run typecheck`, as before. Plain JavaScript: it runs before anything
// can compile TypeScript.
"use strict";
const path = require("node:path");

require("../components/enrollments/typescript-loader.js").registerTypeScriptLoader(
  path.join(__dirname, ".."),
);
