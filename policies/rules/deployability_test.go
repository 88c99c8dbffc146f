package rules_test

import (
	"testing"
	"time"

	"globalstack/policies/plantest"
	"globalstack/policies/rules"
)

// reviewDay is the day the lifecycle table was checked; fixtures are judged then or later.
var reviewDay = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func deployabilityCases() []fixtureCase {
	const (
		hpa     = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
		ingress = "kubernetes:networking.k8s.io/v1:Ingress"
		sa      = "kubernetes:core/v1:ServiceAccount"
	)
	var (
		kubeProxy = subject{tAddon, "cluster-kube-proxy"}
		vpcCNI    = subject{tAddon, "cluster-vpc-cni"}
		lbc       = subject{tRelease, "cluster-lb-controller"}
		appSA     = subject{sa, "storefront"}
	)
	remove := func(s subject) func(p *plantest.Plan) { return func(p *plantest.Plan) { p.Remove(s.typ, s.name) } }
	// ingressInstead exposes the storefront through an alb Ingress, the AWS Load Balancer
	// Controller making its load balancer, instead of the binding to the origin's target group:
	// the K8S-002 Ingress cases judge it.
	storefrontIngress := subject{ingress, "storefront"}
	ingressInstead := func(p *plantest.Plan) {
		if len(p.All(ingress)) != 0 {
			p.T().Fatalf("the plan has %d Ingresses, the K8S-002 Ingress cases add the only one", len(p.All(ingress)))
		}
		b := p.Find(binding.typ, binding.name)
		p.Add(binding.typ, binding.name, ingress, storefrontIngress.name, map[string]any{
			"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": b.Inputs["metadata"],
			"spec": map[string]any{"ingressClassName": "alb", "defaultBackend": map[string]any{"service": map[string]any{
				"name": "storefront", "port": map[string]any{"number": 80.0}}}}})
		p.DependOn(ingress, storefrontIngress.name, "metadata", p.Find(lbc.typ, lbc.name))
		p.Remove(binding.typ, binding.name)
	}
	return []fixtureCase{
		// LIFE-001
		{rule: "LIFE-001", name: "supported versions", now: reviewDay}, // EKS 1.36, Aurora 16.8, OpenSearch 2.17, Redis 7.1
		{rule: "LIFE-001", name: "kubernetes out of standard support", fail: true, want: "standard support ended on 2025-11-26", on: eks, now: reviewDay,
			edit: with(eks, map[string]any{"version": "1.31"})},
		{rule: "LIFE-001", name: "engine version not in the table", fail: true, want: "not in the lifecycle table", on: db, now: reviewDay,
			edit: with(db, map[string]any{"engineVersion": "16.99"})},
		// LIFE-002
		{rule: "LIFE-002", name: "far from the end", now: reviewDay},
		{rule: "LIFE-002", name: "ends within 120 days", fail: true, want: "standard support ends on 2027-08-02", on: eks, now: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)},
		// LIFE-003
		{rule: "LIFE-003", name: "documented add-on and chart", now: reviewDay},
		{rule: "LIFE-003", name: "add-on of another Kubernetes version", fail: true, want: "not in the lifecycle table", on: kubeProxy, now: reviewDay,
			edit: with(kubeProxy, map[string]any{"addonVersion": "v1.31.2-eksbuild.3"})},
		{rule: "LIFE-003", name: "chart not documented for the cluster", fail: true, want: "documented for Kubernetes 1.31+, not for the cluster's 1.30",
			on: subject{tRelease, "cluster-metrics-server"}, now: reviewDay,
			// the add-ons pinned for newer versions only go with the downgrade
			edit: then(with(eks, map[string]any{"version": "1.30"}), remove(kubeProxy), remove(subject{tAddon, "cluster-coredns"}),
				remove(subject{tAddon, "cluster-aws-ebs-csi-driver"}), remove(subject{tAddon, "cluster-amazon-cloudwatch-observability"}))},
		// K8S-006
		{rule: "K8S-006", name: "access entry of an ordinary role"},
		{rule: "K8S-006", name: "access entry of a service-linked role", fail: true, want: "is a service-linked role",
			on: subject{tEKSAccessEntry, "cluster-admin-0"},
			edit: with(subject{tEKSAccessEntry, "cluster-admin-0"}, map[string]any{
				"principalArn": "arn:aws:iam::123456789012:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_0123456789abcdef0"})},
		// LIFE-004
		{rule: "LIFE-004", name: "table checked recently", now: reviewDay.AddDate(0, 5, 0)},
		{rule: "LIFE-004", name: "table older than 180 days", fail: true, want: "last checked on 2026-11-29", now: reviewDay.AddDate(0, 7, 0)},
		// K8S-001
		{rule: "K8S-001", name: "metrics-server installed"},
		{rule: "K8S-001", name: "no metrics API", fail: true, want: "metrics.k8s.io", on: subject{hpa, "storefront"},
			edit: remove(subject{tRelease, "cluster-metrics-server"})},
		// K8S-002
		{rule: "K8S-002", name: "alb class from the controller chart", on: storefrontIngress, edit: ingressInstead},
		{rule: "K8S-002", name: "alb without its controller", fail: true, want: "AWS Load Balancer Controller", on: storefrontIngress,
			edit: then(ingressInstead, remove(lbc))},
		{rule: "K8S-002", name: "chart told not to create the class", fail: true, want: "alb", on: storefrontIngress,
			edit: then(ingressInstead, with(lbc, map[string]any{"values.createIngressClassResource": false}))},
		{rule: "K8S-002", name: "binding to an ip target group after the controller", on: binding},
		{rule: "K8S-002", name: "binding without the controller", fail: true, want: "no aws-load-balancer-controller release", on: binding,
			edit: remove(lbc)},
		{rule: "K8S-002", name: "binding not waiting for the controller", fail: true, want: "does not depend on the aws-load-balancer-controller", on: binding,
			edit: func(p *plantest.Plan) { p.DropDependency(binding.typ, binding.name, p.Find(lbc.typ, lbc.name)) }},
		{rule: "K8S-002", name: "binding of another target type", fail: true, want: `targetType "instance"`, on: binding,
			edit: with(subject{tTargetGroup, "origin"}, map[string]any{"targetType": "instance"})},
		{rule: "K8S-002", name: "binding to a foreign target group", fail: true, want: "not a target group of this stack", on: binding,
			edit: func(p *plantest.Plan) {
				p.Set(binding.typ, binding.name, "spec.targetGroupARN", "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/other/0123456789abcdef").
					Undepend(binding.typ, binding.name, "spec")
			}},
		// K8S-003
		{rule: "K8S-003", name: "driver and provider"},
		{rule: "K8S-003", name: "driver without the aws provider", fail: true, want: "secrets-store-csi-driver-provider-aws",
			edit: remove(subject{tRelease, "cluster-secrets-store-aws"})},
		// K8S-004
		{rule: "K8S-004", name: "vpc-cni enforces"},
		{rule: "K8S-004", name: "vpc-cni without the policy agent", fail: true, want: "never enforced",
			edit: with(vpcCNI, map[string]any{"configurationValues": `{"enableNetworkPolicy":"false"}`})},
		// K8S-005
		{rule: "K8S-005", name: "service account and helm values trusted"},
		{rule: "K8S-005", name: "annotation names a role trusting another account", fail: true, want: `:sub is [system:serviceaccount:storefront:other]`, on: appSA,
			edit: trust(func(st map[string]any, host string) {
				st["Condition"].(map[string]any)["StringEquals"].(map[string]any)[host+":sub"] = "system:serviceaccount:storefront:other"
			})},
		{rule: "K8S-005", name: "helm values name a role outside the stack", fail: true, want: "is not a role of this stack", on: lbc,
			edit: with(lbc, map[string]any{"values.serviceAccount.annotations": map[string]any{
				"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/elsewhere"}})},
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
