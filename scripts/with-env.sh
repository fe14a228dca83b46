#!/usr/bin/env bash
# Runs a command with the project's toolchain (Node 24, the pinned Pulumi CLI) first on
# PATH, so `npm test` works even when npm itself was started by an older node.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ -x "$DPS_PROJECT_ROOT/node_modules/.bin/$1" ]; then
  cmd=$DPS_PROJECT_ROOT/node_modules/.bin/$1
  shift
  exec "$cmd" "$@"
fi
exec "$@"
