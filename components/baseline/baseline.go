package baseline

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/baseline/settings"
	"globalstack/components/regions"
)

// Settings are the tunable settings of the baseline: the keys of globalstack:baseline.
type Settings = settings.Settings

// Type is the component's type token.
const Type = "globalstack:baseline:Baseline"

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}[a-z0-9]$`)

// Args configures the baseline of one stack.
type Args struct {
	// Prefix names the baseline's resources ("<Prefix>-audit"): the stack name.
	Prefix string
	// Region is the stack's region; everything the baseline creates lives there. (The
	// embedded Settings.Region says whether the stack owns the region's pieces.)
	Region string
	// Provider is the explicit provider of Region, if the stack's default provider is of
	// another region.
	Provider pulumi.ProviderResource
	// Settings: ownership of the account-wide and once-per-region pieces, retentions. Retentions left zero take the Prod preset; Account and Region are taken as
	// given.
	Settings
	// KeyArn is the stack's audit key (keys.Audit, a key of Region): it encrypts the trail's
	// log files, its log group and the log archive.
	KeyArn pulumi.StringInput
	// AlarmTopicArn is the stack's alert topic (components/monitoring), a topic of Region
	// whose key and topic policies admit this account's CloudWatch alarms of Region: the CIS
	// alarms page whoever globalstack:monitoring.alertEmails names, like every other alarm.
	AlarmTopicArn pulumi.StringInput
	// DataEventBuckets are the names of the stack's buckets in Region whose object-level
	// operations the trail records.
	DataEventBuckets []pulumi.StringInput
	Tags             map[string]string
}

func (a *Args) withDefaults() {
	account, region := a.Account, a.Settings.Region
	validate.FillZero(&a.Settings, settings.Prod)
	a.Account, a.Settings.Region = account, region
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	d := *a
	d.withDefaults()
	p := base.NewProblems("baseline")
	p.Require(prefixRE.MatchString(d.Prefix), "Prefix", "%q must be 3-32 lowercase letters, digits and hyphens, starting with a letter", d.Prefix)
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(d.KeyArn != nil, "KeyArn", "is required: trail logs, and the log archive are always encrypted with the stack's key")
	p.Require(d.AlarmTopicArn != nil, "AlarmTopicArn", "is required: the CIS alarms publish to the stack's alert topic")
	p.Add(d.Settings.Validate(""))
	return p.Err()
}

// Baseline is the component.
type Baseline struct {
	pulumi.ResourceState

	TrailArn         pulumi.StringOutput
	LogArchiveBucket pulumi.StringOutput
	// DetectorID and RecorderName are set when the stack owns its region ("" otherwise).
	DetectorID   pulumi.StringOutput
	RecorderName pulumi.StringOutput
	// Alarms names the CIS alarms the stack creates.
	Alarms []string
}

// New creates the baseline. Nothing is registered when the args are invalid.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Baseline, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	a.withDefaults()
	bl := &Baseline{}
	if err := ctx.RegisterComponentResource(Type, name, bl, opts...); err != nil {
		return nil, err
	}
	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(bl))
	if err != nil {
		return nil, fmt.Errorf("baseline: looking up the account: %w", err)
	}
	b := &builder{ctx: ctx, name: name, a: &a, bl: bl, account: who.AccountId}
	if err := b.build(); err != nil {
		return nil, err
	}
	empty := pulumi.String("").ToStringOutput()
	if bl.DetectorID == (pulumi.StringOutput{}) {
		bl.DetectorID, bl.RecorderName = empty, empty
	}
	return bl, ctx.RegisterResourceOutputs(bl, pulumi.Map{
		"trailArn":         bl.TrailArn,
		"logArchiveBucket": bl.LogArchiveBucket,
		"detectorId":       bl.DetectorID,
		"recorderName":     bl.RecorderName,
		"ownsAccount":      pulumi.Bool(a.Account),
		"ownsRegion":       pulumi.Bool(a.Settings.Region),
	})
}

type builder struct {
	ctx     *pulumi.Context
	name    string
	a       *Args
	bl      *Baseline
	account string
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.ChildIn(b.bl, b.a.Provider, extra...)
}

func (b *builder) tags(resource string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", b.a.Prefix+"-"+resource, "tier", "audit")
}

// trailName and trailArn: the bucket and key policies name the trail before it exists
// (CloudTrail checks the bucket policy when the trail is created), so its ARN is formed the
// way CloudTrail forms it: arn:aws:cloudtrail:<region>:<account>:trail/<name>
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html#awscloudtrail-resources-for-iam-policies).
func (b *builder) trailName() string { return b.a.Prefix + "-audit" }

func (b *builder) trailArn() string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", b.a.Region, b.account, b.trailName())
}

func (b *builder) build() error {
	archive, err := b.logArchive()
	if err != nil {
		return err
	}
	if err := b.trail(archive); err != nil {
		return err
	}
	if b.a.Settings.Region {
		if err := b.regionPieces(archive); err != nil {
			return err
		}
	}
	if b.a.Account {
		if err := b.accountPieces(); err != nil {
			return err
		}
	}
	return nil
}

// archive is the log-archive bucket and what must exist before anything delivers into it.
type archive struct {
	bucket *s3.BucketV2
	ready  []pulumi.Resource
}

// logArchive creates the bucket trail log files and Config snapshots are delivered to.
//
// Deletes are denied by bucket policy rather than Object Lock: AWS Config does not deliver to
// a bucket with Object Lock enabled
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-deliverychannel.html),
// and the archive keeps both. Versioning keeps overwritten objects; CloudTrail's digest files
// prove a log file unchanged (log file validation).
func (b *builder) logArchive() (*archive, error) {
	ctx, n, a := b.ctx, b.name+"-archive", b.a
	bk, err := s3.NewBucketV2(ctx, n, &s3.BucketV2Args{
		Bucket: pulumi.Sprintf("%s-audit-%s", a.Prefix, b.account),
		Tags:   b.tags("audit-archive"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, n, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bk.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	own, err := s3.NewBucketOwnershipControls(ctx, n, &s3.BucketOwnershipControlsArgs{
		Bucket: bk.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: a.KeyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	ver, err := s3.NewBucketVersioningV2(ctx, n, &s3.BucketVersioningV2Args{
		Bucket:                  bk.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, n, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("archive-then-expire"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
				Days:         pulumi.Int(a.ArchiveColdAfterDays),
				StorageClass: pulumi.String("GLACIER"),
			}},
			Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.ArchiveRetentionDays)},
			NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(a.ArchiveRetentionDays)},
			AbortIncompleteMultipartUpload: base.AbortIncompleteUploads(),
		}},
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{ver}))...); err != nil {
		return nil, err
	}
	policy, err := s3.NewBucketPolicy(ctx, n, &s3.BucketPolicyArgs{
		Bucket: bk.ID(),
		Policy: base.PolicyDocument(b.archiveStatements(bk.Arn)...),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{pab}))...)
	if err != nil {
		return nil, err
	}
	b.bl.LogArchiveBucket = bk.Bucket
	return &archive{bucket: bk, ready: []pulumi.Resource{policy, sse, ver, own}}, nil
}

// archiveStatements: CloudTrail and (when the stack owns the region) AWS Config may write
// into their own prefixes for this account only; nobody deletes a log object; TLS only.
func (b *builder) archiveStatements(bucketArn pulumi.StringOutput) []base.Statement {
	acct := pulumi.String(b.account)
	// The CloudTrail guide's bucket policy, with aws:SourceArn naming this trail
	// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html).
	trail := pulumi.String(b.trailArn())
	stmts := []base.Statement{
		{
			Sid:       "AWSCloudTrailAclCheck",
			Principal: base.ServicePrincipal("cloudtrail.amazonaws.com"),
			Actions:   []string{"s3:GetBucketAcl"},
			Resources: pulumi.StringArray{bucketArn},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceArn": trail}},
		},
		{
			Sid:       "AWSCloudTrailWrite",
			Principal: base.ServicePrincipal("cloudtrail.amazonaws.com"),
			Actions:   []string{"s3:PutObject"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/AWSLogs/%s/*", bucketArn, b.account)},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"s3:x-amz-acl":  pulumi.String("bucket-owner-full-control"),
				"aws:SourceArn": trail,
			}},
		},
	}
	if b.a.Settings.Region {
		// The AWS Config guide's bucket policy for the delivery channel
		// (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html):
		// GetBucketAcl and ListBucket on the bucket, PutObject under AWSLogs/<account>/Config/
		// with bucket-owner-full-control, each with aws:SourceAccount.
		src := pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": acct}}
		stmts = append(stmts,
			base.Statement{
				Sid:       "AWSConfigBucketPermissionsCheck",
				Principal: base.ServicePrincipal("config.amazonaws.com"),
				Actions:   []string{"s3:GetBucketAcl"},
				Resources: pulumi.StringArray{bucketArn},
				Condition: src,
			},
			base.Statement{
				Sid:       "AWSConfigBucketExistenceCheck",
				Principal: base.ServicePrincipal("config.amazonaws.com"),
				Actions:   []string{"s3:ListBucket"},
				Resources: pulumi.StringArray{bucketArn},
				Condition: src,
			},
			base.Statement{
				Sid:       "AWSConfigBucketDelivery",
				Principal: base.ServicePrincipal("config.amazonaws.com"),
				Actions:   []string{"s3:PutObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/AWSLogs/%s/Config/*", bucketArn, b.account)},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{
					"s3:x-amz-acl":      pulumi.String("bucket-owner-full-control"),
					"aws:SourceAccount": acct,
				}},
			})
	}
	return append(stmts,
		base.Statement{
			Sid:       "DenyLogDeletion",
			Deny:      true,
			Principal: pulumi.String("*"),
			Actions:   []string{"s3:DeleteObject", "s3:DeleteObjectVersion"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", bucketArn)},
		},
		base.Statement{
			Sid:       "DenyInsecureTransport",
			Deny:      true,
			Principal: pulumi.String("*"),
			Actions:   []string{"s3:*"},
			Resources: pulumi.StringArray{bucketArn, pulumi.Sprintf("%s/*", bucketArn)},
			Condition: pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}},
		})
}
