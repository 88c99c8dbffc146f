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

func k8s(s *fixture.Stack, typ, name string, spec map[string]any) *fixture.Res {
	in := map[string]any{"metadata": map[string]any{"name": name, "namespace": "storefront"}}
	for k, v := range spec {
		in[k] = v
	}
	return s.Add(typ, name, in)
}

// irsa adds the cluster's OIDC provider and a role trusting namespace/sa through it.
func irsa(s *fixture.Stack, role, namespace, sa string) *fixture.Res {
	host := "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	oidc := s.Add("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "oidc", map[string]any{"url": "https://" + host})
	return s.Add("aws:iam/role:Role", role, map[string]any{"assumeRolePolicy": policy(map[string]any{
		"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": map[string]any{"Federated": oidc.ARN},
		"Condition": map[string]any{"StringEquals": map[string]any{host + ":sub": "system:serviceaccount:" + namespace + ":" + sa, host + ":aud": "sts.amazonaws.com"}}})})
}

func deployabilityCases() []fixtureCase {
	const (
		hpa     = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
		ingress = "kubernetes:networking.k8s.io/v1:Ingress"
		spc     = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
		netpol  = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
		sa      = "kubernetes:core/v1:ServiceAccount"
		addon   = "aws:eks/addon:Addon"
		tgb     = targetGroupBindingType
	)
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
			s.Add(addon, "kube-proxy", map[string]any{"clusterName": "prod-eu", "addonName": "kube-proxy", "addonVersion": "v1.36.0-eksbuild.14"})
			helm(s, "metrics", "metrics-server", "3.13.1", nil)
		})},
		{rule: "LIFE-003", name: "add-on of another Kubernetes version", fail: true, want: "not in the lifecycle table", stack: at(reviewDay, func(s *fixture.Stack) {
			eksCluster(s, "1.36")
			s.Add(addon, "kube-proxy", map[string]any{"clusterName": "prod-eu", "addonName": "kube-proxy", "addonVersion": "v1.31.2-eksbuild.3"})
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
		// K8S-001
		{rule: "K8S-001", name: "metrics-server installed", stack: euWith(func(s *fixture.Stack) {
			helm(s, "metrics", "metrics-server", "3.13.1", nil)
			k8s(s, hpa, "app", nil)
		})},
		{rule: "K8S-001", name: "no metrics API", fail: true, want: "metrics.k8s.io", stack: euWith(func(s *fixture.Stack) {
			k8s(s, hpa, "app", nil)
		})},
		// K8S-002
		{rule: "K8S-002", name: "alb class from the controller chart", stack: euWith(func(s *fixture.Stack) {
			helm(s, "lbc", "aws-load-balancer-controller", "1.10.1", map[string]any{"clusterName": "prod-eu"})
			k8s(s, ingress, "app", map[string]any{"spec": map[string]any{"ingressClassName": "alb"}})
		})},
		{rule: "K8S-002", name: "alb without its controller", fail: true, want: "AWS Load Balancer Controller", stack: euWith(func(s *fixture.Stack) {
			k8s(s, ingress, "app", map[string]any{"spec": map[string]any{"ingressClassName": "alb"}})
		})},
		{rule: "K8S-002", name: "chart told not to create the class", fail: true, want: "alb", stack: euWith(func(s *fixture.Stack) {
			helm(s, "lbc", "aws-load-balancer-controller", "1.10.1", map[string]any{"createIngressClassResource": false})
			k8s(s, ingress, "app", map[string]any{"spec": map[string]any{"ingressClassName": "alb"}})
		})},
		{rule: "K8S-002", name: "binding to an ip target group after the controller", stack: euWith(func(s *fixture.Stack) { targetGroupBinding(s, true, "ip", "ip") })},
		{rule: "K8S-002", name: "binding without the controller", fail: true, want: "no aws-load-balancer-controller release", stack: euWith(func(s *fixture.Stack) {
			tg := s.Add("aws:lb/targetGroup:TargetGroup", "tg", map[string]any{"targetType": "ip"})
			k8s(s, tgb, "app", map[string]any{"spec": map[string]any{"targetGroupARN": tg.ARN, "targetType": "ip"}})
		})},
		{rule: "K8S-002", name: "binding not waiting for the controller", fail: true, want: "does not depend on the aws-load-balancer-controller", stack: euWith(func(s *fixture.Stack) { targetGroupBinding(s, false, "ip", "ip") })},
		{rule: "K8S-002", name: "binding of another target type", fail: true, want: `targetType "instance"`, stack: euWith(func(s *fixture.Stack) { targetGroupBinding(s, true, "instance", "ip") })},
		{rule: "K8S-002", name: "binding to a foreign target group", fail: true, want: "not a target group of this stack", stack: euWith(func(s *fixture.Stack) {
			lbc := helm(s, "lbc", "aws-load-balancer-controller", "1.10.1", nil)
			s.Add(tgb, "app", map[string]any{"metadata": map[string]any{"name": "app", "namespace": "storefront"}, "spec": map[string]any{
				"targetGroupARN": "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/other/0123456789abcdef", "targetType": "ip"}},
				fixture.DependsOn("metadata", lbc))
		})},
		// K8S-003
		{rule: "K8S-003", name: "driver and provider", stack: euWith(func(s *fixture.Stack) {
			helm(s, "csi", "secrets-store-csi-driver", "1.6.0", nil)
			helm(s, "aws", "secrets-store-csi-driver-provider-aws", "3.1.1", nil)
			k8s(s, spc, "app", map[string]any{"spec": map[string]any{"provider": "aws"}})
		})},
		{rule: "K8S-003", name: "driver without the aws provider", fail: true, want: "secrets-store-csi-driver-provider-aws", stack: euWith(func(s *fixture.Stack) {
			helm(s, "csi", "secrets-store-csi-driver", "1.6.0", nil)
			k8s(s, spc, "app", map[string]any{"spec": map[string]any{"provider": "aws"}})
		})},
		// K8S-004
		{rule: "K8S-004", name: "vpc-cni enforces", stack: euWith(func(s *fixture.Stack) {
			s.Add(addon, "cni", map[string]any{"addonName": "vpc-cni", "configurationValues": `{"enableNetworkPolicy":"true"}`})
			k8s(s, netpol, "app", nil)
		})},
		{rule: "K8S-004", name: "vpc-cni without the policy agent", fail: true, want: "never enforced", stack: euWith(func(s *fixture.Stack) {
			s.Add(addon, "cni", map[string]any{"addonName": "vpc-cni", "configurationValues": `{"enableNetworkPolicy":"false"}`})
			k8s(s, netpol, "app", nil)
		})},
		// K8S-005
		{rule: "K8S-005", name: "service account and helm values trusted", stack: euWith(func(s *fixture.Stack) {
			app := irsa(s, "app", "storefront", "storefront")
			k8s(s, sa, "storefront", map[string]any{"metadata": map[string]any{"name": "storefront", "namespace": "storefront",
				"annotations": map[string]any{"eks.amazonaws.com/role-arn": app.ARN}}})
		})},
		{rule: "K8S-005", name: "annotation names a role trusting another account", fail: true, want: `:sub is [system:serviceaccount:storefront:other]`, stack: euWith(func(s *fixture.Stack) {
			other := irsa(s, "other", "storefront", "other")
			k8s(s, sa, "storefront", map[string]any{"metadata": map[string]any{"name": "storefront", "namespace": "storefront",
				"annotations": map[string]any{"eks.amazonaws.com/role-arn": other.ARN}}})
		})},
		{rule: "K8S-005", name: "helm values name a role outside the stack", fail: true, want: "is not a role of this stack", stack: euWith(func(s *fixture.Stack) {
			helm(s, "lbc", "aws-load-balancer-controller", "1.10.1", map[string]any{"serviceAccount": map[string]any{"name": "aws-load-balancer-controller",
				"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/elsewhere"}}})
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

const targetGroupBindingType = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"

// targetGroupBinding adds the controller's chart, a target group of tgType and a binding to
// it of bindingType, depending on the chart when waits.
func targetGroupBinding(s *fixture.Stack, waits bool, tgType, bindingType string) {
	lbc := helm(s, "lbc", "aws-load-balancer-controller", "1.10.1", nil)
	tg := s.Add("aws:lb/targetGroup:TargetGroup", "tg", map[string]any{"targetType": tgType})
	var opts []fixture.Opt
	if waits {
		opts = append(opts, fixture.DependsOn("metadata", lbc))
	}
	s.Add(targetGroupBindingType, "app", map[string]any{"metadata": map[string]any{"name": "app", "namespace": "storefront"},
		"spec": map[string]any{"targetGroupARN": tg.ARN, "targetType": bindingType, "serviceRef": map[string]any{"name": "app", "port": 80.0}}}, opts...)
}
