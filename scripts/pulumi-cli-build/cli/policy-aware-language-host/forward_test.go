package main

import (
	"context"
	"net"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// serve starts a gRPC server on a free local port and returns its address.
func serve(t *testing.T, server *grpc.Server) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	return listener.Addr().String()
}

func dial(t *testing.T, address string, options ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(address, append(options, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// A call the v3.68 host predates reaches the CLI as the host's Unimplemented, every time: the
// host rejects it on the call's headers, often before the front has sent the request, and the
// CLI falls back to the older call only on Unimplemented (langruntime_plugin.go,
// GetRequiredPackages). The front once returned that race's io.EOF instead, and the command
// failed with "failed to discover package requirements: EOF".
func TestACallTheHostPredatesReachesTheCLIAsUnimplemented(t *testing.T) {
	// The v3.68 host as far as this call goes: a server that knows no such method.
	upstream := dial(t, serve(t, grpc.NewServer()), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	hosts := &upstreamHosts{byKey: map[string]*upstreamHost{"": {conn: upstream}}}
	front := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
			method, _ := grpc.MethodFromServerStream(stream)
			return forward(stream, hosts, method)
		}))
	client := pulumirpc.NewLanguageRuntimeClient(dial(t, serve(t, front)))

	for i := 0; i < 500; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := client.GetRequiredPackages(ctx, &pulumirpc.GetRequiredPackagesRequest{
			Info: &pulumirpc.ProgramInfo{RootDirectory: "/project", ProgramDirectory: "/project", EntryPoint: "."},
		})
		cancel()
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("call %d: got %v, want the host's Unimplemented", i, err)
		}
	}
}
