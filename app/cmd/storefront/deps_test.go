package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production binary links no test helpers and no local dev environment: those start
// database servers as child processes and have no place in the image.
func TestBinaryLinksNoTestOrDevEnvironmentCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps listed only %d packages: %q", len(deps), deps)
	}
	for _, p := range deps {
		if p == "testing" || strings.HasPrefix(p, "testing/") || strings.HasPrefix(p, "globalstack/tests/") ||
			p == "globalstack/internal/devenv" || strings.HasPrefix(p, "globalstack/internal/devenv/") {
			t.Errorf("the storefront binary links %s", p)
		}
	}
}
