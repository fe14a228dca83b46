// npm run validate-manifests -- [--stack <name>] [<folder or file>]; see validate-manifests/command.ts.
import { runValidateManifests } from "./validate-manifests/command";

process.exitCode = runValidateManifests(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  write: (stream, text) => void process[stream].write(text),
});
