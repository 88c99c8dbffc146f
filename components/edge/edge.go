package edge

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/edge/settings"
	"globalstack/components/regions"
)

// ManagedRuleGroups are the AWS managed rule groups of the web ACL, in evaluation order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// RootObject is what a request for "/" returns: the shop's entry page, uploaded with the other
// static assets under static/ (README, deploy step 7). CloudFront takes a path to an object in
// a folder here, not only a file name:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html
// A bare "index.html" would ask the bucket for a key nothing uploads, which S3 answers with
// 403 AccessDenied to CloudFront (it may not list the bucket).
const RootObject = "static/index.html"

const (
	cloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
	minimumViewerTLS       = "TLSv1.2_2021"
	oneYear                = 31536000
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
		d.FailoverPaths = []string{"/api/products*", "/api/search*"}
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
	key, err := kms.NewKey(b.ctx, b.name, &kms.KeyArgs{
		Description:          pulumi.Sprintf("%s edge: assets and CloudFront/WAF logs (%s)", b.a.Prefix, b.a.Region),
		EnableKeyRotation:    pulumi.Bool(true),
		RotationPeriodInDays: pulumi.Int(365),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 b.tags(b.a.Prefix + "-edge"),
	}, b.local()...)
	if err != nil {
		return err
	}
	b.e.KeyArn = key.Arn

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
	if _, err := kms.NewKeyPolicy(b.ctx, b.name, &kms.KeyPolicyArgs{
		KeyId:  key.KeyId,
		Policy: b.keyPolicy(dist.Arn),
	}, b.local()...); err != nil {
		return err
	}
	return b.aliasRecords(dist)
}

// ownedBucket is a bucket and its ownership controls, which whatever relies on the bucket's
// ACLs must wait for.
type ownedBucket struct {
	*s3.BucketV2
	ownership *s3.BucketOwnershipControls
}

// bucket creates a private, encrypted, versioned bucket. aclLogs keeps ACLs usable for
// CloudFront's legacy log delivery; expire sets a retention.
func (b *builder) bucket(kind, name string, keyArn pulumi.StringInput, aclLogs, expire bool) (ownedBucket, error) {
	n := b.name + "-" + kind
	bk, err := s3.NewBucketV2(b.ctx, n, &s3.BucketV2Args{
		Bucket: pulumi.String(name),
		Tags:   b.tags(name),
	}, b.local()...)
	if err != nil {
		return ownedBucket{}, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(b.ctx, n, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bk.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.local()...); err != nil {
		return ownedBucket{}, err
	}
	ownership := "BucketOwnerEnforced"
	if aclLogs {
		ownership = "BucketOwnerPreferred"
	}
	controls, err := s3.NewBucketOwnershipControls(b.ctx, n, &s3.BucketOwnershipControlsArgs{
		Bucket: bk.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String(ownership)},
	}, b.local()...)
	if err != nil {
		return ownedBucket{}, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: keyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, b.local()...); err != nil {
		return ownedBucket{}, err
	}
	versioning, err := s3.NewBucketVersioningV2(b.ctx, n, &s3.BucketVersioningV2Args{
		Bucket:                  bk.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.local()...)
	if err != nil {
		return ownedBucket{}, err
	}
	if kind == "assets" {
		b.e.AssetsVersioning = versioning
	}
	if expire {
		days := b.a.LogRetentionDays
		if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, n, &s3.BucketLifecycleConfigurationV2Args{
			Bucket: bk.ID(),
			Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
				Id:                          pulumi.String("expire-logs"),
				Status:                      pulumi.String("Enabled"),
				Filter:                      &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				Expiration:                  &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(days)},
				NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
			}},
		}, b.local()...); err != nil {
			return ownedBucket{}, err
		}
	}
	return ownedBucket{BucketV2: bk, ownership: controls}, nil
}

func denyInsecureTransport(bucketArn pulumi.StringOutput) base.Statement {
	return base.Statement{
		Sid:       "DenyInsecureTransport",
		Deny:      true,
		Principal: pulumi.String("*"),
		Actions:   []string{"s3:*"},
		Resources: pulumi.StringArray{bucketArn, pulumi.Sprintf("%s/*", bucketArn)},
		Condition: pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}},
	}
}

