// Command policy-aware-language-host is installed as `pulumi-language-nodejs` beside a
// self-built Pulumi CLI. It fronts the Node.js language host built from
// github.com/pulumi/pulumi/sdk/v3@v3.68.0 (the newest release of it that the Go module
// proxy here serves; see scripts/versions.sh) and adds the one call that host predates:
// RunPlugin, which CLIs since v3.221 use to start Node.js policy packs.
//
// Every other call is forwarded to the real host byte for byte, so programs run exactly as
// the upstream host runs them, started with the flags for the project's runtime options
// (Pulumi.yaml `runtime.options`, which current CLIs send in each call rather than as flags;
// see runtime_options.go). RunPlugin starts @pulumi/pulumi's run-policy-pack from the
// policy pack's own node_modules, with the arguments the pre-3.221 `pulumi-analyzer-policy`
// plugin used (<engine address> .), and streams its output back to the engine.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

const runPluginMethod = "/pulumirpc.LanguageRuntime/RunPlugin"

// rawCodec passes gRPC messages through untouched, so forwarded calls need no knowledge of
// their message types (and new fields survive the trip).
type rawCodec struct{}

type frame struct{ data []byte }

func (rawCodec) Marshal(v any) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return f.data, nil
	}
	if m, ok := v.(proto.Message); ok {
		return proto.Marshal(m)
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*frame); ok {
		f.data = append([]byte(nil), data...)
		return nil
	}
	if m, ok := v.(proto.Message); ok {
		return proto.Unmarshal(data, m)
	}
	return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	self, _ = filepath.EvalSymlinks(self)
	hosts := &upstreamHosts{
		binary: filepath.Join(filepath.Dir(filepath.Dir(self)), "libexec", "pulumi-language-nodejs"),
		args:   os.Args[1:],
		byKey:  map[string]*upstreamHost{},
	}
	defer hosts.killAll()
	go exitWhenOrphaned(hosts)

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
			method, _ := grpc.MethodFromServerStream(stream)
			if method == runPluginMethod {
				return runPlugin(stream)
			}
			return forward(stream, hosts, method)
		}))
	hosts.onExit = server.Stop
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	return server.Serve(listener)
}

// exitWhenOrphaned ends the front and its hosts when the pulumi that started them is gone. A
// pulumi stopped normally kills its plugins; one killed outright (SIGKILL, a cancelled CI job)
// cannot, and the front and the hosts would otherwise wait for calls forever. The enrollment
// providers do the same for their process (components/enrollments/orphan-watchdog.js).
func exitWhenOrphaned(hosts *upstreamHosts) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			hosts.killAll()
			os.Exit(1)
		}
	}
}

// upstreamHosts starts the v3.68 host on demand, once per set of runtime-option flags
// (runtime_options.go): a pulumi command's calls all carry the project's options, so one
// host serves them all.
type upstreamHosts struct {
	binary string
	args   []string // the engine address, as the CLI passed it
	onExit func()

	mu    sync.Mutex
	byKey map[string]*upstreamHost
}

type upstreamHost struct {
	process *exec.Cmd
	conn    *grpc.ClientConn
}

func (h *upstreamHosts) get(flags []string) (*grpc.ClientConn, error) {
	key := strings.Join(flags, "\x00")
	h.mu.Lock()
	defer h.mu.Unlock()
	if host, ok := h.byKey[key]; ok {
		return host.conn, nil
	}
	host, err := h.start(flags)
	if err != nil {
		return nil, err
	}
	h.byKey[key] = host
	return host.conn, nil
}

