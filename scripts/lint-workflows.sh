#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint (which also runs shellcheck on `run:`
# scripts when shellcheck is on PATH). actionlint is built from its Go module into
# ${DPS_HOME}/tools the first time; the version is pinned here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ACTIONLINT_VERSION=v1.7.12
bin_dir="$DPS_TOOLS_DIR/actionlint-$ACTIONLINT_VERSION"
actionlint="$bin_dir/actionlint"

if [ ! -x "$actionlint" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "lint-workflows: Go is needed to build actionlint $ACTIONLINT_VERSION (go install); install Go $GO_MIN_VERSION or later" >&2
    exit 1
  fi
  mkdir -p "$bin_dir"
  echo "lint-workflows: building actionlint $ACTIONLINT_VERSION into $bin_dir" >&2
  GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

cd "$DPS_PROJECT_ROOT"
exec "$actionlint" -no-color "$@"
