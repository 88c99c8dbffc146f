package cluster

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// MetricsServerChart is the pinned metrics-server chart (3.13.1 ships metrics-server 0.8.1,
// documented for Kubernetes 1.31+). EKS does not run metrics-server by default and a
// HorizontalPodAutoscaler without the metrics.k8s.io API never scales
// (https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html).
const (
	MetricsServerChart = "3.13.1"
	metricsServerRepo  = "https://kubernetes-sigs.github.io/metrics-server/"
)

func (b *builder) metricsServer() error {
	release, err := helmv3.NewRelease(b.ctx, b.name+"-metrics-server", &helmv3.ReleaseArgs{
		Name:           pulumi.String("metrics-server"),
		Chart:          pulumi.String("metrics-server"),
		Version:        pulumi.String(MetricsServerChart),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(metricsServerRepo)},
		Namespace:      pulumi.String("kube-system"),
		Atomic:         pulumi.Bool(true),
		Values: pulumi.Map{
			// Two replicas and a disruption budget keep the metrics API up through node drains.
			"replicas":            pulumi.Int(2),
			"podDisruptionBudget": pulumi.Map{"enabled": pulumi.Bool(true), "minAvailable": pulumi.Int(1)},
		},
	}, base.ChildIn(b.c, b.c.Provider)...)
	if err != nil {
		return err
	}
	b.c.Ready = append(b.c.Ready, release)
	return nil
}
