# Source this file: the settings of the Pulumi engine that hold wherever it runs. scripts/env.sh
# sources it (every script, test, benchmark and demo of the project); the GitHub workflows, which
# cannot source env.sh (its local backend, passphrase and offline plugin defaults are for a
# person's machine), source it in a step of each job that runs pulumi and write what it exports to
# $GITHUB_ENV. Each setting is a default: a value already in the environment wins.

# A soft memory limit for the engine's Go runtime, and for every Go process the engine starts (the
# language host, Go providers such as azure-native). Without one the collector (GOGC=100) lets the
# heap grow to about twice what is live before it collects: at 100,000 batched enrollments the
# engine peaked at 3.1 to 3.3 GiB in a `pulumi up`, and at 1,633 MiB with this limit, the up taking
# as long (benchmarks/README.md, "100,000 with each set's entries as one text"); issue #26 asks for
# under 2 GiB per process. The limit counts what the Go runtime manages, not the binary's own
# mappings (runtime/debug.SetMemoryLimit), hence the room left under 2 GiB. It is soft: as the heap
# nears it the runtime collects more often, and past it (a live heap above the limit) the runtime
# caps the collector's share of CPU rather than thrash (https://go.dev/doc/gc-guide#Memory_limit,
# https://pkg.go.dev/runtime/debug#SetMemoryLimit). GOMEMLIMIT=off runs without a limit; a malformed
# value stops every Go program at start (golang/go src/runtime/mgcpacer.go, readGOMEMLIMIT).
DPS_ENGINE_GOMEMLIMIT=1536MiB
export GOMEMLIMIT=${GOMEMLIMIT:-$DPS_ENGINE_GOMEMLIMIT}
