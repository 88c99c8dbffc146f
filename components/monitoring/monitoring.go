package monitoring

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/monitoring/settings"
	"globalstack/components/regions"
)

// Type is the component's type token.
const Type = "globalstack:monitoring:Monitoring"

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{2,31}$`)

// Args configures a stack's monitoring. Each watched tier is optional: a stack passes what it
// runs (a pilot-light DR stack has a database and a node-less cluster, no cache or edge).
type Args struct {
	// Prefix names the topic, key, rules and alarms ("<prefix>-<alarm>").
	Prefix string
	Region string
	// Settings: a zero field takes the settings.Prod preset.
	settings.Settings

	Database *Database
	Cache    *Cache
	Search   *Search
	Edge     *Edge
	// LoadBalancer is the storefront's ALB (components/origin); nil when the stack serves no
	// traffic (a pilot light).
	LoadBalancer *LoadBalancer
	Cluster      *Cluster
	// Prometheus is the managed Prometheus of a stack that serves (nil in a pilot light).
	Prometheus *Prometheus

	Tags map[string]string
}

// Database is the Aurora cluster of the stack's region.
type Database struct {
	ClusterIdentifier pulumi.StringInput
	// Serving says the cluster has instances (a cell, or a DR stack at failover): its CPU,
	// memory, connections and replica lag have data.
	Serving bool
	// GlobalSecondary says the cluster is a secondary of an Aurora global database: it
	// reports AuroraGlobalDBReplicationLag (a metric only secondary regions publish).
	GlobalSecondary bool
}

// Cache is the ElastiCache replication group (cluster mode disabled).
type Cache struct {
	ReplicationGroupID pulumi.StringInput
	// Nodes is the group's node count: one alarm per node and metric.
	Nodes int
}

// Search is the OpenSearch domain.
type Search struct {
	DomainName pulumi.StringInput
	// VolumeSizeGiB is a data node's EBS volume: the free storage alarm is a share of it.
	VolumeSizeGiB int
}

// Edge is the cell's CloudFront distribution and its web ACL, whose metrics are in us-east-1.
type Edge struct {
	// GlobalProvider is the us-east-1 provider the alarms on CloudFront and WAF metrics use.
	GlobalProvider pulumi.ProviderResource
	DistributionID pulumi.StringInput
	// WebACLMetricName is the web ACL's visibilityConfig.metricName: WAF's WebACL dimension.
	WebACLMetricName pulumi.StringInput
}

// LoadBalancer names the ALB and target group by their ARN suffixes ("app/<name>/<id>",
// "targetgroup/<name>/<id>"), the LoadBalancer and TargetGroup dimensions.
type LoadBalancer struct {
	ArnSuffix            pulumi.StringInput
	TargetGroupArnSuffix pulumi.StringInput
}

// Cluster is the EKS cluster the storefront runs on.
type Cluster struct {
	Name pulumi.StringInput
	// Nodes says the cluster has nodes (not a pilot light): node and pod metrics have data.
	Nodes bool
	// StorefrontNamespace is where the storefront's pods run (pod restarts alarm); required
	// with Nodes.
	StorefrontNamespace string
}

func (a *Args) withDefaults() {
	emails := a.AlertEmails
	validate.FillZero(&a.Settings, settings.Prod)
	a.AlertEmails = emails
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	d := *a
	d.withDefaults()
	p := base.NewProblems("monitoring")
	p.Require(prefixRE.MatchString(d.Prefix), "Prefix", "%q must be 3-32 lowercase letters, digits and hyphens, starting with a letter", d.Prefix)
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Add(d.Settings.Validate(""))
	if d.Database != nil {
		p.Require(d.Database.ClusterIdentifier != nil, "Database.ClusterIdentifier", "is required")
	}
	if d.Cache != nil {
		p.Require(d.Cache.ReplicationGroupID != nil, "Cache.ReplicationGroupID", "is required")
		p.Require(d.Cache.Nodes >= 1, "Cache.Nodes", "is %d: at least one node", d.Cache.Nodes)
	}
	if d.Search != nil {
		p.Require(d.Search.DomainName != nil, "Search.DomainName", "is required")
		p.Require(d.Search.VolumeSizeGiB > 0, "Search.VolumeSizeGiB", "is %d: must be positive", d.Search.VolumeSizeGiB)
	}
	if d.Edge != nil {
		p.Require(d.Edge.GlobalProvider != nil, "Edge.GlobalProvider", "is required: CloudFront and WAF publish their metrics in us-east-1")
		p.Require(d.Edge.DistributionID != nil && d.Edge.WebACLMetricName != nil, "Edge", "needs DistributionID and WebACLMetricName")
	}
	if d.LoadBalancer != nil {
		p.Require(d.LoadBalancer.ArnSuffix != nil && d.LoadBalancer.TargetGroupArnSuffix != nil, "LoadBalancer", "needs ArnSuffix and TargetGroupArnSuffix")
	}
	if d.Cluster != nil {
		p.Require(d.Cluster.Name != nil, "Cluster.Name", "is required")
		p.Require(!d.Cluster.Nodes || d.Cluster.StorefrontNamespace != "", "Cluster.StorefrontNamespace", "is required when the cluster has nodes")
	}
	if pr := d.Prometheus; pr != nil {
		p.Require(pr.KeyArn != nil, "Prometheus.KeyArn", "is required: the workspace is encrypted with the stack's key")
		p.Require(pr.ClusterArn != nil && pr.ClusterName != nil, "Prometheus", "needs ClusterArn and ClusterName")
		p.Require(pr.SubnetIDs != nil && pr.SecurityGroupIDs != nil, "Prometheus", "needs the cluster's SubnetIDs and SecurityGroupIDs")
		p.Require(pr.Kubernetes != nil, "Prometheus.Kubernetes", "is required: the scraper's ClusterRole goes into the cluster")
		p.Require(pr.Namespace != "", "Prometheus.Namespace", "is required: the storefront's namespace")
	}
	return p.Err()
}

// Monitoring is the component.
type Monitoring struct {
	pulumi.ResourceState

	// TopicArn is the alert topic every alarm, finding rule and Prometheus alert publishes to.
	TopicArn pulumi.StringOutput
	KeyArn   pulumi.StringOutput
	// Alarms are the keys of the alarms created ("aurora-cpu", "cache-evictions-001", ...).
	Alarms        []string
	DashboardName pulumi.StringOutput
	// WorkspaceArn is the managed Prometheus workspace ("" without Prometheus).
	WorkspaceArn pulumi.StringOutput
}

// New creates the stack's monitoring. Nothing is registered when the args are invalid.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	a.withDefaults()
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource(Type, name, m, opts...); err != nil {
		return nil, err
	}
	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(m))
	if err != nil {
		return nil, fmt.Errorf("monitoring: looking up the account: %w", err)
	}
	b := &builder{ctx: ctx, name: name, a: &a, m: m, account: who.AccountId}
	if err := b.build(); err != nil {
		return nil, err
	}
	if m.WorkspaceArn == (pulumi.StringOutput{}) {
		m.WorkspaceArn = pulumi.String("").ToStringOutput()
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{
		"workspaceArn":  m.WorkspaceArn,
		"topicArn":      m.TopicArn,
		"keyArn":        m.KeyArn,
		"alarms":        pulumi.ToStringArray(m.Alarms),
		"dashboardName": m.DashboardName,
	})
}

type builder struct {
	ctx     *pulumi.Context
	name    string
	a       *Args
	m       *Monitoring
	account string
	// widgets are the dashboard's metric graphs, collected as the alarms are made.
	widgets []widget
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.m, extra...)
}

func (b *builder) tags(resource string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", b.a.Prefix+"-"+resource, "tier", "monitoring")
}

func (b *builder) build() error {
	if err := b.alertTopic(); err != nil {
		return err
	}
	if err := b.findingRules(); err != nil {
		return err
	}
	if err := b.budget(); err != nil {
		return err
	}
	if err := b.alarms(); err != nil {
		return err
	}
	if err := b.forwardEdgeAlarms(); err != nil {
		return err
	}
	if err := b.prometheus(); err != nil {
		return err
	}
	return b.dashboard()
}
