package baseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ebs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/inspector2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// GuardDutyFeatures are the detector features the stack needs, by the names of the GuardDuty
// API (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfiguration.html):
// S3 data events (the buckets), EKS audit logs and Runtime Monitoring (the cluster; Runtime
// Monitoring includes EKS and excludes EKS_RUNTIME_MONITORING), RDS login events (Aurora),
// EBS malware protection (the nodes' volumes).
var GuardDutyFeatures = []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS", "EBS_MALWARE_PROTECTION"}

// SecurityHubStandards are the standards every owned region subscribes to, by the ARN format
// of the provider's StandardsSubscription docs
// (https://www.pulumi.com/registry/packages/aws/api-docs/securityhub/standardssubscription/):
// arn:aws:securityhub:<region>::standards/<id>.
var SecurityHubStandards = []string{
	"aws-foundational-security-best-practices/v/1.0.0",
	"cis-aws-foundations-benchmark/v/3.0.0",
}

// ConfigRules are the AWS Config managed rules (by source identifier) covering encryption and
// public access (https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html).
var ConfigRules = []string{
	"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
	"S3_BUCKET_PUBLIC_READ_PROHIBITED",
	"S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
	"S3_BUCKET_SSL_REQUESTS_ONLY",
	"RDS_STORAGE_ENCRYPTED",
	"ENCRYPTED_VOLUMES",
	"EC2_EBS_ENCRYPTION_BY_DEFAULT",
	"CLOUD_TRAIL_ENABLED",
	"CLOUD_TRAIL_ENCRYPTION_ENABLED",
	"CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
}

// ConfigRolePolicy is the AWS managed policy a Config recorder's role carries
// (https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html).
const ConfigRolePolicy = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"

// regionPieces creates what AWS allows once per account and region.
func (b *builder) regionPieces(ar *archive) error {
	if err := b.guardDuty(); err != nil {
		return err
	}
	if err := b.securityHub(); err != nil {
		return err
	}
	if err := b.config(ar); err != nil {
		return err
	}
	ctx, name, a := b.ctx, b.name, b.a
	if _, err := inspector2.NewEnabler(ctx, name, &inspector2.EnablerArgs{
		AccountIds:    pulumi.StringArray{pulumi.String(b.account)},
		ResourceTypes: pulumi.ToStringArray([]string{"ECR", "EC2"}),
	}, b.opts()...); err != nil {
		return err
	}
	if _, err := accessanalyzer.NewAnalyzer(ctx, name, &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(a.Prefix + "-account"),
		Type:         pulumi.String("ACCOUNT"),
		Tags:         b.tags("access-analyzer"),
	}, b.opts()...); err != nil {
		return err
	}
	// New EBS volumes of the region are encrypted. The default key stays AWS's aws/ebs:
	// a customer managed default would also encrypt the EKS nodes' volumes, which the Auto
	// Scaling service-linked role can only launch with a grant in the key's policy
	// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html),
	// and a key policy naming that role fails while the role does not yet exist.
	_, err := ebs.NewEncryptionByDefault(ctx, name, &ebs.EncryptionByDefaultArgs{Enabled: pulumi.Bool(true)}, b.opts()...)
	return err
}

