package origin

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/origin/settings"
	"globalstack/components/regions"
)

// Settings are the tunable settings of the origin (globalstack:origin), defined, preset and
// validated in package settings, which the stack configuration links without the AWS SDK.
type Settings = settings.Settings

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = settings.Prod
	Dev  = settings.Dev
)

// TLSPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 only, forward-secret
// ciphers (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// Args configures the origin.
type Args struct {
	Region string
	// Prefix names the load balancer, its target group, web ACL and log bucket (e.g. the
	// stack name); at most 20 characters, since a load balancer's name holds 32.
	Prefix          string
	VpcID           pulumi.StringInput
	VpcCIDR         string
	PublicSubnetIDs pulumi.StringArray
	// NodeSecurityGroupID is a group every node's network interfaces carry; with the VPC CNI
	// the pods' addresses sit on those interfaces, so the origin admits the load balancer on
	// TargetPort there.
	NodeSecurityGroupID pulumi.StringInput
	// TargetPort is the pods' port the target group forwards to; HealthCheckPath the path the
	// load balancer and the Route 53 health check probe (it must answer 200 only when the
	// region can serve).
	TargetPort      int
	HealthCheckPath string
	// RoutedPaths are the path patterns the listener forwards to the pods; anything else gets
	// a 404 from the load balancer itself (metrics and liveness stay inside the cluster).
	RoutedPaths []string
	// Domain (optional) gives the load balancer a certificate for <OriginHost>.<Domain>, in
	// ZoneID, an HTTPS listener and the origin record.
	Domain     string
	ZoneID     pulumi.StringInput
	OriginHost string // default "origin"
	// FailoverRole ("PRIMARY" or "SECONDARY", with Domain) adds this region to the Route 53
	// failover record "<FailoverHost>.<Domain>" behind a health check on HealthCheckPath.
	FailoverRole string
	FailoverHost string // default "api-origin"
	// LogKeyArn encrypts the regional WAF's CloudWatch log group.
	LogKeyArn pulumi.StringInput
	// Settings tune the origin; a zero RateLimit or LogRetentionDays takes the Prod preset.
	Settings
	Tags map[string]string
}

