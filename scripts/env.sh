# Source this file: it puts the project's toolchain first on PATH and sets the offline
# engine settings. Every script of the project (setup, test, demo, CI) goes through it,
# so these settings live here and nowhere else.
#
# Everything the project installs or writes lives under DPS_HOME, outside the Pulumi
# program's directory: the Node.js language host walks every folder below the program
# looking for plugins, and a Go build tree or state folder there would slow every run.

DPS_PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DPS_PROJECT_ROOT
# shellcheck source=versions.sh
. "$DPS_PROJECT_ROOT/scripts/versions.sh"

export DPS_HOME=${DPS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/dps-as-code}
export DPS_TOOLS_DIR=$DPS_HOME/tools
export DPS_NODE_DIR=$DPS_TOOLS_DIR/node-v$NODE_VERSION
export DPS_PULUMI_ROOT=$DPS_TOOLS_DIR/pulumi-v$PULUMI_VERSION
# The self-built CLI's front of the language host (scripts/pulumi-cli-build/cli/
# policy-aware-language-host) is built from this checkout: set-up stamps the digest of its
# sources beside it, and rebuilds it when the checkout's sources have another digest.
DPS_FRONT_STAMP=$DPS_PULUMI_ROOT/libexec/policy-aware-language-host.sha256
dps_front_digest() {
  local src=$DPS_PROJECT_ROOT/scripts/pulumi-cli-build/cli file
  for file in "$src/go.mod" "$src/go.sum" "$src"/policy-aware-language-host/*.go; do
    case $file in *_test.go) ;; *) cat "$file" ;; esac
  done | sha256sum | cut -d' ' -f1
}

# Node: the project's own Node 24 wins when set-up installed it (the machine's was too old).
if [ -x "$DPS_NODE_DIR/bin/node" ]; then
  case ":$PATH:" in *":$DPS_NODE_DIR/bin:"*) ;; *) PATH=$DPS_NODE_DIR/bin:$PATH ;; esac
fi
# Pulumi: a self-built CLI (with its language host and dynamic-provider shim beside it).
if [ -x "$DPS_PULUMI_ROOT/bin/pulumi" ]; then
  case ":$PATH:" in *":$DPS_PULUMI_ROOT/bin:"*) ;; *) PATH=$DPS_PULUMI_ROOT/bin:$PATH ;; esac
fi
export PATH

# Offline engine settings. A user who already has a backend (pulumi login, or
# PULUMI_BACKEND_URL) keeps it; otherwise stacks live in a local file backend.
export PULUMI_HOME=${PULUMI_HOME:-$DPS_HOME/pulumi-home}
# metadata=skip: the file driver then writes no `.attrs` sidecar beside each object; it rewrites
# those in place, so a pulumi killed at that moment left the stack unreadable ("failed to load
# checkpoint: EOF"; see scripts/recover/torn-sidecars.ts). The objects themselves are renamed
# into place atomically.
DPS_LOCAL_BACKEND_URL="file://$DPS_HOME/state?metadata=skip"
if [ -z "${PULUMI_BACKEND_URL:-}" ] && [ ! -f "$PULUMI_HOME/credentials.json" ]; then
  export PULUMI_BACKEND_URL=$DPS_LOCAL_BACKEND_URL
  mkdir -p "$DPS_HOME/state"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
# Node's compile cache (https://nodejs.org/api/module.html#module-compile-cache, Node 22.1 and
# later): every preview and up starts a program process and a provider process, and each compiles
# @pulumi/pulumi anew; with V8's code kept on disk, loading it takes about 0.4 s of CPU instead of
# 0.6 s (2026-12-08). Node keys each entry by the file's content. A user's own value wins.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$DPS_HOME/node-compile-cache}
# What holds for the engine wherever it runs, CI included (its memory limit): a file of its own,
# which the workflows source too.
# shellcheck source=engine-settings.sh
. "$DPS_PROJECT_ROOT/scripts/engine-settings.sh"
# azure-native and random plugins cannot be downloaded here; a stack that creates none of
# their resources must still run, and one that does must fail at once, not hang.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
# Local stacks use the passphrase secrets provider. Real stacks set their own passphrase
# or a Key Vault secrets provider; this default is only for stacks on this machine.
if [ "${PULUMI_BACKEND_URL:-}" = "$DPS_LOCAL_BACKEND_URL" ] || [ "${PULUMI_BACKEND_URL:-}" = "file://$DPS_HOME/state" ]; then
  export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-local-only-passphrase}
fi
