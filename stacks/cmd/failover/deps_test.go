package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The failover runs during an outage, from whatever machine the on-call engineer has: it
// must build quickly and read the stack file without the Pulumi program runtime, the
// components or their cloud SDKs (it calls AWS through aws-sdk-go-v2 only).
func TestFailoverLinksNoComponentOrProviderSDK(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/pulumi/pulumi-aws/",
		"github.com/pulumi/pulumi-kubernetes/",
		"github.com/pulumi/pulumi-random/",
		"github.com/pulumi/pulumi/sdk/v3/go/pulumi",
		"globalstack/stacks/program",
		"globalstack/stacks/plan",
		"globalstack/policies/",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("the failover tool links %s", dep)
			}
		}
		if strings.HasPrefix(dep, "globalstack/components/") && !lightComponentPackage(dep) {
			t.Errorf("the failover tool links the component package %s", dep)
		}
	}
}

// lightComponentPackage names the component helpers that import no SDK.
func lightComponentPackage(pkg string) bool {
	switch pkg {
	case "globalstack/components/regions", "globalstack/components/base/validate", "globalstack/components/cluster/eksversion":
		return true
	}
	return false
}
