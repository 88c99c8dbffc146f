package rules_test

import (
	"testing"
	"time"

	"globalstack/policies/fixture"
	"globalstack/policies/rules"
)

// reviewDay is the day the lifecycle table was checked; fixtures are judged then or later.
var reviewDay = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// at builds a minimal EU stack judged at when.
func at(when time.Time, f func(s *fixture.Stack)) func() *rules.Stack {
	return func() *rules.Stack {
		st := euWith(f)()
		st.Now = when
		return st
	}
}

func eksCluster(s *fixture.Stack, version string) *fixture.Res {
	return s.Add("aws:eks/cluster:Cluster", "c", map[string]any{"name": "prod-eu", "version": version})
}

func helm(s *fixture.Stack, name, chart, version string, values map[string]any) *fixture.Res {
	return s.Add("kubernetes:helm.sh/v3:Release", name, map[string]any{"chart": chart, "version": version, "namespace": "kube-system", "values": values})
}

func deployabilityCases() []fixtureCase {
	return []fixtureCase{
		// LIFE-001
		{rule: "LIFE-001", name: "supported versions", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.36")
			s.Add("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-postgresql", "engineVersion": "16.8"})
			s.Add("aws:opensearch/domain:Domain", "search", map[string]any{"engineVersion": "OpenSearch_2.17"})
			s.Add("aws:elasticache/replicationGroup:ReplicationGroup", "cache", map[string]any{"engine": "redis", "engineVersion": "7.1"})
		})},
		{rule: "LIFE-001", name: "kubernetes out of standard support", fail: true, want: "standard support ended on 2025-11-26", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.31")
		})},
		{rule: "LIFE-001", name: "engine version not in the table", fail: true, want: "not in the lifecycle table", stack: at(reviewDay, func(s *fixture.Stack) {
			s.Add("aws:rds/cluster:Cluster", "db", map[string]any{"engine": "aurora-postgresql", "engineVersion": "16.99"})
		})},
		// LIFE-002
		{rule: "LIFE-002", name: "far from the end", stack: at(reviewDay, func(s *fixture.Stack) { eksCluster(s, "1.36") })},
		{rule: "LIFE-002", name: "ends within 120 days", fail: true, want: "standard support ends on 2027-08-02", stack: at(time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), func(s *fixture.Stack) {
			eksCluster(s, "1.36")
		})},
		// LIFE-003
		{rule: "LIFE-003", name: "documented add-on and chart", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.36")
			s.Add("aws:eks/addon:Addon", "kube-proxy", map[string]any{"clusterName": "prod-eu", "addonName": "kube-proxy", "addonVersion": "v1.36.0-eksbuild.14"})
			helm(s, "metrics", "metrics-server", "3.13.1", nil)
		})},
		{rule: "LIFE-003", name: "add-on of another Kubernetes version", fail: true, want: "not in the lifecycle table", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.36")
			s.Add("aws:eks/addon:Addon", "kube-proxy", map[string]any{"clusterName": "prod-eu", "addonName": "kube-proxy", "addonVersion": "v1.31.2-eksbuild.3"})
		})},
		{rule: "LIFE-003", name: "chart not documented for the cluster", fail: true, want: "documented for Kubernetes 1.31+, not for the cluster's 1.30", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.30")
			helm(s, "metrics", "metrics-server", "3.13.1", nil)
		})},
		// LIFE-004
		{rule: "LIFE-004", name: "table checked recently", stack: at(reviewDay.AddDate(0, 5, 0), func(s *fixture.Stack) { eksCluster(s, "1.36") })},
		{rule: "LIFE-004", name: "table older than 180 days", fail: true, want: "last checked on 2026-11-29", stack: at(reviewDay.AddDate(0, 7, 0), func(s *fixture.Stack) {
			eksCluster(s, "1.36")
		})},
	}
}

func TestEmbeddedLifecycleTableIsValid(t *testing.T) {
	l := rules.EmbeddedLifecycle()
	if _, ok := l.KubernetesVersion("1.36"); !ok {
		t.Fatal("Kubernetes 1.36 missing")
	}
	for _, bad := range []string{
		`{"sources": {}}`,
		`{"checked": "2026-11-29", "sources": {}, "kubernetes": [{"version": "1.36", "source": "nowhere"}]}`,
		`{"checked": "2026-11-29", "sources": {"x": "u"}, "charts": [{"name": "c", "version": "1", "kubernetes": "one", "source": "x"}]}`,
		`{"checked": "29/11/2026"}`,
	} {
		if _, err := rules.ParseLifecycle([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