func (h *upstreamHosts) start(flags []string) (*upstreamHost, error) {
	// Flags first: the host reads the engine address from its first positional argument.
	process := exec.Command(h.binary, append(append([]string(nil), flags...), h.args...)...)
	process.Stderr = os.Stderr
	out, err := process.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := process.Start(); err != nil {
		return nil, fmt.Errorf("starting the Node.js language host %s: %w", h.binary, err)
	}
	// Like every plugin, the upstream host announces its port as the first line on stdout.
	reader := bufio.NewReader(out)
	portLine, err := reader.ReadString('\n')
	if err != nil {
		_ = process.Process.Kill()
		return nil, fmt.Errorf("reading the Node.js language host's port: %w", err)
	}
	go func() { _, _ = io.Copy(os.Stdout, reader) }()
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(portLine),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		_ = process.Process.Kill()
		return nil, err
	}
	// A host that dies takes the front with it, as the host alone would have gone.
	go func() {
		_ = process.Wait()
		if h.onExit != nil {
			h.onExit()
		}
	}()
	return &upstreamHost{process: process, conn: conn}, nil
}

func (h *upstreamHosts) killAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, host := range h.byKey {
		_ = host.conn.Close()
		_ = host.process.Process.Kill()
	}
}

// forward relays one call (unary or streaming) to the upstream host for the runtime options
// its first message carries.
func forward(in grpc.ServerStream, hosts *upstreamHosts, method string) error {
	// The calls this protocol has send their request first; its options choose the host.
	var first frame
	if err := in.RecvMsg(&first); err != nil {
		return err
	}
	flags, err := hostFlags(method, first.data)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Pulumi.yaml runtime options: %v", err)
	}
	conn, err := hosts.get(flags)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	ctx, cancel := context.WithCancel(in.Context())
	defer cancel()
	out, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}
	// io.EOF from SendMsg means the host already ended the call (grpc-go's ClientStream.SendMsg:
	// "the stream has been terminated; call RecvMsg to get the final status"): the v3.68 host
	// answers a method it predates, such as GetRequiredPackages, with Unimplemented as soon as it
	// reads the call's headers, sometimes before the request is sent. Its status, which RecvMsg
	// below returns, is what the CLI must see: Unimplemented makes it fall back to
	// GetRequiredPlugins, while a bare "EOF" failed the command ("failed to discover package
	// requirements: EOF", seen on a loaded machine).
	if err := out.SendMsg(&first); err != nil && err != io.EOF {
		return err
	}
	errs := make(chan error, 1)
	go func() {
		for {
			var f frame
			if err := in.RecvMsg(&f); err != nil {
				if err == io.EOF {
					errs <- out.CloseSend()
				} else {
					errs <- err
				}
				return
			}
			if err := out.SendMsg(&f); err != nil {
				if err != io.EOF {
					errs <- err
				}
				return
			}
		}
	}()
	if header, err := out.Header(); err == nil {
		_ = in.SendHeader(header)
	}
	for {
		var f frame
		if err := out.RecvMsg(&f); err != nil {
			in.SetTrailer(out.Trailer())
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := in.SendMsg(&f); err != nil {
			return err
		}
	}
}

// runPlugin starts a Node.js policy pack (kind "analyzer") from its own directory.
func runPlugin(stream grpc.ServerStream) error {
	var req pulumirpc.RunPluginRequest
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	if req.GetKind() != "" && req.GetKind() != "analyzer" {
		return status.Errorf(codes.Unimplemented, "RunPlugin supports policy packs (analyzer) only, not %q", req.GetKind())
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	if len(req.GetArgs()) < 1 {
		return status.Error(codes.InvalidArgument, "RunPlugin: missing engine address argument")
	}
	resolve := exec.Command("node", "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")
	resolve.Dir = dir
	entry, err := resolve.Output()
	if err != nil {
		return status.Errorf(codes.FailedPrecondition,
			"it looks like the policy pack's dependencies are not installed; try running npm install in %q", dir)
	}
	cmd := exec.Command("node", string(entry), req.GetArgs()[0], ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return err
	}
	var mu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) {
		mu.Lock()
		defer mu.Unlock()
		_ = stream.SendMsg(resp)
	}
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse, wg *sync.WaitGroup) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				send(wrap(append([]byte(nil), buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	}, &wg)
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	}, &wg)
	go func() {
		<-stream.Context().Done()
		_ = cmd.Process.Kill()
	}()
	wg.Wait()
	code := 0
	if err := cmd.Wait(); err != nil {
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else {
			code = -1
		}
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	return nil
}
