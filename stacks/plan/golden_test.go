package plan_test

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"golang.org/x/mod/modfile"

	"globalstack/internal/pulumifiles"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from the current plans")

// TestPlansMatchGolden pins every stack's plan (and each DR stack's failover mode): one line per
// resource with digests of its inputs, outputs and dependencies, ignoring registration order.
// A refactoring must leave them unchanged; a deliberate change rewrites them with
//
//	go test ./stacks/plan -run TestPlansMatchGolden -update
//
// and the diff of testdata/golden names every resource it touched.
func TestPlansMatchGolden(t *testing.T) {
	p := plan.NewPlanner("../..")
	stacks, err := pulumifiles.Stacks("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range stacks {
		res, err := p.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, stack, res)
		if res.Config[config.Key("role")] == string(config.RoleDR) {
			fo, err := p.PlanWith(stack, map[string]string{config.Key("failover"): "true"})
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, stack+".failover", fo)
		}
	}
}

func compareGolden(t *testing.T, name string, res *plan.Result) {
	t.Helper()
	got := digest(res.Deployment(time.Time{}))
	path := filepath.Join("testdata", "golden", name+".txt")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	want := string(raw)
	if got == want {
		return
	}
	wantLines, gotLines := lineSet(want), lineSet(got)
	for l := range wantLines {
		if !gotLines[l] {
			t.Errorf("%s: no longer planned as before: %s", name, l)
		}
	}
	for l := range gotLines {
		if !wantLines[l] {
			t.Errorf("%s: planned differently or new: %s", name, l)
		}
	}
}

// digest renders a deployment as sorted "<urn> inputs=… outputs=… deps=…" lines.
func digest(d apitype.DeploymentV3) string {
	var lines []string
	for _, r := range d.Resources {
		deps := make([]string, 0, len(r.Dependencies))
		for _, u := range r.Dependencies {
			deps = append(deps, string(u))
		}
		sort.Strings(deps)
		provider := r.Provider
		if i := strings.LastIndex(provider, "::"); i >= 0 {
			provider = provider[:i] // the provider's id is synthesized
		}
		lines = append(lines, fmt.Sprintf("%s inputs=%s outputs=%s deps=%s propdeps=%s parent=%s provider=%s",
			r.URN, hash(r.Inputs), hash(r.Outputs), hash(deps), hash(r.PropertyDependencies), hash(r.Parent), hash(provider)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func hash(v any) string {
	raw, err := json.Marshal(v) // map keys are sorted, so equal values hash alike
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(raw))[:12]
}

func lineSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		out[l] = true
	}
	return out
}

// The deployment manifest records the Pulumi SDK version go.mod pins, as `pulumi stack export`
// of a deployment made with that SDK would.
func TestManifestRecordsThePinnedPulumiSDK(t *testing.T) {
	raw, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, r := range mod.Require {
		if r.Mod.Path == "github.com/pulumi/pulumi/sdk/v3" {
			want = r.Mod.Version
		}
	}
	res, err := plan.NewPlanner("../..").Plan("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	m := res.Deployment(time.Time{}).Manifest
	if want == "" || m.Version != want {
		t.Errorf("manifest version %q, want go.mod's github.com/pulumi/pulumi/sdk/v3 %q", m.Version, want)
	}
	if m.Magic != fmt.Sprintf("%x", sha256.Sum256([]byte(want))) {
		t.Errorf("manifest magic %q is not the digest of %q", m.Magic, want)
	}
}
