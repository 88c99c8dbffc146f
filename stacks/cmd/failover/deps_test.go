package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The failover runs during an outage, from whatever machine the on-call engineer has: it
// must build quickly and read the stack file without the planner, the policies, the Pulumi
// program runtime, the provider SDKs or the components' resource code (it calls AWS through
// aws-sdk-go-v2). It validates the whole stack file first, so it links the components'
// settings packages, which import no SDK.
func TestFailoverLinksNoComponentOrProviderSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/pulumi/pulumi-aws/",
		"github.com/pulumi/pulumi-kubernetes/",
		"github.com/pulumi/pulumi-random/",
		"globalstack/internal/mockcloud",
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
		// The program runtime (pulumi.Context, resources, outputs) is what components need.
		if dep == "github.com/pulumi/pulumi/sdk/v3/go/pulumi" {
			t.Errorf("the failover tool links the Pulumi program runtime %s", dep)
		}
		if strings.HasPrefix(dep, "globalstack/components/") && !lightComponentPackage(dep) && !strings.HasSuffix(dep, "/settings") {
			t.Errorf("the failover tool links the component package %s", dep)
		}
	}
}

// lightComponentPackage names the component helpers, besides the settings packages, that
// import no SDK.
func lightComponentPackage(pkg string) bool {
	switch pkg {
	case "globalstack/components/regions", "globalstack/components/base/validate", "globalstack/components/cluster/eksversion":
		return true
	}
	return false
}