// assetsPolicy admits exactly this distribution (through OAC) to read objects.
func (b *builder) assetsPolicy(assets *s3.BucketV2, dist *cloudfront.Distribution) error {
	_, err := s3.NewBucketPolicy(b.ctx, b.name+"-assets", &s3.BucketPolicyArgs{
		Bucket: assets.ID(),
		Policy: base.PolicyDocument(
			base.Statement{
				Sid:       "CloudFrontReadsThroughOAC",
				Principal: base.ServicePrincipal("cloudfront.amazonaws.com"),
				Actions:   []string{"s3:GetObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", assets.Arn)},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceArn": dist.Arn}},
			},
			denyInsecureTransport(assets.Arn),
		),
	}, b.local()...)
	return err
}

// logsPolicies let the log delivery service write WAF logs for this account only.
func (b *builder) logsPolicies(logs, wafLogs *s3.BucketV2) error {
	if _, err := s3.NewBucketPolicy(b.ctx, b.name+"-logs", &s3.BucketPolicyArgs{
		Bucket: logs.ID(),
		Policy: base.PolicyDocument(denyInsecureTransport(logs.Arn)),
	}, b.local()...); err != nil {
		return err
	}
	source := pulumi.Map{
		"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(b.account)},
		"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.String("arn:aws:logs:" + regions.Global + ":" + b.account + ":*")},
	}
	_, err := s3.NewBucketPolicy(b.ctx, b.name+"-waf-logs", &s3.BucketPolicyArgs{
		Bucket: wafLogs.ID(),
		Policy: base.PolicyDocument(
			base.Statement{
				Sid:       "WafLogDeliveryWrite",
				Principal: base.ServicePrincipal("delivery.logs.amazonaws.com"),
				Actions:   []string{"s3:PutObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/AWSLogs/%s/*", wafLogs.Arn, b.account)},
				Condition: pulumi.Map{
					"StringEquals": pulumi.Map{"s3:x-amz-acl": pulumi.String("bucket-owner-full-control"), "aws:SourceAccount": pulumi.String(b.account)},
					"ArnLike":      source["ArnLike"],
				},
			},
			base.Statement{
				Sid:       "WafLogDeliveryAclCheck",
				Principal: base.ServicePrincipal("delivery.logs.amazonaws.com"),
				Actions:   []string{"s3:GetBucketAcl"},
				Resources: pulumi.StringArray{wafLogs.Arn},
				Condition: source,
			},
			denyInsecureTransport(wafLogs.Arn),
		),
	}, b.local()...)
	return err
}

// keyPolicy: the account administers the key (delegating to IAM); S3 uses it on the
// account's behalf; CloudFront may decrypt for this distribution only; log delivery may
// encrypt log objects.
func (b *builder) keyPolicy(distArn pulumi.StringOutput) pulumi.StringOutput {
	root := base.AccountPrincipal(b.account)
	return base.PolicyDocument(
		base.Statement{Sid: "AccountAdministersKey", Principal: root, Actions: []string{"kms:*"}, Resources: base.Strings("*")},
		base.Statement{
			Sid:       "CloudFrontDecryptsAssets",
			Principal: base.ServicePrincipal("cloudfront.amazonaws.com"),
			Actions:   []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"},
			Resources: base.Strings("*"),
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceArn": distArn}},
		},
		// CloudFront's standard logging (legacy) needs exactly this statement on an SSE-KMS
		// log bucket, kms:Decrypt because the bucket uses an S3 Bucket Key; the documented
		// statement has no condition, and that delivery path (the awslogsdelivery account,
		// admitted by the bucket ACL) is not documented to send aws:SourceAccount, so a
		// condition on it would deny every log write:
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
		// ("Required key policy for SSE-KMS buckets").
		// The same grant covers WAF's delivery to its log bucket; what may be written where is
		// decided by the buckets (ACL for CloudFront, the policy scoped to this account for WAF).
		base.Statement{
			Sid:       "LogDeliveryEncryptsLogs",
			Principal: base.ServicePrincipal("delivery.logs.amazonaws.com"),
			Actions:   []string{"kms:GenerateDataKey*", "kms:Decrypt"},
			Resources: base.Strings("*"),
		},
	)
}

