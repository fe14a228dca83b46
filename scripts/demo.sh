#!/usr/bin/env bash
# npm run demo: set up the toolchain, install dependencies when missing, run the demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
. scripts/env.sh
[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
exec node_modules/.bin/ts-node --transpile-only scripts/demo/main.ts "$@"
