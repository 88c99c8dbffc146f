// Package mockcloudtest holds the helpers component and program tests use to run a program
// against the mock cloud and pick resources out of it. It is kept apart from mockcloud so that
// the planner binary does not link the testing package.
package mockcloudtest

import (
	"maps"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/internal/mockcloud"
)

// RunProgram runs fn as a whole program in region ("aws:region") with extra config and
// returns the cloud and the program's error. It is the one-liner component tests use.
func RunProgram(tb testing.TB, region string, fn pulumi.RunFunc, config ...map[string]string) (*mockcloud.Cloud, error) {
	tb.Helper()
	cfg := map[string]string{"aws:region": region}
	for _, c := range config {
		maps.Copy(cfg, c)
	}
	c := mockcloud.New("globalstack", "test")
	return c, c.Run(fn, cfg)
}

// One returns the only resource of type typ, failing the test when there is not exactly one.
func One(tb testing.TB, c *mockcloud.Cloud, typ string) mockcloud.Resource {
	tb.Helper()
	rs := c.OfType(typ)
	if len(rs) != 1 {
		tb.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	return rs[0]
}

// RequireParented fails the test unless every resource other than providers sits under the
// component of type componentType; it returns how many children it checked.
func RequireParented(tb testing.TB, c *mockcloud.Cloud, componentType string) int {
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
	n := 0
	under := map[string]bool{}
	for _, r := range c.Descendants(root) {
		under[r.URN] = true
	}
	for _, r := range c.Resources() {
		if r.URN == root || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		n++
		if !under[r.URN] {
			tb.Errorf("%s is not parented to the %s component (parent %q)", r.URN, componentType, r.Parent)
		}
	}
	return n
}
