#!/usr/bin/env bash
# Runs a command with the project's toolchain (Node 24, the pinned Pulumi CLI) first on
# PATH, so `npm test` works even when npm itself was started by an older node. Runs the
# set-up first when the toolchain is missing (a fresh clone).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
. "$here/env.sh"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt "$NODE_MIN_MAJOR" ] || ! command -v pulumi >/dev/null 2>&1; then
  bash "$here/setup.sh"
  . "$here/env.sh"
fi
if [ -x "$DPS_PROJECT_ROOT/node_modules/.bin/$1" ]; then
  cmd=$DPS_PROJECT_ROOT/node_modules/.bin/$1
  shift
  exec "$cmd" "$@"
fi
exec "$@"
