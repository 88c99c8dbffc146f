package baseline

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// CISMetricNamespace is the CloudWatch namespace of the CIS metric filters.
const CISMetricNamespace = "globalstack/CIS"

// cisAlarm is one CIS AWS Foundations Benchmark monitoring control: a metric filter on the
// trail's log group and an alarm on any match. Patterns are the ones Security Hub's
// CloudWatch.1-14 controls check for
// (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html).
type cisAlarm struct {
	name, control, pattern string
}

// CISAlarms are the monitoring controls every stack alarms on.
var cisAlarms = []cisAlarm{
	{"root-account-usage", "CloudWatch.1",
		`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"iam-policy-changes", "CloudWatch.4",
		`{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`},
	{"cloudtrail-changes", "CloudWatch.5",
		`{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`},
	{"console-login-without-mfa", "CloudWatch.2",
		`{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"kms-key-disabled-or-deleted", "CloudWatch.7",
		`{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`},
	{"s3-bucket-policy-changes", "CloudWatch.8",
		`{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`},
	{"config-changes", "CloudWatch.9",
		`{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`},
	{"security-group-changes", "CloudWatch.10",
		`{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`},
}

// CISAlarmNames lists the CIS alarms every stack creates, in order.
func CISAlarmNames() []string {
	names := make([]string, len(cisAlarms))
	for i, c := range cisAlarms {
		names[i] = c.name
	}
	return names
}

// trail creates the stack's trail, its CloudWatch Logs copy and the CIS alarms on it.
//
// The trail is single-Region so that no event of another region (or jurisdiction) lands in
// this stack's archive. Since November 2021 IAM, STS and sign-in events are recorded in
// us-east-1 only, and a single-Region trail receives them only there
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail-by-using-the-aws-cli-update-trail.html):
// the root, IAM policy and console sign-in alarms fire from the trail of the stack in
// us-east-1; every other alarm fires in each stack's own region.
func (b *builder) trail(ar *archive) error {
	ctx, a := b.ctx, b.a
	logs, err := cloudwatch.NewLogGroup(ctx, b.name+"-trail", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/cloudtrail/" + b.trailName()),
		RetentionInDays: pulumi.Int(a.TrailLogRetentionDays),
		KmsKeyId:        a.KeyArn,
		Tags:            b.tags("trail-logs"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	// CloudTrail delivers to CloudWatch Logs through a role it assumes
	// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html):
	// CreateLogStream and PutLogEvents on the trail's log group.
	role, err := iam.NewRole(ctx, b.name+"-trail-logs", &iam.RoleArgs{
		Description: pulumi.String("CloudTrail delivers " + b.trailName() + " to its CloudWatch Logs group"),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("cloudtrail.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceArn": pulumi.String(b.trailArn())}},
		}),
		Tags: b.tags("trail-logs"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	deliver, err := iam.NewRolePolicy(ctx, b.name+"-trail-logs", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: base.PolicyDocument(base.Statement{
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s:log-stream:*", logs.Arn)},
		}),
	}, b.opts()...)
	if err != nil {
		return err
	}
	selectors := cloudtrail.TrailAdvancedEventSelectorArray{cloudtrail.TrailAdvancedEventSelectorArgs{
		Name: pulumi.String("Management events"),
		FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
			fieldEquals("eventCategory", pulumi.String("Management")),
		},
	}}
	if len(a.DataEventBuckets) > 0 {
		// Object-level events of the stack's buckets: resources.ARN starts with
		// "arn:aws:s3:::<bucket>/"
		// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html).
		var prefixes pulumi.StringArray
		for _, bucket := range a.DataEventBuckets {
			prefixes = append(prefixes, pulumi.Sprintf("arn:aws:s3:::%s/", bucket))
		}
		selectors = append(selectors, cloudtrail.TrailAdvancedEventSelectorArgs{
			Name: pulumi.String("S3 data events of the stack's buckets"),
			FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
				fieldEquals("eventCategory", pulumi.String("Data")),
				fieldEquals("resources.type", pulumi.String("AWS::S3::Object")),
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.ARN"), StartsWiths: prefixes},
			},
		})
	}
	trail, err := cloudtrail.NewTrail(ctx, b.name, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(b.trailName()),
		S3BucketName:               ar.bucket.Bucket,
		KmsKeyId:                   a.KeyArn,
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		IsMultiRegionTrail:         pulumi.Bool(false),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		AdvancedEventSelectors:     selectors,
		CloudWatchLogsGroupArn:     pulumi.Sprintf("%s:*", logs.Arn),
		CloudWatchLogsRoleArn:      role.Arn,
		Tags:                       b.tags("audit"),
	}, b.opts(pulumi.DependsOn(append(ar.ready, deliver)))...)
	if err != nil {
		return err
	}
	b.bl.TrailArn = trail.Arn

	for _, c := range cisAlarms {
		metric := c.name
		filter, err := cloudwatch.NewLogMetricFilter(ctx, b.name+"-"+c.name, &cloudwatch.LogMetricFilterArgs{
			Name:         pulumi.String(b.a.Prefix + "-" + c.name),
			LogGroupName: logs.Name,
			Pattern:      pulumi.String(c.pattern),
			MetricTransformation: cloudwatch.LogMetricFilterMetricTransformationArgs{
				Name:      pulumi.String(metric),
				Namespace: pulumi.String(CISMetricNamespace + "/" + a.Prefix),
				Value:     pulumi.String("1"),
			},
		}, b.opts()...)
		if err != nil {
			return err
		}
		if _, err := cloudwatch.NewMetricAlarm(ctx, b.name+"-"+c.name, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(b.a.Prefix + "-" + c.name),
			AlarmDescription:   pulumi.String("CIS " + c.control + ": " + c.name + " in " + b.trailName()),
			Namespace:          pulumi.String(CISMetricNamespace + "/" + a.Prefix),
			MetricName:         pulumi.String(metric),
			Statistic:          pulumi.String("Sum"),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(1),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   pulumi.String("notBreaching"),
			AlarmActions:       pulumi.Array{a.AlarmTopicArn},
			Tags:               b.tags(c.name),
		}, b.opts(pulumi.DependsOn([]pulumi.Resource{filter}))...); err != nil {
			return err
		}
		b.bl.Alarms = append(b.bl.Alarms, b.a.Prefix+"-"+c.name)
	}
	return nil
}

func fieldEquals(field string, values ...pulumi.StringInput) cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs {
	var eq pulumi.StringArray
	for _, v := range values {
		eq = append(eq, v)
	}
	return cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String(field), Equals: eq}
}
