package plantest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"globalstack/internal/pulumifiles"
	"globalstack/stacks/plan"
)

var (
	copies      []apitype.DeploymentV3 // planned copies of prod-eu, by copy number
	copyRoot    string
	copyPlanner *plan.Planner
)

// plannedCopy plans prod-eu's program and config as stack "copy<i>", serving copy<i>.<domain>:
// every physical name, id and record of the copy is its own, as in a second real cell.
func plannedCopy(t testing.TB, i int) apitype.DeploymentV3 {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	for len(copies) <= i {
		n := len(copies)
		if copyPlanner == nil {
			root, err := RepoRoot()
			if err != nil {
				t.Fatal(err)
			}
			copyRoot, err = os.MkdirTemp("", "plantest-copies-")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"Pulumi.yaml", "Pulumi.prod-eu.yaml"} {
				raw, err := os.ReadFile(filepath.Join(root, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(copyRoot, f), raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			copyPlanner = plan.NewPlanner(copyRoot)
		}
		cfg, err := os.ReadFile(filepath.Join(copyRoot, "Pulumi.prod-eu.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		stack := fmt.Sprintf("copy%d", n)
		own := strings.ReplaceAll(string(cfg), "shop.example.eu", stack+".shop.example.eu")
		if err := os.WriteFile(pulumifiles.StackFile(copyRoot, stack), []byte(own), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := copyPlanner.Plan(stack)
		if err != nil {
			t.Fatalf("plantest: planning copy %s of prod-eu: %v", stack, err)
		}
		copies = append(copies, res.Deployment(JudgeDay))
	}
	return copies[i]
}

// Synthetic returns one stack, "synthetic", of at least n resources: copies of the planned
// prod-eu cell, each planned as its own stack (copy0, copy1, ...) so that its names, ids and DNS
// records are its own, merged with their resources renamed copy<i>-<name>. The copies keep their
// custom resources and providers; the component resources and the flow declarations they
// carry are left out, because the network-flow model judges one cell per stack (a flow from
// "the storefront pods" to "the Aurora cluster" would otherwise span every copy). Every
// copy is compliant, so the stack is.
func Synthetic(t testing.TB, n int) apitype.DeploymentV3 {
	t.Helper()
	const name = "synthetic"
	root := resource.URN("urn:pulumi:" + name + "::globalstack::pulumi:pulumi:Stack::globalstack-" + name)
	out := apitype.DeploymentV3{}
	for i := 0; len(out.Resources) < n+1; i++ {
		d := Edit(t, fmt.Sprintf("copy%d", i), plannedCopy(t, i)).D
		if i == 0 {
			out.Manifest = d.Manifest
			var outputs map[string]any
			for _, r := range d.Resources {
				if r.Type == resource.RootStackType {
					outputs = r.Outputs
				}
			}
			delete(outputs, "flows")
			out.Resources = append(out.Resources, apitype.ResourceV3{URN: root, Type: resource.RootStackType, Outputs: outputs})
		}
		renamed := map[resource.URN]resource.URN{}
		for _, r := range d.Resources {
			if r.Custom || strings.HasPrefix(string(r.Type), "pulumi:providers:") {
				renamed[r.URN] = resource.URN(fmt.Sprintf("urn:pulumi:%s::globalstack::%s::copy%d-%s", name, r.Type, i, Name(&r)))
			}
		}
		urn := func(u resource.URN) resource.URN {
			if to, ok := renamed[u]; ok {
				return to
			}
			return root // a component or the copy's root stack: the merged stack's root
		}
		for _, r := range d.Resources {
			if _, kept := renamed[r.URN]; !kept {
				continue
			}
			r.URN = urn(r.URN)
			if r.Parent != "" {
				r.Parent = urn(r.Parent)
			}
			if r.Provider != "" {
				j := strings.LastIndex(r.Provider, "::")
				r.Provider = string(urn(resource.URN(r.Provider[:j]))) + r.Provider[j:]
			}
			var deps []resource.URN
			for _, u := range r.Dependencies {
				if to, ok := renamed[u]; ok {
					deps = append(deps, to)
				}
			}
			r.Dependencies = deps
			for k, us := range r.PropertyDependencies {
				var kept []resource.URN
				for _, u := range us {
					if to, ok := renamed[u]; ok {
						kept = append(kept, to)
					}
				}
				r.PropertyDependencies[k] = kept
			}
			out.Resources = append(out.Resources, r)
		}
	}
	return out
}