var (
	label  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	prefix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,18}[a-z0-9]$`)
)

func (a *Args) withDefaults() Args {
	d := *a
	if d.RateLimit == 0 {
		d.RateLimit = Prod.RateLimit
	}
	if d.LogRetentionDays == 0 {
		d.LogRetentionDays = Prod.LogRetentionDays
	}
	if d.OriginHost == "" {
		d.OriginHost = "origin"
	}
	if d.FailoverHost == "" {
		d.FailoverHost = "api-origin"
	}
	return d
}

// Validate reports every problem with the args (after defaults).
func (a *Args) Validate() error {
	d := a.withDefaults()
	p := base.NewProblems("origin")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(prefix.MatchString(d.Prefix), "Prefix", "%q must be 2-20 lowercase letters, digits or hyphens (it names the load balancer)", d.Prefix)
	p.Require(d.VpcID != nil, "VpcID", "is required")
	if c, err := netip.ParsePrefix(d.VpcCIDR); err != nil || c.Bits() == 0 {
		p.Addf("VpcCIDR", "%q is not a VPC range", d.VpcCIDR)
	}
	p.Require(len(d.PublicSubnetIDs) >= 2, "PublicSubnetIDs", "%d given: an Application Load Balancer needs subnets in at least 2 zones", len(d.PublicSubnetIDs))
	p.Require(d.NodeSecurityGroupID != nil, "NodeSecurityGroupID", "is required: the load balancer's group must be admitted to the pods")
	p.Require(d.TargetPort > 0 && d.TargetPort < 65536, "TargetPort", "%d is not a port", d.TargetPort)
	p.Require(len(d.HealthCheckPath) > 1 && d.HealthCheckPath[0] == '/', "HealthCheckPath", "%q is not an absolute path", d.HealthCheckPath)
	p.Require(len(d.RoutedPaths) > 0 && len(d.RoutedPaths) <= 5, "RoutedPaths", "%d given: a listener rule's path-pattern condition holds 1 to 5 values", len(d.RoutedPaths))
	p.Require(slices.Contains(d.RoutedPaths, d.HealthCheckPath), "RoutedPaths", "%v must include HealthCheckPath %q: the Route 53 health check probes it through the load balancer", d.RoutedPaths, d.HealthCheckPath)
	p.Require(d.LogKeyArn != nil, "LogKeyArn", "is required: the WAF's log group is encrypted with the cell's log key")
	p.Add(d.Settings.Validate(""))
	if d.Domain != "" {
		p.Require(d.ZoneID != nil, "ZoneID", "is required with Domain %q", d.Domain)
		p.Require(label.MatchString(d.OriginHost), "OriginHost", "%q is not a DNS label", d.OriginHost)
		p.Require(d.FailoverRole == "" || d.FailoverRole == "PRIMARY" || d.FailoverRole == "SECONDARY", "FailoverRole", "%q is not PRIMARY or SECONDARY", d.FailoverRole)
		p.Require(label.MatchString(d.FailoverHost), "FailoverHost", "%q is not a DNS label", d.FailoverHost)
	} else {
		p.Require(d.FailoverRole == "", "FailoverRole", "%q needs a Domain for the failover record", d.FailoverRole)
	}
	return p.Err()
}

// Origin is the component.
type Origin struct {
	pulumi.ResourceState

	LoadBalancerArn pulumi.StringOutput
	// DNSName and ZoneID are the load balancer's name and canonical hosted zone (aliases).
	DNSName pulumi.StringOutput
	ZoneID  pulumi.StringOutput
	// TargetGroupArn is where the storefront's TargetGroupBinding registers its pods.
	TargetGroupArn pulumi.StringOutput
	// SecurityGroupID is the load balancer's group that carries its traffic to the pods.
	SecurityGroupID pulumi.StringOutput
	// OriginDomain is what the edge connects to: origin.<Domain> (HTTPS) or the load
	// balancer's own name (HTTP, no domain).
	OriginDomain pulumi.StringOutput
	// FailoverDomain is the Route 53 failover name (with FailoverRole), else OriginDomain.
	FailoverDomain pulumi.StringOutput
	OriginHTTPS    bool
	WebACLArn      pulumi.StringOutput
	AccessLogs     pulumi.StringOutput // the access log bucket
	// LoadBalancer selects the load balancer in flow declarations (see base.Flow).
	LoadBalancer base.Endpoint
	// Flows are the network flows the origin needs (see base.Flow).
	Flows []base.Flow
}

// New creates the origin.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Origin, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := args.withDefaults()
	o := &Origin{OriginHTTPS: a.Domain != ""}
	if err := ctx.RegisterComponentResource("globalstack:origin:Origin", name, o, opts...); err != nil {
		return nil, err
	}
	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(o))
	if err != nil {
		return nil, fmt.Errorf("origin: looking up the account: %w", err)
	}
	b := &builder{ctx: ctx, name: name, a: &a, o: o, account: who.AccountId}
	if err := b.build(); err != nil {
		return nil, err
	}
	return o, ctx.RegisterResourceOutputs(o, pulumi.Map{
		base.FlowsOutput:  base.FlowsValue(o.Flows),
		"loadBalancerArn": o.LoadBalancerArn,
		"dnsName":         o.DNSName,
		"targetGroupArn":  o.TargetGroupArn,
		"originDomain":    o.OriginDomain,
		"failoverDomain":  o.FailoverDomain,
		"webAclArn":       o.WebACLArn,
		"accessLogBucket": o.AccessLogs,
	})
}

type builder struct {
	ctx     *pulumi.Context
	name    string
	a       *Args
	o       *Origin
	account string
	// prefix lists the load balancer admits, as looked up
	lists []base.Endpoint
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.o, extra...)
}

func (b *builder) tags(name string) pulumi.StringMap { return base.Tags(b.a.Tags, "Name", name) }

func (b *builder) build() error {
	groups, err := b.securityGroups()
	if err != nil {
		return err
	}
	logs, err := b.accessLogBucket()
	if err != nil {
		return err
	}
	lb, err := b.loadBalancer(groups, logs)
	if err != nil {
		return err
	}
	if err := b.listeners(lb); err != nil {
		return err
	}
	if err := b.records(lb); err != nil {
		return err
	}
	if err := b.webACL(lb); err != nil {
		return err
	}
	if err := b.shield(lb); err != nil {
		return err
	}
	b.declareFlows()
	return nil
}

// declareFlows lists who must reach the load balancer: CloudFront (and, with a failover
// record, the Route 53 health checkers), on the listener's port.
func (b *builder) declareFlows() {
	port := 80
	if b.a.Domain != "" {
		port = 443
	}
	for i, pl := range b.lists {
		why := "CloudFront (behind the WAF) is the only client of the ALB"
		if i > 0 {
			why = "Route 53 health checkers probe origin" + b.a.HealthCheckPath + " for the failover record"
		}
		b.o.Flows = append(b.o.Flows, base.Flow{From: pl, To: b.o.LoadBalancer, Port: port, Why: why})
	}
}
