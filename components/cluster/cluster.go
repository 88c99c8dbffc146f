package cluster

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/cluster/eksversion"
	"globalstack/components/cluster/settings"
	"globalstack/components/regions"
)

// DefaultVersion is the Kubernetes version clusters run unless told otherwise (see
// eksversion.Default).
const DefaultVersion = eksversion.Default

// PinnedAddons lists, per Kubernetes version, the EKS add-on versions a cluster installs (see
// eksversion.PinnedAddons).
var PinnedAddons = eksversion.PinnedAddons

// SupportedVersions are the Kubernetes versions with a pinned add-on set, sorted.
func SupportedVersions() []string { return eksversion.Supported() }

// LogTypes are the control-plane log types; all are always on.
var LogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// Args configures the cluster.
type Args struct {
	Region      string
	ClusterName string
	// Settings are the cluster's stack settings (globalstack:cluster): version, node group,
	// log retention, public access and administrators. A zero Version, LogRetentionDays or
	// DiskSizeGiB takes the settings.Prod preset's; node counts and instance types have no
	// default.
	settings.Settings
	VpcID pulumi.StringInput
	// SubnetIDs are the private (app) subnets for the control plane's ENIs and the nodes.
	SubnetIDs pulumi.StringArray
	// NodeSecurityGroupID is the application tier's group; nodes (and so pods) carry it.
	NodeSecurityGroupID pulumi.StringInput
	// SecretsKeyArn encrypts Kubernetes secrets (envelope encryption).
	SecretsKeyArn pulumi.StringInput
	// LogKeyArn encrypts the control-plane log group.
	LogKeyArn pulumi.StringInput
	// PilotLight scales the node group to zero (NodeMin and NodeDesired 0, NodeMax kept) and
	// defers Deployment-based add-ons (the DR copy of a cell before failover).
	PilotLight bool
	// AddonVersions overrides entries of Version's PinnedAddons.
	AddonVersions map[string]string
	// LoadBalancerControllerChart defaults to LoadBalancerControllerChart.
	LoadBalancerControllerChart string
	Tags                        map[string]string
}

var clusterName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)

// addons returns the add-on versions in effect.
func (a *Args) addons() map[string]string {
	out := map[string]string{}
	for k, v := range PinnedAddons[a.Version] {
		out[k] = v
	}
	for k, v := range a.AddonVersions {
		out[k] = v
	}
	return out
}

// withDefaults returns the args with the defaults of the zero settings that have one (see
// Args.Settings) and of the chart.
func (a *Args) withDefaults() Args {
	d := *a
	if d.Version == "" {
		d.Version = settings.Prod.Version
	}
	if d.LogRetentionDays == 0 {
		d.LogRetentionDays = settings.Prod.LogRetentionDays
	}
	if d.DiskSizeGiB == 0 {
		d.DiskSizeGiB = settings.Prod.DiskSizeGiB
	}
	if d.LoadBalancerControllerChart == "" {
		d.LoadBalancerControllerChart = LoadBalancerControllerChart
	}
	return d
}

