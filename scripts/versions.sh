# Pinned toolchain versions: the one place to change them.
#
# The Pulumi CLI (engine) and @pulumi/pulumi in package.json share a version: the Go
# module proxy serves github.com/pulumi/pulumi/pkg/v3 at v3.260.0 and npm serves
# @pulumi/pulumi 3.260.0. The wrapper modules in scripts/pulumi-cli-build pin the same.
PULUMI_VERSION=3.260.0
# The Node.js language host became a module of its own in v3.69.0, and the Go module
# proxy reachable here refuses that module (403, "This module version is not available").
# Up to v3.68.0 it was a package of github.com/pulumi/pulumi/sdk/v3, which the proxy
# serves, so the host is built from there. It only launches node with
# @pulumi/pulumi/cmd/run from the project's node_modules (the program itself runs on the
# 3.260 SDK) and still speaks the language-host protocol the current engine uses.
PULUMI_LANGUAGE_HOST_VERSION=3.68.0
NODE_VERSION=24.21.0
NODE_MIN_MAJOR=22
# Go >= 1.21 fetches the toolchain that the wrapper's go.mod asks for (1.26.6) on its own.
GO_MIN_VERSION=1.22
