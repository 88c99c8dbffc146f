package program_test

import (
	"testing"
	"time"

	"globalstack/policies/rules"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// The day these pins were reviewed: a cluster created then must have at least 120 days of EKS
// standard support left (upgradePolicy STANDARD auto-upgrades at its end), and every add-on
// must be documented for the cluster's version.
var reviewed = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

func TestClustersRunASupportedKubernetesWithDocumentedAddons(t *testing.T) {
	table := rules.EmbeddedLifecycle()
	p := plan.NewPlanner("../..")
	runs := map[string]map[string]string{"prod-us": nil, "prod-eu": nil, "prod-jp": nil}
	for stack := range drStacks {
		runs[stack] = map[string]string{config.Key("failover"): "true"}
	}
	for stack, overrides := range runs {
		res, err := p.PlanWith(stack, overrides)
		if err != nil {
			t.Fatal(err)
		}
		clusters := res.Cloud.OfType("aws:eks/cluster:Cluster")
		if len(clusters) != 1 {
			t.Fatalf("%s: %d EKS clusters", stack, len(clusters))
		}
		version := clusters[0].Str("version")
		support, ok := table.KubernetesVersion(version)
		if !ok {
			t.Fatalf("%s: Kubernetes %s is not in the lifecycle table", stack, version)
		}
		if left := support.EndOfStandardSupport.Sub(reviewed); left < 120*24*time.Hour {
			t.Errorf("%s: Kubernetes %s leaves EKS standard support on %s, %d days after %s",
				stack, version, support.EndOfStandardSupport, int(left.Hours()/24), reviewed.Format(time.DateOnly))
		}
		if got := clusters[0].Str("upgradePolicy.supportType"); got != "STANDARD" {
			t.Errorf("%s: upgrade policy %q", stack, got)
		}
		addons := res.Cloud.OfType("aws:eks/addon:Addon")
		if len(addons) < 4 {
			t.Fatalf("%s: %d add-ons", stack, len(addons))
		}
		for _, a := range addons {
			c, ok := table.Addon(a.Str("addonName"), a.Str("addonVersion"))
			if !ok || !c.Supports(version) {
				t.Errorf("%s: add-on %s %s is not documented for Kubernetes %s", stack, a.Str("addonName"), a.Str("addonVersion"), version)
			}
		}
		for _, r := range res.Cloud.OfType("kubernetes:helm.sh/v3:Release") {
			c, ok := table.Chart(r.Str("chart"), r.Str("version"))
			if !ok || !c.Supports(version) {
				t.Errorf("%s: chart %s %s is not documented for Kubernetes %s", stack, r.Str("chart"), r.Str("version"), version)
			}
		}
	}
}
