package program_test

import (
	"slices"
	"strings"
	"testing"

	"globalstack/stacks/plan"
)

// Workloads must wait for the add-ons they rely on: the SecretProviderClass needs the CSI
// driver's CRDs, the Ingress the load balancer controller's webhook, the autoscaler the
// metrics API.
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
