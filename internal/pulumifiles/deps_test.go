package pulumifiles

import (
	"os/exec"
	"strings"
	"testing"
)

// The package is what tools read Pulumi files with; it stays free of the platform's own
// packages and of the cloud SDKs, so any tool may link it cheaply.
func TestDependsOnlyOnPulumiCommonPackagesAndYAML(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "globalstack/") && dep != "globalstack/internal/pulumifiles",
			strings.HasPrefix(dep, "github.com/pulumi/pulumi-"),
			strings.HasPrefix(dep, "github.com/pulumi/pulumi/sdk/v3/go/pulumi"),
			strings.HasPrefix(dep, "github.com/aws/"),
			strings.HasPrefix(dep, "k8s.io/"):
			t.Errorf("pulumifiles depends on %s", dep)
		}
	}
}
