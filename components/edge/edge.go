package edge

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/edge/settings"
	"globalstack/components/regions"
)

// Origin is an HTTP(S) origin of the API.
type Origin struct {
	Domain pulumi.StringInput
	// HTTPS connects with TLS 1.2 on 443; false means HTTP on 80 (trial stacks without a
	// domain, whose load balancer has no certificate).
	HTTPS bool
}

// Args configures the edge.
type Args struct {
	// Region is the cell's region, where buckets and the key live.
	Region string
	// Prefix names buckets and global resources, e.g. the stack name.
	Prefix string
	// GlobalProvider is a us-east-1 AWS provider for WAF, CloudFront and ACM.
	GlobalProvider pulumi.ProviderResource
	APIOrigin      Origin
	Domain         string // optional
	ZoneID         pulumi.StringInput
	// Settings tune the edge; a zero field takes the settings.Prod preset, and a DROriginDomain
	// without FailoverPaths fails the catalog and search reads over.
	settings.Settings
	Tags map[string]string
}

// drOrigin is the DR region's API origin (nil without DROriginDomain), reached like APIOrigin.
func (a *Args) drOrigin() *Origin {
	if a.DROriginDomain == "" {
		return nil
	}
	return &Origin{Domain: pulumi.String(a.DROriginDomain), HTTPS: a.APIOrigin.HTTPS}
}

var bucketPrefix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$`)

func (a *Args) withDefaults() Args {
	d := *a
	validate.FillZero(&d.Settings, settings.Prod)
	if d.DROriginDomain != "" && len(d.FailoverPaths) == 0 {
		d.FailoverPaths = slices.Clone(settings.DefaultFailoverPaths)
	}
	return d
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	d := a.withDefaults()
	p := base.NewProblems("edge")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(bucketPrefix.MatchString(d.Prefix), "Prefix", "%q must be 3-32 lowercase letters, digits or hyphens (it names buckets)", d.Prefix)
	p.Require(d.GlobalProvider != nil, "GlobalProvider", "is required: WAF for CloudFront and CloudFront certificates exist only in %s", regions.Global)
	p.Require(d.APIOrigin.Domain != nil, "APIOrigin.Domain", "is required")
	p.Add(d.Settings.Validate(""))
	if d.Domain != "" {
		p.Require(d.ZoneID != nil, "ZoneID", "is required with Domain %q", d.Domain)
		p.Require(d.APIOrigin.HTTPS, "APIOrigin.HTTPS", "must be true when a domain is configured")
	}
	return p.Err()
}

// Edge is the component.
type Edge struct {
	pulumi.ResourceState

	DistributionID  pulumi.StringOutput
	DistributionArn pulumi.StringOutput
	DomainName      pulumi.StringOutput // dxxxx.cloudfront.net
	WebACLArn       pulumi.StringOutput
	AssetsBucket    pulumi.StringOutput
	// AssetsVersioning is the assets bucket's versioning, which replication must wait for.
	AssetsVersioning  pulumi.Resource
	LogBucket         pulumi.StringOutput
	WAFLogBucket      pulumi.StringOutput
	KeyArn            pulumi.StringOutput
	ViewerCertificate pulumi.StringOutput // empty without a domain
	HasOriginFailover bool
	URL               pulumi.StringOutput
}

// New creates the edge.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Edge, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := args.withDefaults()
	e := &Edge{HasOriginFailover: a.DROriginDomain != ""}
	if err := ctx.RegisterComponentResource("globalstack:edge:Edge", name, e, opts...); err != nil {
		return nil, err
	}
	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("edge: looking up the account: %w", err)
	}
	b := &builder{ctx: ctx, name: name, a: &a, e: e, account: who.AccountId}
	if err := b.build(); err != nil {
		return nil, err
	}
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{
		"distributionId": e.DistributionID,
		"domainName":     e.DomainName,
		"webAclArn":      e.WebACLArn,
		"assetsBucket":   e.AssetsBucket,
		"logBucket":      e.LogBucket,
		"wafLogBucket":   e.WAFLogBucket,
	})
}

type builder struct {
	ctx     *pulumi.Context
	name    string
	a       *Args
	e       *Edge
	account string
}

// local children live in the cell's region; global ones in us-east-1.
func (b *builder) local(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.e, extra...)
}

func (b *builder) global(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.ChildIn(b.e, b.a.GlobalProvider, extra...)
}

func (b *builder) tags(name string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", name)
}

func (b *builder) build() error {
	key, err := b.key()
	if err != nil {
		return err
	}

	logs, err := b.bucket("logs", fmt.Sprintf("%s-cdn-logs-%s", b.a.Prefix, b.account), key.Arn, true, true)
	if err != nil {
		return err
	}
	wafLogs, err := b.bucket("waf-logs", fmt.Sprintf("aws-waf-logs-%s-%s", b.a.Prefix, b.account), key.Arn, false, true)
	if err != nil {
		return err
	}
	assets, err := b.bucket("assets", fmt.Sprintf("%s-assets-%s", b.a.Prefix, b.account), key.Arn, false, false)
	if err != nil {
		return err
	}
	b.e.LogBucket, b.e.WAFLogBucket, b.e.AssetsBucket = logs.Bucket, wafLogs.Bucket, assets.Bucket

	acl, err := b.webACL(wafLogs.BucketV2)
	if err != nil {
		return err
	}
	dist, err := b.distribution(assets.BucketV2, logs, acl)
	if err != nil {
		return err
	}
	if err := b.assetsPolicy(assets.BucketV2, dist); err != nil {
		return err
	}
	if err := b.logsPolicies(logs.BucketV2, wafLogs.BucketV2); err != nil {
		return err
	}
	if err := b.keyPolicy(key, dist.Arn); err != nil {
		return err
	}
	return b.aliasRecords(dist)
}
