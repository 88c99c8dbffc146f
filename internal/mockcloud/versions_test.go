package mockcloud

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func TestVersionInFollowsReplacementsAndNamesWhatIsMissing(t *testing.T) {
	deps := []*debug.Module{
		{Path: "github.com/pulumi/pulumi/sdk/v3", Version: "v3.255.0"},
		{Path: "github.com/pulumi/pulumi-aws/sdk/v6", Version: "v6.80.0", Replace: &debug.Module{Path: "example.com/aws-fork", Version: "v6.83.2"}},
		{Path: "github.com/pulumi/pulumi-random/sdk/v4", Version: "v4.19.0", Replace: &debug.Module{Path: "../random"}},
	}
	for path, want := range map[string]string{
		"github.com/pulumi/pulumi/sdk/v3":     "v3.255.0",
		"github.com/pulumi/pulumi-aws/sdk/v6": "v6.83.2",
	} {
		if got, err := versionIn(deps, path); err != nil || got != want {
			t.Errorf("versionIn(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	for path, why := range map[string]string{
		"github.com/pulumi/pulumi-random/sdk/v4":     "replaced by a directory",
		"github.com/pulumi/pulumi-kubernetes/sdk/v4": "not linked",
	} {
		_, err := versionIn(deps, path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), why) {
			t.Errorf("versionIn(%s): err = %v, want one naming the module and saying %q", path, err, why)
		}
	}
}

func TestRequiredVersionFollowsReplacements(t *testing.T) {
	mod, err := modfile.Parse("go.mod", []byte(`module example.com/m
require (
	github.com/pulumi/pulumi/sdk/v3 v3.255.0
	github.com/pulumi/pulumi-aws/sdk/v6 v6.80.0
	github.com/pulumi/pulumi-random/sdk/v4 v4.19.0
)
replace github.com/pulumi/pulumi-aws/sdk/v6 => example.com/aws-fork v6.83.2
replace github.com/pulumi/pulumi-random/sdk/v4 => ../random
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"github.com/pulumi/pulumi/sdk/v3": "v3.255.0", "github.com/pulumi/pulumi-aws/sdk/v6": "v6.83.2"} {
		if got, err := requiredVersion(mod, "go.mod", path); err != nil || got != want {
			t.Errorf("requiredVersion(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	for _, path := range []string{"github.com/pulumi/pulumi-random/sdk/v4", "github.com/pulumi/pulumi-kubernetes/sdk/v4"} {
		if _, err := requiredVersion(mod, "go.mod", path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("requiredVersion(%s): err = %v, want one naming the module", path, err)
		}
	}
}

// A go test binary has no dependency list (golang/go#33976); EngineVersion then finds the
// module's go.mod above the package directory the test runs in.
func TestEngineVersionInATestBinary(t *testing.T) {
	if info, _ := debug.ReadBuildInfo(); len(info.Deps) != 0 {
		t.Logf("this test binary lists %d modules: the go.mod fallback is not exercised", len(info.Deps))
	}
	got, err := EngineVersion()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "v3.") {
		t.Errorf("EngineVersion() = %q, want the v3 Pulumi SDK version", got)
	}
	if _, err := goModVersion("example.com/not-this-module", engineModule); err == nil || !strings.Contains(err.Error(), "example.com/not-this-module") {
		t.Errorf("goModVersion of a module with no go.mod above: err = %v, want one naming the module", err)
	}
}

// The AWS provider version is the one go.mod requires, as a provider resource records it
// (without the v).
func TestAWSProviderVersionMatchesGoMod(t *testing.T) {
	got, err := AWSProviderVersion()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := requiredVersion(mod, "go.mod", awsModule)
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimPrefix(want, "v") || strings.HasPrefix(got, "v") {
		t.Errorf("AWSProviderVersion() = %q, want go.mod's %s without the v", got, want)
	}
}
