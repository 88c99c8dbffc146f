package mockcloud

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RunProgram runs fn as a whole program in region ("aws:region") with extra config and
// returns the cloud and the program's error. It is the one-liner component tests use.
func RunProgram(tb testing.TB, region string, fn pulumi.RunFunc, config ...map[string]string) (*Cloud, error) {
	tb.Helper()
	cfg := map[string]string{"aws:region": region}
	for _, c := range config {
		for k, v := range c {
			cfg[k] = v
		}
	}
	c := New("globalstack", "test")
	return c, c.Run(fn, cfg)
}

// RequireParented fails the test unless every resource other than providers and
// top-level components sits under a component of type componentType.
func RequireParented(tb testing.TB, c *Cloud, componentType string) {
	tb.Helper()
	var root string
	for _, r := range c.Resources() {
		if r.Type == componentType {
			root = r.URN
		}
	}
	if root == "" {
		tb.Fatalf("no %s was registered", componentType)
	}
	under := map[string]bool{}
	for _, r := range c.Descendants(root) {
		under[r.URN] = true
	}
	for _, r := range c.Resources() {
		if r.URN == root || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		if !under[r.URN] {
			tb.Errorf("%s is not parented to the %s component (parent %q)", r.URN, componentType, r.Parent)
		}
	}
}
