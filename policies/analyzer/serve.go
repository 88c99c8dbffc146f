package analyzer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// WaiversEnv names an environment variable holding the path of a waiver file that replaces
// the reviewed waivers built into the pack.
const WaiversEnv = "GLOBALSTACK_POLICY_WAIVERS"

// Main runs a policy pack plugin: the engine starts it with its own address as the first
// argument and reads the port of the analyzer's gRPC server from the first line of stdout.
// It returns the process exit code.
func Main(name string, packs []rules.Pack, args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprintf(stderr, "usage: %s <engine-address>\n(this program is a Pulumi policy pack; run it with pulumi preview --policy-pack or pulumi policy analyze)\n", name)
		return 2
	}
	w, err := loadWaivers()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	srv, err := New(name, packs, w)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(g *grpc.Server) error {
			pulumirpc.RegisterAnalyzerServer(g, srv)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: starting gRPC server: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(stdout, "%d\n", handle.Port)
	if err := <-handle.Done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		fmt.Fprintf(stderr, "%s: gRPC server: %v\n", name, err)
		return 1
	}
	return 0
}

func loadWaivers() (*waivers.File, error) {
	if p := os.Getenv(WaiversEnv); p != "" {
		return waivers.Load(p)
	}
	return waivers.Reviewed()
}
