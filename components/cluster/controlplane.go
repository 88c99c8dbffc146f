package cluster

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// controlPlane creates the cluster role, the log group and the cluster.
func (b *builder) controlPlane() (*eks.Cluster, error) {
	ctx, name, a := b.ctx, b.name, b.args
	role, err := iam.NewRole(ctx, name+"-cluster", &iam.RoleArgs{
		Description: pulumi.Sprintf("EKS control plane of %s", a.ClusterName),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("eks.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole", "sts:TagSession"},
		}),
		Tags: b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-cluster", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"),
	}, b.opts()...); err != nil {
		return nil, err
	}
	// The key policy delegates to IAM; this grants the control plane the envelope-encryption
	// calls on this one key.
	kmsUse, err := iam.NewRolePolicy(ctx, name+"-cluster-kms", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: base.PolicyDocument(base.Statement{
			Actions:   []string{"kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"},
			Resources: pulumi.StringArray{a.SecretsKeyArn},
		}),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		// EKS writes to exactly this name; creating it first sets retention and encryption.
		Name:            pulumi.Sprintf("/aws/eks/%s/cluster", a.ClusterName),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.LogKeyArn,
		Tags:            b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	vpc := eks.ClusterVpcConfigArgs{
		SubnetIds:             a.SubnetIDs,
		EndpointPrivateAccess: pulumi.Bool(true),
		EndpointPublicAccess:  pulumi.Bool(len(a.PublicAccessCIDRs) > 0),
	}
	if len(a.PublicAccessCIDRs) > 0 {
		vpc.PublicAccessCidrs = pulumi.ToStringArray(a.PublicAccessCIDRs)
	}
	cl, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:    pulumi.String(a.ClusterName),
		Version: pulumi.String(a.Version),
		RoleArn: role.Arn,
		AccessConfig: &eks.ClusterAccessConfigArgs{
			AuthenticationMode: pulumi.String("API"),
			// The deploying identity needs cluster access to install the workloads in the
			// same run; everyone else comes through AdminRoleArns.
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true),
		},
		// Add-ons are created explicitly below, pinned, instead of EKS's unmanaged defaults.
		BootstrapSelfManagedAddons: pulumi.Bool(false),
		VpcConfig:                  vpc,
		EncryptionConfig: &eks.ClusterEncryptionConfigArgs{
			Provider:  &eks.ClusterEncryptionConfigProviderArgs{KeyArn: a.SecretsKeyArn},
			Resources: pulumi.StringArray{pulumi.String("secrets")},
		},
		EnabledClusterLogTypes: pulumi.ToStringArray(LogTypes),
		// STANDARD: at the end of standard support EKS upgrades the control plane instead of
		// billing extended support (docs: view-upgrade-policy); LIFE-001 warns 120 days ahead.
		UpgradePolicy: &eks.ClusterUpgradePolicyArgs{SupportType: pulumi.String("STANDARD")},
		Tags:          b.tags(),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{logs, kmsUse}))...)
	if err != nil {
		return nil, err
	}
	b.c.Name = cl.Name
	b.c.Arn = cl.Arn
	b.c.Endpoint = cl.Endpoint
	b.c.CertificateAuthority = cl.CertificateAuthority.Data().Elem()
	b.c.ClusterSecurityGroupID = cl.VpcConfig.ClusterSecurityGroupId().Elem()
	b.c.OIDCIssuerURL = cl.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	return cl, nil
}

// oidcThumbprint is the SHA-1 of the root CA behind every EKS OIDC issuer. IAM verifies EKS
// issuers against its own trust store, but the API still requires a value.
const oidcThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

func (b *builder) oidc(cl *eks.Cluster) error {
	p, err := iam.NewOpenIdConnectProvider(b.ctx, b.name, &iam.OpenIdConnectProviderArgs{
		Url:             b.c.OIDCIssuerURL,
		ClientIdLists:   pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		ThumbprintLists: pulumi.StringArray{pulumi.String(oidcThumbprint)},
		Tags:            b.tags(),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.c.OIDCProviderArn = p.Arn
	return nil
}

func (b *builder) accessEntries() error {
	admins := slices.Clone(b.args.AdminRoleArns)
	sort.Strings(admins)
	for i, arn := range admins {
		n := fmt.Sprintf("%s-admin-%d", b.name, i)
		entry, err := eks.NewAccessEntry(b.ctx, n, &eks.AccessEntryArgs{
			ClusterName:  b.c.Name,
			PrincipalArn: pulumi.String(arn),
			Type:         pulumi.String("STANDARD"),
			Tags:         b.tags(),
		}, b.opts()...)
		if err != nil {
			return err
		}
		if _, err := eks.NewAccessPolicyAssociation(b.ctx, n, &eks.AccessPolicyAssociationArgs{
			ClusterName:  b.c.Name,
			PrincipalArn: entry.PrincipalArn,
			PolicyArn:    pulumi.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
			AccessScope:  &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
		}, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}

// kubeconfig renders a kubeconfig whose user runs `aws eks get-token`, so no credential is
// ever stored in state.
func (b *builder) kubeconfig(cl *eks.Cluster) {
	region := b.args.Region
	b.c.Kubeconfig = pulumi.All(cl.Name, cl.Endpoint, b.c.CertificateAuthority).ApplyT(func(v []any) (string, error) {
		name, endpoint, ca := v[0].(string), v[1].(string), v[2].(string)
		cfg := map[string]any{
			"apiVersion":      "v1",
			"kind":            "Config",
			"current-context": name,
			"clusters": []any{map[string]any{
				"name":    name,
				"cluster": map[string]any{"server": endpoint, "certificate-authority-data": ca},
			}},
			"contexts": []any{map[string]any{
				"name":    name,
				"context": map[string]any{"cluster": name, "user": name},
			}},
			"users": []any{map[string]any{
				"name": name,
				"user": map[string]any{"exec": map[string]any{
					"apiVersion": "client.authentication.k8s.io/v1beta1",
					"command":    "aws",
					"args":       []string{"eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"},
				}},
			}},
		}
		out, err := json.Marshal(cfg)
		return string(out), err
	}).(pulumi.StringOutput)
}