func (b *builder) webACL(wafLogs *s3.BucketV2) (*wafv2.WebAcl, error) {
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}
	var rules wafv2.WebAclRuleArray
	for i, group := range ManagedRuleGroups {
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name:           pulumi.String(group),
			Priority:       pulumi.Int(i),
			OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				VendorName: pulumi.String("AWS"),
				Name:       pulumi.String(group),
			}},
			VisibilityConfig: visibility(group),
		})
	}
	rules = append(rules, wafv2.WebAclRuleArgs{
		Name:     pulumi.String("RateLimitPerIP"),
		Priority: pulumi.Int(len(ManagedRuleGroups)),
		Action:   &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
		Statement: &wafv2.WebAclRuleStatementArgs{RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
			Limit:               pulumi.Int(b.a.RateLimit),
			AggregateKeyType:    pulumi.String("IP"),
			EvaluationWindowSec: pulumi.Int(300),
		}},
		VisibilityConfig: visibility("RateLimitPerIP"),
	})
	acl, err := wafv2.NewWebAcl(b.ctx, b.name, &wafv2.WebAclArgs{
		Name:          pulumi.Sprintf("%s-edge", b.a.Prefix),
		Description:   pulumi.Sprintf("CloudFront protection of %s", b.a.Prefix),
		Scope:         pulumi.String("CLOUDFRONT"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.Sprintf("%s-edge", b.a.Prefix),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
		Tags: b.tags(b.a.Prefix + "-edge"),
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	b.e.WebACLArn = acl.Arn
	redact := func(h string) wafv2.WebAclLoggingConfigurationRedactedFieldArgs {
		return wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		}
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(b.ctx, b.name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{wafLogs.Arn},
		RedactedFields:        wafv2.WebAclLoggingConfigurationRedactedFieldArray{redact("authorization"), redact("cookie")},
	}, b.global()...); err != nil {
		return nil, err
	}
	return acl, nil
}

func (b *builder) viewerCertificate() (pulumi.StringOutput, error) {
	cert, err := acm.NewCertificate(b.ctx, b.name, &acm.CertificateArgs{
		DomainName:       pulumi.String(b.a.Domain),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
		Tags:             b.tags(b.a.Domain),
	}, b.global()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	dvo := cert.DomainValidationOptions.Index(pulumi.Int(0))
	rec, err := route53.NewRecord(b.ctx, b.name+"-validation", &route53.RecordArgs{
		ZoneId:         b.a.ZoneID,
		Name:           dvo.ResourceRecordName().Elem(),
		Type:           dvo.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, b.local()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{rec.Fqdn},
	}, b.global()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return v.CertificateArn, nil
}

func customOrigin(id string, o Origin) cloudfront.DistributionOriginArgs {
	policy := "http-only"
	if o.HTTPS {
		policy = "https-only"
	}
	return cloudfront.DistributionOriginArgs{
		OriginId:   pulumi.String(id),
		DomainName: o.Domain,
		CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
			HttpPort:             pulumi.Int(80),
			HttpsPort:            pulumi.Int(443),
			OriginProtocolPolicy: pulumi.String(policy),
			OriginSslProtocols:   pulumi.StringArray{pulumi.String("TLSv1.2")},
			OriginReadTimeout:    pulumi.Int(30),
		},
	}
}

func (b *builder) distribution(assets *s3.BucketV2, logs ownedBucket, acl *wafv2.WebAcl) (*cloudfront.Distribution, error) {
	ctx, name, a := b.ctx, b.name, b.a
	oac, err := cloudfront.NewOriginAccessControl(ctx, name, &cloudfront.OriginAccessControlArgs{
		Name:                          pulumi.Sprintf("%s-assets", a.Prefix),
		Description:                   pulumi.String("Signed requests to the assets bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	static, err := cloudfront.NewCachePolicy(ctx, name+"-static", &cloudfront.CachePolicyArgs{
		Name:                                     pulumi.Sprintf("%s-static", a.Prefix),
		Comment:                                  pulumi.String("Static assets: one year, nothing from the viewer in the key"),
		MinTtl:                                   pulumi.Int(oneYear),
		DefaultTtl:                               pulumi.Int(oneYear),
		MaxTtl:                                   pulumi.Int(oneYear),
		ParametersInCacheKeyAndForwardedToOrigin: viewerFreeKey(),
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	// The default behavior serves only the root object (every other key is under /static/*
	// or /api/*). It honours the object's Cache-Control for at most a day, so a release's
	// entry page shows up without an invalidation; the static policy's one-year minimum TTL
	// would override even "no-cache" (CloudFront caches for the minimum TTL when max-age is
	// lower: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
	document, err := cloudfront.NewCachePolicy(ctx, name+"-document", &cloudfront.CachePolicyArgs{
		Name:                                     pulumi.Sprintf("%s-document", a.Prefix),
		Comment:                                  pulumi.String("Entry page: the object's Cache-Control, at most a day, nothing from the viewer in the key"),
		MinTtl:                                   pulumi.Int(0),
		DefaultTtl:                               pulumi.Int(300),
		MaxTtl:                                   pulumi.Int(86400),
		ParametersInCacheKeyAndForwardedToOrigin: viewerFreeKey(),
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	api, err := cloudfront.NewCachePolicy(ctx, name+"-api", &cloudfront.CachePolicyArgs{
		Name:       pulumi.Sprintf("%s-api", a.Prefix),
		Comment:    pulumi.String("API: not cached; Authorization must be in the key to reach the origin"),
		MinTtl:     pulumi.Int(0),
		DefaultTtl: pulumi.Int(0),
		MaxTtl:     pulumi.Int(1),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			CookiesConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
			HeadersConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{
				HeaderBehavior: pulumi.String("whitelist"),
				Headers: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigHeadersArgs{
					Items: pulumi.StringArray{pulumi.String("Authorization")},
				},
			},
			QueryStringsConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("all")},
		},
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	forward, err := cloudfront.NewOriginRequestPolicy(ctx, name+"-api", &cloudfront.OriginRequestPolicyArgs{
		Name:          pulumi.Sprintf("%s-api", a.Prefix),
		Comment:       pulumi.String("API: query strings, cookies and the request headers the API reads"),
		CookiesConfig: &cloudfront.OriginRequestPolicyCookiesConfigArgs{CookieBehavior: pulumi.String("all")},
		HeadersConfig: &cloudfront.OriginRequestPolicyHeadersConfigArgs{
			HeaderBehavior: pulumi.String("whitelist"),
			Headers: &cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs{Items: pulumi.ToStringArray([]string{
				"Accept", "Accept-Language", "Content-Type", "Origin", "Referer",
				"Access-Control-Request-Method", "Access-Control-Request-Headers", "CloudFront-Viewer-Country",
			})},
		},
		QueryStringsConfig: &cloudfront.OriginRequestPolicyQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("all")},
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	headers, err := cloudfront.NewResponseHeadersPolicy(ctx, name, &cloudfront.ResponseHeadersPolicyArgs{
		Name:    pulumi.Sprintf("%s-security-headers", a.Prefix),
		Comment: pulumi.String("HSTS, CSP, nosniff, frame and referrer policies"),
		SecurityHeadersConfig: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(63072000),
				IncludeSubdomains:      pulumi.Bool(true),
				Preload:                pulumi.Bool(true),
				Override:               pulumi.Bool(true),
			},
			ContentSecurityPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(a.ContentSecurityPolicy),
				Override:              pulumi.Bool(true),
			},
			ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
				FrameOption: pulumi.String("DENY"), Override: pulumi.Bool(true),
			},
			ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"), Override: pulumi.Bool(true),
			},
		},
	}, b.global()...)
	if err != nil {
		return nil, err
	}

	origins := cloudfront.DistributionOriginArray{
		cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String("assets"),
			DomainName:            assets.BucketRegionalDomainName,
			OriginAccessControlId: oac.ID(),
		},
		customOrigin("api", a.APIOrigin),
	}
	var groups cloudfront.DistributionOriginGroupArray
	readMethods := pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS"})
	allMethods := pulumi.ToStringArray([]string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
	apiBehavior := func(path, target string, methods pulumi.StringArray) cloudfront.DistributionOrderedCacheBehaviorArgs {
		return cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:             pulumi.String(path),
			TargetOriginId:          pulumi.String(target),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          methods,
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           api.ID(),
			OriginRequestPolicyId:   forward.ID(),
			ResponseHeadersPolicyId: headers.ID(),
			Compress:                pulumi.Bool(true),
		}
	}
	var behaviors cloudfront.DistributionOrderedCacheBehaviorArray
	behaviors = append(behaviors, cloudfront.DistributionOrderedCacheBehaviorArgs{
		PathPattern:             pulumi.String("/static/*"),
		TargetOriginId:          pulumi.String("assets"),
		ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
		AllowedMethods:          readMethods,
		CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
		CachePolicyId:           static.ID(),
		ResponseHeadersPolicyId: headers.ID(),
		Compress:                pulumi.Bool(true),
	})
	if dr := a.drOrigin(); dr != nil {
		origins = append(origins, customOrigin("api-dr", *dr))
		groups = append(groups, cloudfront.DistributionOriginGroupArgs{
			OriginId:         pulumi.String("api-failover"),
			FailoverCriteria: &cloudfront.DistributionOriginGroupFailoverCriteriaArgs{StatusCodes: pulumi.ToIntArray([]int{500, 502, 503, 504})},
			Members: cloudfront.DistributionOriginGroupMemberArray{
				cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("api")},
				cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("api-dr")},
			},
		})
		// Read-only paths first: behaviors match in order.
		for _, p := range a.FailoverPaths {
			behaviors = append(behaviors, apiBehavior(p, "api-failover", readMethods))
		}
	}
	behaviors = append(behaviors, apiBehavior("/api/*", "api", allMethods))

	// CloudFront's own certificate (no domain) always negotiates from TLSv1; the TLSv1.2_2021
	// minimum needs a certificate of ours, which a domain brings.
	viewer := &cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true), MinimumProtocolVersion: pulumi.String("TLSv1")}
	var aliases pulumi.StringArray
	if a.Domain != "" {
		cert, err := b.viewerCertificate()
		if err != nil {
			return nil, err
		}
		b.e.ViewerCertificate = cert
		viewer = &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      cert,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String(minimumViewerTLS),
		}
		aliases = pulumi.StringArray{pulumi.String(a.Domain)}
	}
	dist, err := cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:           pulumi.Bool(true),
		Comment:           pulumi.Sprintf("%s storefront", a.Prefix),
		Aliases:           aliases,
		IsIpv6Enabled:     pulumi.Bool(true),
		HttpVersion:       pulumi.String("http2and3"),
		PriceClass:        pulumi.String(a.PriceClass),
		WebAclId:          b.e.WebACLArn,
		DefaultRootObject: pulumi.String(RootObject),
		Origins:           origins,
		OriginGroups:      groups,
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String("assets"),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           document.ID(),
			ResponseHeadersPolicyId: headers.ID(),
			Compress:                pulumi.Bool(true),
		},
		OrderedCacheBehaviors: behaviors,
		Restrictions: &cloudfront.DistributionRestrictionsArgs{GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("none"),
		}},
		ViewerCertificate: viewer,
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{
			Bucket:         logs.BucketDomainName,
			Prefix:         pulumi.String("cloudfront/"),
			IncludeCookies: pulumi.Bool(false),
		},
		Tags: b.tags(a.Prefix + "-edge"),
		// Standard logging (legacy) grants the awslogsdelivery account FULL_CONTROL through the
		// bucket ACL when the logging config is set, and refuses a bucket whose ACLs are
		// disabled (new buckets default to BucketOwnerEnforced), so the distribution waits for
		// the ownership controls that enable them:
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html#AccessLogsBucketAndFileOwnership
	}, b.global(pulumi.DependsOn([]pulumi.Resource{logs.ownership}))...)
	if err != nil {
		return nil, err
	}
	b.e.DistributionID = dist.ID().ToStringOutput()
	b.e.DistributionArn = dist.Arn
	b.e.DomainName = dist.DomainName
	b.e.URL = pulumi.Sprintf("https://%s", dist.DomainName)
	if a.Domain != "" {
		b.e.URL = pulumi.Sprintf("https://%s", a.Domain).ToStringOutput()
	}
	return dist, nil
}

func (b *builder) aliasRecords(dist *cloudfront.Distribution) error {
	if b.a.Domain == "" {
		return nil
	}
	for _, typ := range []string{"A", "AAAA"} {
		if _, err := route53.NewRecord(b.ctx, b.name+"-"+strings.ToLower(typ), &route53.RecordArgs{
			ZoneId: b.a.ZoneID,
			Name:   pulumi.String(b.a.Domain),
			Type:   pulumi.String(typ),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name:                 dist.DomainName,
				ZoneId:               pulumi.String(cloudFrontHostedZoneID),
				EvaluateTargetHealth: pulumi.Bool(false),
			}},
		}, b.local()...); err != nil {
			return err
		}
	}
	return nil
}

// viewerFreeKey is a cache key with nothing from the viewer (no cookies, headers or query
// strings), compressed variants apart.
func viewerFreeKey() *cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs {
	return &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
		EnableAcceptEncodingGzip:   pulumi.Bool(true),
		EnableAcceptEncodingBrotli: pulumi.Bool(true),
		CookiesConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
		HeadersConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{HeaderBehavior: pulumi.String("none")},
		QueryStringsConfig:         &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
	}
}
