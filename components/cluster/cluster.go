package cluster

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

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
	return b.charts()
}
