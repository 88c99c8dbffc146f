package program_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"globalstack/internal/mockcloud"
	"globalstack/stacks/plan"
)

// Workloads must wait for the add-ons they rely on: the SecretProviderClass needs the CSI
// driver's CRDs, the TargetGroupBinding the load balancer controller's CRD and webhook, the
// autoscaler the metrics API.
func TestStorefrontWaitsForClusterAddons(t *testing.T) {
	res, err := plan.NewPlanner("../..").Plan("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	var releases []string
	for _, r := range res.Cloud.OfType("kubernetes:helm.sh/v3:Release") {
		releases = append(releases, r.URN)
	}
	if len(releases) != 4 {
		t.Fatalf("want 4 Helm releases (CSI driver, its AWS provider, metrics-server, LB controller), got %v", releases)
	}
	checked := 0
	for _, r := range res.Cloud.Resources() {
		if !strings.HasPrefix(r.Type, "kubernetes:") || strings.Contains(r.Type, "helm.sh") || !strings.Contains(r.URN, "globalstack:storefront:Storefront") {
			continue
		}
		checked++
		for _, rel := range releases {
			if !slices.Contains(r.Dependencies, rel) {
				t.Errorf("%s does not wait for %s", r.Type, rel)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d storefront Kubernetes objects found", checked)
	}
}

// A HorizontalPodAutoscaler reads the metrics.k8s.io API, which EKS serves only once
// metrics-server runs; without it the storefront never scales.
func TestAutoscalerWaitsForTheMetricsServer(t *testing.T) {
	for _, stack := range []string{"prod-us", "prod-eu", "prod-jp"} {
		res, err := plan.NewPlanner("../..").Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		var metrics []string
		for _, r := range res.Cloud.OfType("kubernetes:helm.sh/v3:Release") {
			if r.Str("chart") == "metrics-server" && r.Str("version") != "" {
				metrics = append(metrics, r.URN)
			}
		}
		if len(metrics) != 1 {
			t.Fatalf("%s: want one pinned metrics-server release, got %v", stack, metrics)
		}
		hpas := res.Cloud.OfType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
		if len(hpas) != 1 {
			t.Fatalf("%s: %d autoscalers", stack, len(hpas))
		}
		if !slices.Contains(hpas[0].Dependencies, metrics[0]) {
			t.Errorf("%s: the autoscaler does not wait for metrics-server", stack)
		}
	}
}

// S3 refuses a replication configuration until versioning is enabled on both buckets.
func TestReplicationWaitsForVersioning(t *testing.T) {
	res, err := plan.NewPlanner("../..").Plan("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := res.Cloud.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
	if len(cfg) != 1 {
		t.Fatalf("%d replication configs", len(cfg))
	}
	versioning := 0
	for _, v := range res.Cloud.OfType("aws:s3/bucketVersioningV2:BucketVersioningV2") {
		if slices.Contains(cfg[0].Dependencies, v.URN) {
			versioning++
		}
	}
	if versioning != 2 {
		t.Fatalf("replication waits for %d versioning resources, want 2 (source and replica)", versioning)
	}
}

// Images are encrypted with the cell's storage key, not ECR's default.
func TestImagesEncryptedWithTheStorageKey(t *testing.T) {
	res, err := plan.NewPlanner("../..").Plan("prod-jp")
	if err != nil {
		t.Fatal(err)
	}
	repos := res.Cloud.OfType("aws:ecr/repository:Repository")
	if len(repos) != 1 {
		t.Fatalf("%d repositories", len(repos))
	}
	enc := repos[0]
	if enc.Str("encryptionConfigurations[0].encryptionType") != "KMS" || enc.Str("encryptionConfigurations[0].kmsKey") != res.Outputs["storageKeyArn"] {
		t.Errorf("repository encryption %v, want KMS with %v", enc.In("encryptionConfigurations"), res.Outputs["storageKeyArn"])
	}
}

// dependsOn reports whether from waits for to, following recorded dependencies transitively.
func dependsOn(res *plan.Result, from mockcloud.Resource, to string) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), from.Dependencies...)
	for len(stack) > 0 {
		urn := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if urn == to {
			return true
		}
		if seen[urn] {
			continue
		}
		seen[urn] = true
		if r, ok := res.Cloud.ByURN(urn); ok {
			stack = append(stack, r.Dependencies...)
		}
	}
	return false
}

// OpenSearch refuses an access policy naming a role IAM does not know yet, so whatever sets
// the policy must wait for the storefront's role, in the cell and in a failed-over DR stack.
func TestSearchAccessPolicyWaitsForTheRoleItNames(t *testing.T) {
	for _, tc := range []struct {
		stack     string
		overrides map[string]string
	}{
		{"prod-eu", nil},
		{"prod-jp-dr", map[string]string{"globalstack:failover": "true"}},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			res, err := plan.NewPlanner("../..").PlanWith(tc.stack, tc.overrides)
			if err != nil {
				t.Fatal(err)
			}
			roles := map[string]string{}
			for _, r := range res.Cloud.OfType("aws:iam/role:Role") {
				roles[r.Out("arn").StringValue()] = r.URN
			}
			named := 0
			for _, typ := range []string{"aws:opensearch/domain:Domain", "aws:opensearch/domainPolicy:DomainPolicy"} {
				for _, r := range res.Cloud.OfType(typ) {
					doc := r.Str("accessPolicies")
					if doc == "" {
						continue
					}
					var p struct {
						Statement []struct{ Principal struct{ AWS []string } }
					}
					if err := json.Unmarshal([]byte(doc), &p); err != nil {
						t.Fatalf("%s access policy: %v", r.Name, err)
					}
					for _, st := range p.Statement {
						for _, arn := range st.Principal.AWS {
							named++
							role, ok := roles[arn]
							if !ok {
								t.Errorf("%s %s names %s, which is no role of the plan", r.Type, r.Name, arn)
								continue
							}
							if !dependsOn(res, r, role) {
								t.Errorf("%s %s names %s without waiting for it: OpenSearch rejects the policy while IAM does not know the role", r.Type, r.Name, arn)
							}
						}
					}
				}
			}
			if named == 0 {
				t.Fatal("no OpenSearch access policy names a role: the storefront could not be admitted")
			}
		})
	}
}
