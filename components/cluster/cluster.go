package cluster

import (
	"encoding/json"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/cluster/eksversion"
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

// NodeGroup sizes the managed node group.
type NodeGroup struct {
	InstanceTypes []string
	Min           int
	Desired       int
	Max           int
	DiskSizeGiB   int // root volume, default 50
}

// Args configures the cluster.
type Args struct {
	Region      string
	ClusterName string
	Version     string // defaults to DefaultVersion
	VpcID       pulumi.StringInput
	// SubnetIDs are the private (app) subnets for the control plane's ENIs and the nodes.
	SubnetIDs pulumi.StringArray
	// NodeSecurityGroupID is the application tier's group; nodes (and so pods) carry it.
	NodeSecurityGroupID pulumi.StringInput
	// SecretsKeyArn encrypts Kubernetes secrets (envelope encryption).
	SecretsKeyArn pulumi.StringInput
	// LogKeyArn encrypts the control-plane log group.
	LogKeyArn        pulumi.StringInput
	LogRetentionDays int // default 365
	// PublicAccessCIDRs enables the public endpoint for these ranges only; empty keeps the
	// endpoint private.
	PublicAccessCIDRs []string
	// AdminRoleArns get cluster-admin through access entries.
	AdminRoleArns []string
	Nodes         NodeGroup
	// PilotLight scales the node group to zero and defers Deployment-based add-ons (the DR
	// copy of a cell before failover).
	PilotLight bool
	// AddonVersions overrides PinnedAddons entries (required for every add-on when Version
	// has no pinned set).
	AddonVersions map[string]string
	// LoadBalancerControllerChart defaults to LoadBalancerControllerChart.
	LoadBalancerControllerChart string
	Tags                        map[string]string
}

var clusterName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)

var principalArn = regexp.MustCompile(`^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)

// addons returns the add-on versions in effect.
func (a *Args) addons() map[string]string {
	out := map[string]string{}
	for k, v := range PinnedAddons[a.version()] {
		out[k] = v
	}
	for k, v := range a.AddonVersions {
		out[k] = v
	}
	return out
}

func (a *Args) version() string {
	if a.Version == "" {
		return DefaultVersion
	}
	return a.Version
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	p := base.NewProblems("cluster")
	p.Require(regions.Known(a.Region), "Region", "%q is not an AWS region", a.Region)
	p.Require(clusterName.MatchString(a.ClusterName), "ClusterName", "%q is not a valid EKS cluster name (letters, digits, - and _, at most 100)", a.ClusterName)
	addons := a.addons()
	for _, name := range []string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"} {
		v := addons[name]
		p.Require(v != "", "AddonVersions", "no %s version pinned for Kubernetes %s: set AddonVersions[%q]", name, a.version(), name)
		p.Require(v == "" || strings.HasPrefix(v, "v"), "AddonVersions", "%s version %q must look like v1.2.3-eksbuild.1", name, v)
	}
	for name := range a.AddonVersions {
		p.Require(slices.Contains([]string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"}, name), "AddonVersions", "unknown add-on %q", name)
	}
	p.Require(a.VpcID != nil, "VpcID", "is required")
	p.Require(len(a.SubnetIDs) >= 2, "SubnetIDs", "%d subnets given: EKS needs at least 2, in different zones", len(a.SubnetIDs))
	p.Require(a.NodeSecurityGroupID != nil, "NodeSecurityGroupID", "is required")
	p.Require(a.SecretsKeyArn != nil, "SecretsKeyArn", "is required: Kubernetes secrets are always envelope-encrypted")
	p.Require(a.LogKeyArn != nil, "LogKeyArn", "is required: control-plane logs are always encrypted")
	p.Require(a.LogRetentionDays >= 0, "LogRetentionDays", "must not be negative")
	for _, c := range a.PublicAccessCIDRs {
		pfx, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			p.Addf("PublicAccessCIDRs", "%q is not a CIDR block", c)
		case pfx.Bits() == 0:
			p.Addf("PublicAccessCIDRs", "%q opens the API endpoint to the whole internet", c)
		case pfx.Masked() != pfx:
			p.Addf("PublicAccessCIDRs", "%q has host bits set", c)
		}
	}
	for _, r := range a.AdminRoleArns {
		p.Require(principalArn.MatchString(r), "AdminRoleArns", "%q is not an IAM role or user ARN", r)
	}
	n := a.Nodes
	p.Require(len(n.InstanceTypes) > 0, "Nodes.InstanceTypes", "at least one instance type is required")
	p.Require(n.Max >= 1, "Nodes.Max", "is %d: must be at least 1 (a pilot light still needs room to scale up)", n.Max)
	p.Require(n.Min >= 0 && n.Min <= n.Desired && n.Desired <= n.Max, "Nodes", "need 0 <= min (%d) <= desired (%d) <= max (%d)", n.Min, n.Desired, n.Max)
	p.Require(n.DiskSizeGiB == 0 || n.DiskSizeGiB >= 20, "Nodes.DiskSizeGiB", "is %d: at least 20 GiB", n.DiskSizeGiB)
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
	a := *args
	a.Version = a.version()
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 365
	}
	if a.Nodes.DiskSizeGiB == 0 {
		a.Nodes.DiskSizeGiB = 50
	}
	if a.LoadBalancerControllerChart == "" {
		a.LoadBalancerControllerChart = LoadBalancerControllerChart
	}
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
	return b.charts()
}
