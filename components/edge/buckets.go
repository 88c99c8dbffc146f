package edge

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/regions"
)

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
				Id:                             pulumi.String("expire-logs"),
				Status:                         pulumi.String("Enabled"),
				Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(days)},
				NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
				AbortIncompleteMultipartUpload: base.AbortIncompleteUploads(),
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
