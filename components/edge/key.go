package edge

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// key encrypts the buckets: assets and CloudFront/WAF logs. Its policy names the
// distribution, so it is set once the distribution exists (keyPolicy).
func (b *builder) key() (*kms.Key, error) {
	key, err := kms.NewKey(b.ctx, b.name, &kms.KeyArgs{
		Description:          pulumi.Sprintf("%s edge: assets and CloudFront/WAF logs (%s)", b.a.Prefix, b.a.Region),
		EnableKeyRotation:    pulumi.Bool(true),
		RotationPeriodInDays: pulumi.Int(365),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 b.tags(b.a.Prefix + "-edge"),
	}, b.local()...)
	if err != nil {
		return nil, err
	}
	b.e.KeyArn = key.Arn
	return key, nil
}

// keyPolicy sets the key's policy (keyPolicyDocument).
func (b *builder) keyPolicy(key *kms.Key, distArn pulumi.StringOutput) error {
	_, err := kms.NewKeyPolicy(b.ctx, b.name, &kms.KeyPolicyArgs{
		KeyId:  key.KeyId,
		Policy: b.keyPolicyDocument(distArn),
	}, b.local()...)
	return err
}

// keyPolicyDocument: the account administers the key (delegating to IAM); S3 uses it on the
// account's behalf; CloudFront may decrypt for this distribution only; log delivery may
// encrypt log objects.
func (b *builder) keyPolicyDocument(distArn pulumi.StringOutput) pulumi.StringOutput {
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
