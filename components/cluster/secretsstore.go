package cluster

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// The Secrets Store CSI driver and its AWS provider let pods read Secrets Manager values
// with their own IRSA role at mount time; syncing into Kubernetes Secrets lets workloads
// consume them as environment variables. Charts are pinned like the add-ons, at versions
// documented for DefaultVersion (policies/rules/lifecycle.json): driver chart 1.6.0 declares
// kubeVersion >=1.30, the AWS provider chart 3.1.1 >=1.17.
const (
	SecretsStoreCSIChart    = "1.6.0"
	SecretsStoreAWSChart    = "3.1.1"
	secretsStoreCSIRepo     = "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts"
	secretsStoreAWSRepo     = "https://aws.github.io/secrets-store-csi-driver-provider-aws"
	secretsStoreCSINS       = "kube-system"
	secretsStoreSyncEnabled = true
)

func (b *builder) secretsStore() error {
	driver, err := helmv3.NewRelease(b.ctx, b.name+"-secrets-store-csi", &helmv3.ReleaseArgs{
		Name:           pulumi.String("secrets-store-csi-driver"),
		Chart:          pulumi.String("secrets-store-csi-driver"),
		Version:        pulumi.String(SecretsStoreCSIChart),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(secretsStoreCSIRepo)},
		Namespace:      pulumi.String(secretsStoreCSINS),
		Atomic:         pulumi.Bool(true),
		Values: pulumi.Map{
			"syncSecret":           pulumi.Map{"enabled": pulumi.Bool(secretsStoreSyncEnabled)},
			"enableSecretRotation": pulumi.Bool(true),
			"rotationPollInterval": pulumi.String("2m"),
			// A driver installed apart from the AWS provider's chart must request the pod's
			// service-account tokens for the provider to assume the pod's IRSA role (provider
			// README, "Separate CSI Driver Installation").
			"tokenRequests": pulumi.Array{
				pulumi.Map{"audience": pulumi.String("sts.amazonaws.com")},
				pulumi.Map{"audience": pulumi.String("pods.eks.amazonaws.com")},
			},
		},
	}, base.ChildIn(b.c, b.c.Provider)...)
	if err != nil {
		return err
	}
	provider, err := helmv3.NewRelease(b.ctx, b.name+"-secrets-store-aws", &helmv3.ReleaseArgs{
		Name:           pulumi.String("secrets-store-csi-driver-provider-aws"),
		Chart:          pulumi.String("secrets-store-csi-driver-provider-aws"),
		Version:        pulumi.String(SecretsStoreAWSChart),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(secretsStoreAWSRepo)},
		Namespace:      pulumi.String(secretsStoreCSINS),
		Atomic:         pulumi.Bool(true),
		// The provider chart bundles the driver as a dependency; it is installed above, pinned.
		Values: pulumi.Map{"secrets-store-csi-driver": pulumi.Map{"install": pulumi.Bool(false)}},
	}, base.ChildIn(b.c, b.c.Provider, pulumi.DependsOn([]pulumi.Resource{driver}))...)
	if err != nil {
		return err
	}
	b.c.Ready = append(b.c.Ready, driver, provider)
	return nil
}
