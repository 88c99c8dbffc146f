package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The failover runs during an outage, from whatever machine the on-call engineer has: it
// must build quickly and read the stack file without the planner, the policies, the
// Kubernetes SDK or the components' resource code (it calls AWS through aws-sdk-go-v2). It
// validates the whole stack file first, so it links the packages that define the stack-file
// settings (settingsPackage); their pulumi-aws imports come along until those settings move
// to packages of their own.
func TestFailoverLinksNoComponentOrProviderSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/pulumi/pulumi-kubernetes/",
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
		if strings.HasPrefix(dep, "globalstack/components/") && !lightComponentPackage(dep) && !settingsPackage(dep) {
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

// settingsPackage names the components whose Settings (stack-file keys, presets and
// validation) the stack configuration decodes into.
func settingsPackage(pkg string) bool {
	switch pkg {
	case "globalstack/components/base", "globalstack/components/database", "globalstack/components/cache",
		"globalstack/components/search", "globalstack/components/edge", "globalstack/components/storefront/settings",
		"globalstack/components/cluster/settings", "globalstack/components/baseline/settings":
		return true
	}
	return false
}