// Validate reports every problem with the args (after defaults); the settings' problems name
// their stack keys (e.g. nodeMax).
func (a *Args) Validate() error {
	d := a.withDefaults()
	p := base.NewProblems("cluster")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(clusterName.MatchString(d.ClusterName), "ClusterName", "%q is not a valid EKS cluster name (letters, digits, - and _, at most 100)", d.ClusterName)
	p.Add(d.Settings.Validate(""))
	addons := d.addons()
	for _, name := range []string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"} {
		v := addons[name]
		p.Require(v != "", "AddonVersions", "no %s version pinned for Kubernetes %s: set AddonVersions[%q]", name, d.Version, name)
		p.Require(v == "" || strings.HasPrefix(v, "v"), "AddonVersions", "%s version %q must look like v1.2.3-eksbuild.1", name, v)
	}
	for name := range d.AddonVersions {
		p.Require(slices.Contains([]string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"}, name), "AddonVersions", "unknown add-on %q", name)
	}
	p.Require(d.VpcID != nil, "VpcID", "is required")
	p.Require(len(d.SubnetIDs) >= 2, "SubnetIDs", "%d subnets given: EKS needs at least 2, in different zones", len(d.SubnetIDs))
	p.Require(d.NodeSecurityGroupID != nil, "NodeSecurityGroupID", "is required")
	p.Require(d.SecretsKeyArn != nil, "SecretsKeyArn", "is required: Kubernetes secrets are always envelope-encrypted")
	p.Require(d.LogKeyArn != nil, "LogKeyArn", "is required: control-plane logs are always encrypted")
	return p.Err()
}

// Cluster is the component.
type Cluster struct {
	pulumi.ResourceState

	Name                 pulumi.StringOutput
	Arn                  pulumi.StringOutput
	Endpoint             pulumi.StringOutput
	CertificateAuthority pulumi.StringOutput // base64 PEM
	// OIDCIssuerURL is the issuer ("https://oidc.eks...."); OIDCProviderArn the IAM provider.
	OIDCIssuerURL          pulumi.StringOutput
	OIDCProviderArn        pulumi.StringOutput
	ClusterSecurityGroupID pulumi.StringOutput
	NodeRoleArn            pulumi.StringOutput
	NodeGroupName          pulumi.StringOutput
	// Kubeconfig authenticates with `aws eks get-token`; it holds no credentials.
	Kubeconfig pulumi.StringOutput
	// Provider deploys to this cluster.
	Provider                      *kubernetes.Provider
	LoadBalancerControllerRoleArn pulumi.StringOutput
	// Ready lists what workloads need running first (the Secrets Store CSI driver with its
	// CRDs, metrics-server behind the autoscaler's metrics API and the load balancer controller
	// with its webhook); empty in pilot light.
	Ready []pulumi.Resource
	// PilotLight echoes Args.PilotLight.
	PilotLight bool
	// Flows are the network flows the nodes need (see base.Flow).
	Flows []base.Flow
}

// TrustPolicy is the assume-role policy of an IRSA role: only the named service account of
// the named namespace, through the cluster's OIDC provider, for STS.
func TrustPolicy(oidcProviderArn, issuerURL pulumi.StringInput, namespace, serviceAccount string) pulumi.StringOutput {
	return pulumi.All(oidcProviderArn, issuerURL).ApplyT(func(v []any) (string, error) {
		host := strings.TrimPrefix(v[1].(string), "https://")
		doc := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Federated": v[0].(string)},
				"Action":    "sts:AssumeRoleWithWebIdentity",
				"Condition": map[string]any{"StringEquals": map[string]any{
					host + ":sub": "system:serviceaccount:" + namespace + ":" + serviceAccount,
					host + ":aud": "sts.amazonaws.com",
				}},
			}},
		}
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

// TrustPolicy is the package-level TrustPolicy for this cluster.
func (c *Cluster) TrustPolicy(namespace, serviceAccount string) pulumi.StringOutput {
	return TrustPolicy(c.OIDCProviderArn, c.OIDCIssuerURL, namespace, serviceAccount)
}

// New creates the cluster.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := args.withDefaults()
	c := &Cluster{PilotLight: a.PilotLight}
	if err := ctx.RegisterComponentResource("globalstack:cluster:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: &a, c: c, addons: a.addons()}
	if err := b.build(); err != nil {
		return nil, err
	}
	nodes := base.ClusterNodes(a.ClusterName)
	for _, svc := range []string{"ecr.api", "ecr.dkr", "s3"} {
		c.Flows = append(c.Flows, base.Flow{From: nodes, To: base.VpcEndpoint(svc), Port: 443,
			Why: "the kubelet pulls images from ECR (" + svc + ") through the VPC endpoints"})
	}
	c.Flows = append(c.Flows, base.Flow{From: nodes, To: base.VpcEndpoint("sts"), Port: 443,
		Why: "add-ons with IRSA roles (VPC CNI, EBS CSI, the load balancer controller) exchange their tokens at STS"})
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		base.FlowsOutput:  base.FlowsValue(c.Flows),
		"clusterName":     c.Name,
		"endpoint":        c.Endpoint,
		"oidcProviderArn": c.OIDCProviderArn,
		"nodeRoleArn":     c.NodeRoleArn,
		"kubeconfig":      c.Kubeconfig,
	})
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	c      *Cluster
	addons map[string]string
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.c, extra...)
}

