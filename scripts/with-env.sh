#!/usr/bin/env bash
# Runs a command with the project's toolchain (Node 24, the pinned Pulumi CLI) first on
# PATH, so `npm test` works even when npm itself was started by an older node.
#   with-env.sh [--engine] COMMAND [ARGS...]
# Runs the set-up first when Node is too old, or, with --engine (the command drives the Pulumi
# engine), when no pulumi is installed or the self-built one's language-host front is older than
# this checkout's: a fresh clone, or a pull that changed the front, needs no separate set-up step.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
needs_engine=false
if [ "${1:-}" = "--engine" ]; then
  needs_engine=true
  shift
fi
. "$here/env.sh"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
stale_front() {
  [ -x "$DPS_PULUMI_ROOT/bin/pulumi" ] && [ "$(cat "$DPS_FRONT_STAMP" 2>/dev/null)" != "$(dps_front_digest)" ]
}
if [ "$node_major" -lt "$NODE_MIN_MAJOR" ] || { $needs_engine && { ! command -v pulumi >/dev/null 2>&1 || stale_front; }; }; then
  bash "$here/setup.sh"
  . "$here/env.sh"
fi
if [ -x "$DPS_PROJECT_ROOT/node_modules/.bin/$1" ]; then
  cmd=$DPS_PROJECT_ROOT/node_modules/.bin/$1
  shift
  exec "$cmd" "$@"
fi
exec "$@"