func (b *builder) guardDuty() error {
	ctx, name := b.ctx, b.name
	det, err := guardduty.NewDetector(ctx, name, &guardduty.DetectorArgs{
		Enable:                     pulumi.Bool(true),
		FindingPublishingFrequency: pulumi.String("FIFTEEN_MINUTES"),
		Tags:                       b.tags("guardduty"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.bl.DetectorID = det.ID().ToStringOutput()
	for _, f := range GuardDutyFeatures {
		fargs := &guardduty.DetectorFeatureArgs{DetectorId: det.ID(), Name: pulumi.String(f), Status: pulumi.String("ENABLED")}
		if f == "RUNTIME_MONITORING" {
			// GuardDuty manages its security agent as an EKS add-on
			// (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorAdditionalConfiguration.html).
			fargs.AdditionalConfigurations = guardduty.DetectorFeatureAdditionalConfigurationArray{
				guardduty.DetectorFeatureAdditionalConfigurationArgs{Name: pulumi.String("EKS_ADDON_MANAGEMENT"), Status: pulumi.String("ENABLED")},
			}
		}
		if _, err := guardduty.NewDetectorFeature(ctx, name+"-"+featureName(f), fargs, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}

// securityHub enables Security Hub with the two standards and no finding aggregator: findings
// stay in the region that produced them.
func (b *builder) securityHub() error {
	ctx, name, a := b.ctx, b.name, b.a
	hub, err := securityhub.NewAccount(ctx, name, &securityhub.AccountArgs{
		EnableDefaultStandards:  pulumi.Bool(false),
		ControlFindingGenerator: pulumi.String("SECURITY_CONTROL"),
		AutoEnableControls:      pulumi.Bool(true),
	}, b.opts()...)
	if err != nil {
		return err
	}
	for _, std := range SecurityHubStandards {
		if _, err := securityhub.NewStandardsSubscription(ctx, name+"-"+standardName(std), &securityhub.StandardsSubscriptionArgs{
			StandardsArn: pulumi.Sprintf("arn:aws:securityhub:%s::standards/%s", a.Region, std),
		}, b.opts(pulumi.DependsOn([]pulumi.Resource{hub}))...); err != nil {
			return err
		}
	}
	return nil
}

// config records every supported resource type of the region into the log archive and
// evaluates the managed rules. Global types (IAM) are recorded by the stack that also owns
// the account, so that one region records them.
func (b *builder) config(ar *archive) error {
	ctx, name, a := b.ctx, b.name, b.a
	role, err := iam.NewRole(ctx, name+"-config", &iam.RoleArgs{
		Description: pulumi.String("AWS Config records " + a.Region + " into " + a.Prefix + "'s log archive"),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("config.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(b.account)}},
		}),
		Tags: b.tags("config"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	managed, err := iam.NewRolePolicyAttachment(ctx, name+"-config", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(ConfigRolePolicy),
	}, b.opts()...)
	if err != nil {
		return err
	}
	// With a role of its own (rather than the service-linked role) Config writes to the bucket
	// and encrypts with the key as that role
	// (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html).
	deliver, err := iam.NewRolePolicy(ctx, name+"-config-delivery", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: base.PolicyDocument(
			base.Statement{
				Actions:   []string{"s3:PutObject", "s3:PutObjectAcl"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/AWSLogs/%s/Config/*", ar.bucket.Arn, b.account)},
			},
			base.Statement{
				Actions:   []string{"s3:GetBucketAcl", "s3:ListBucket"},
				Resources: pulumi.StringArray{ar.bucket.Arn},
			},
			base.Statement{
				Actions:   []string{"kms:GenerateDataKey", "kms:Decrypt"},
				Resources: pulumi.StringArray{a.KeyArn},
			},
		),
	}, b.opts()...)
	if err != nil {
		return err
	}
	recorder, err := cfg.NewRecorder(ctx, name, &cfg.RecorderArgs{
		Name:    pulumi.String(a.Prefix),
		RoleArn: role.Arn,
		RecordingGroup: &cfg.RecorderRecordingGroupArgs{
			AllSupported:               pulumi.Bool(true),
			IncludeGlobalResourceTypes: pulumi.Bool(a.Account),
		},
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{managed, deliver}))...)
	if err != nil {
		return err
	}
	b.bl.RecorderName = recorder.Name
	channel, err := cfg.NewDeliveryChannel(ctx, name, &cfg.DeliveryChannelArgs{
		Name:         pulumi.String(a.Prefix),
		S3BucketName: ar.bucket.Bucket,
		S3KmsKeyArn:  a.KeyArn,
		SnapshotDeliveryProperties: &cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs{
			DeliveryFrequency: pulumi.String("TwentyFour_Hours"),
		},
	}, b.opts(pulumi.DependsOn(append([]pulumi.Resource{recorder}, ar.ready...)))...)
	if err != nil {
		return err
	}
	if _, err := cfg.NewRecorderStatus(ctx, name, &cfg.RecorderStatusArgs{
		Name:      recorder.Name,
		IsEnabled: pulumi.Bool(true),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{channel}))...); err != nil {
		return err
	}
	for _, rule := range ConfigRules {
		if _, err := cfg.NewRule(ctx, name+"-"+ruleName(rule), &cfg.RuleArgs{
			Name:   pulumi.Sprintf("%s-%s", a.Prefix, ruleName(rule)),
			Source: &cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(rule)},
			Tags:   b.tags("config-rule"),
		}, b.opts(pulumi.DependsOn([]pulumi.Resource{recorder}))...); err != nil {
			return err
		}
	}
	return nil
}

// accountPieces creates what AWS allows once per account.
func (b *builder) accountPieces() error {
	ctx, name := b.ctx, b.name
	// CIS AWS Foundations 1.8 and 1.9 (Security Hub IAM.15, IAM.16): at least 14 characters,
	// no reuse of the last 24 (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html).
	if _, err := iam.NewAccountPasswordPolicy(ctx, name, &iam.AccountPasswordPolicyArgs{
		MinimumPasswordLength:      pulumi.Int(14),
		PasswordReusePrevention:    pulumi.Int(24),
		RequireLowercaseCharacters: pulumi.Bool(true),
		RequireUppercaseCharacters: pulumi.Bool(true),
		RequireNumbers:             pulumi.Bool(true),
		RequireSymbols:             pulumi.Bool(true),
		AllowUsersToChangePassword: pulumi.Bool(true),
	}, b.opts()...); err != nil {
		return err
	}
	_, err := s3.NewAccountPublicAccessBlock(ctx, name, &s3.AccountPublicAccessBlockArgs{
		AccountId:             pulumi.String(b.account),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.opts()...)
	return err
}

// featureName, standardName and ruleName turn API names into resource name suffixes.
func featureName(f string) string { return lowerDash(f) }

func standardName(std string) string {
	switch std {
	case SecurityHubStandards[0]:
		return "fsbp"
	case SecurityHubStandards[1]:
		return "cis"
	}
	panic(fmt.Sprintf("baseline: no name for standard %q", std))
}

func ruleName(rule string) string { return lowerDash(rule) }

func lowerDash(s string) string {
	out := []byte(s)
	for i, c := range out {
		switch {
		case c == '_':
			out[i] = '-'
		case c >= 'A' && c <= 'Z':
			out[i] = c + 'a' - 'A'
		}
	}
	return string(out)
}