func (b *builder) tags(kv ...string) pulumi.StringMap {
	return base.Tags(b.args.Tags, append([]string{"Name", b.args.ClusterName}, kv...)...)
}

func (b *builder) build() error {
	cl, err := b.controlPlane()
	if err != nil {
		return err
	}
	if err := b.oidc(cl); err != nil {
		return err
	}
	if err := b.accessEntries(); err != nil {
		return err
	}
	early, err := b.daemonAddons()
	if err != nil {
		return err
	}
	ng, err := b.nodeGroup(early)
	if err != nil {
		return err
	}
	b.kubeconfig(cl)
	deps := append([]pulumi.Resource{ng}, early...)
	if !b.args.PilotLight {
		late, err := b.deploymentAddons(ng)
		if err != nil {
			return err
		}
		deps = append(deps, late...)
	}
	prov, err := kubernetes.NewProvider(b.ctx, b.name, &kubernetes.ProviderArgs{
		Kubeconfig:                  b.c.Kubeconfig,
		EnableServerSideApply:       pulumi.Bool(true),
		DeleteUnreachable:           pulumi.Bool(false),
		SuppressDeprecationWarnings: pulumi.Bool(true),
	}, b.opts(pulumi.DependsOn(deps))...)
	if err != nil {
		return err
	}
	b.c.Provider = prov
	if b.args.PilotLight {
		return nil
	}
	if err := b.secretsStore(); err != nil {
		return err
	}
	if err := b.metricsServer(); err != nil {
		return err
	}
	return b.loadBalancerController()
}

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

// serviceAccountRole creates an IRSA role that only namespace/sa can assume.
func (b *builder) serviceAccountRole(suffix, namespace, sa, description string) (*iam.Role, error) {
	return iam.NewRole(b.ctx, b.name+"-"+suffix, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: b.c.TrustPolicy(namespace, sa),
		Tags:             b.tags(),
	}, b.opts()...)
}

func (b *builder) managedPolicy(role *iam.Role, suffix, policy string) error {
	_, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-"+suffix, &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + policy),
	}, b.opts()...)
	return err
}

func (b *builder) addon(name string, extra *eks.AddonArgs, deps ...pulumi.Resource) (*eks.Addon, error) {
	args := eks.AddonArgs{}
	if extra != nil {
		args = *extra
	}
	args.ClusterName = b.c.Name
	args.AddonName = pulumi.String(name)
	args.AddonVersion = pulumi.String(b.addons[name])
	args.ResolveConflictsOnCreate = pulumi.String("OVERWRITE")
	args.ResolveConflictsOnUpdate = pulumi.String("PRESERVE")
	args.Tags = b.tags()
	return eks.NewAddon(b.ctx, b.name+"-"+name, &args, b.opts(pulumi.DependsOn(deps))...)
}

