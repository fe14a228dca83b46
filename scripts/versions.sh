# Pinned toolchain versions: the one place to change them.
# The CLI and @pulumi/pulumi (package.json) share a version: the Go module proxy serves
# github.com/pulumi/pulumi/pkg/v3 at v3.260.0 and npm serves @pulumi/pulumi 3.260.0.
PULUMI_VERSION=3.260.0
# Commit behind the pkg/v3.260.0 tag; the Node.js language host module has no tags of its
# own, so it is required at this commit (a pseudo-version). `go mod download -json
# github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION` prints it as Origin.Hash.
PULUMI_COMMIT=22df62fcb27a8482225087c1f739680ad18df0c3
NODE_VERSION=24.21.0
NODE_MIN_MAJOR=22
GO_MIN_VERSION=1.22