// daemonAddons are the add-ons nodes need to become Ready; they run as DaemonSets, so they
// are healthy even with zero nodes.
func (b *builder) daemonAddons() ([]pulumi.Resource, error) {
	cniRole, err := b.serviceAccountRole("vpc-cni", "kube-system", "aws-node", "VPC CNI of "+b.args.ClusterName)
	if err != nil {
		return nil, err
	}
	if err := b.managedPolicy(cniRole, "vpc-cni", "AmazonEKS_CNI_Policy"); err != nil {
		return nil, err
	}
	// NetworkPolicy objects bind only when the VPC CNI runs its network policy agent, turned on
	// by this add-on setting (a string, per the add-on's configuration schema; "Limit Pod
	// traffic with Kubernetes network policies",
	// https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
	// K8S-004 fails a plan whose NetworkPolicies have no such engine.
	cni, err := b.addon("vpc-cni", &eks.AddonArgs{
		ServiceAccountRoleArn: cniRole.Arn,
		ConfigurationValues:   pulumi.String(`{"enableNetworkPolicy":"true"}`),
	})
	if err != nil {
		return nil, err
	}
	proxy, err := b.addon("kube-proxy", nil)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{cni, proxy}, nil
}

// deploymentAddons need running nodes.
func (b *builder) deploymentAddons(ng pulumi.Resource) ([]pulumi.Resource, error) {
	dns, err := b.addon("coredns", nil, ng)
	if err != nil {
		return nil, err
	}
	ebsRole, err := b.serviceAccountRole("ebs-csi", "kube-system", "ebs-csi-controller-sa", "EBS CSI driver of "+b.args.ClusterName)
	if err != nil {
		return nil, err
	}
	if err := b.managedPolicy(ebsRole, "ebs-csi", "service-role/AmazonEBSCSIDriverPolicy"); err != nil {
		return nil, err
	}
	ebs, err := b.addon("aws-ebs-csi-driver", &eks.AddonArgs{ServiceAccountRoleArn: ebsRole.Arn}, ng)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{dns, ebs}, nil
}

func (b *builder) nodeGroup(deps []pulumi.Resource) (*eks.NodeGroup, error) {
	ctx, name, a := b.ctx, b.name, b.args
	role, err := iam.NewRole(ctx, name+"-nodes", &iam.RoleArgs{
		Description: pulumi.Sprintf("Worker nodes of %s", a.ClusterName),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("ec2.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
		}),
		Tags: b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	var attachments []pulumi.Resource
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"} {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-nodes-"+p, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + p),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		attachments = append(attachments, att)
	}
	b.c.NodeRoleArn = role.Arn
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-nodes", &ec2.LaunchTemplateArgs{
		Description: pulumi.Sprintf("Nodes of %s: IMDSv2 only, encrypted root volume", a.ClusterName),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		// Listing groups here replaces the ones EKS would attach, so the cluster group
		// (control plane <-> nodes) is named explicitly next to the application tier's.
		VpcSecurityGroupIds: pulumi.StringArray{b.c.ClusterSecurityGroupID, a.NodeSecurityGroupID},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(a.DiskSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{ec2.LaunchTemplateTagSpecificationArgs{
			ResourceType: pulumi.String("instance"),
			Tags:         b.tags("Name", a.ClusterName+"-node"),
		}},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	minSize, desired := a.NodeMin, a.NodeDesired
	if a.PilotLight {
		minSize, desired = 0, 0
	}
	ng, err := eks.NewNodeGroup(ctx, name, &eks.NodeGroupArgs{
		ClusterName:   b.c.Name,
		NodeRoleArn:   role.Arn,
		SubnetIds:     a.SubnetIDs,
		AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
		CapacityType:  pulumi.String("ON_DEMAND"),
		InstanceTypes: pulumi.ToStringArray(a.InstanceTypes),
		ScalingConfig: &eks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(minSize),
			DesiredSize: pulumi.Int(desired),
			MaxSize:     pulumi.Int(a.NodeMax),
		},
		UpdateConfig: &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		LaunchTemplate: &eks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: pulumi.Sprintf("%d", lt.LatestVersion),
		},
		Labels: pulumi.StringMap{"globalstack/tier": pulumi.String("app")},
		Tags:   b.tags(),
	}, b.opts(pulumi.DependsOn(append(attachments, deps...)))...)
	if err != nil {
		return nil, err
	}
	b.c.NodeGroupName = ng.NodeGroupName
	return ng, nil
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
