package monitoring

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// Publishers are the AWS services that publish to the alert topic: CloudWatch alarms, the
// EventBridge rules routing security findings, and the Prometheus alert manager.
const (
	CloudWatchPrincipal  = "cloudwatch.amazonaws.com"
	EventsPrincipal      = "events.amazonaws.com"
	PrometheusPrincipal  = "aps.amazonaws.com"
	alarmArnPattern      = "arn:aws:cloudwatch:%s:%s:alarm:*"
	findingSeverityFloor = 7
)

// alertTopic creates the stack's alert topic with its own key, its policy and the e-mail
// subscriptions.
//
// The topic has a key of its own rather than one of the cell's data keys: EventBridge can
// publish to an encrypted topic only when the key policy lets events.amazonaws.com use the key
// without aws:SourceArn/aws:SourceAccount conditions, which its KMS requests do not carry
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services:
// the service principal needs kms:Decrypt and kms:GenerateDataKey* in the key policy). A key
// that only encrypts alerts keeps that grant away from customer data.
func (b *builder) alertTopic() error {
	arn, keyArn, err := b.topic(b.name+"-alerts", b.a.Region)
	if err != nil {
		return err
	}
	b.m.TopicArn, b.m.KeyArn = arn, keyArn
	return nil
}

// GlobalRegion is where CloudFront and its web ACL publish metrics.
const GlobalRegion = "us-east-1"

// topic creates a key, a topic encrypted with it, the topic's policy and the e-mail
// subscriptions in region (opts carry the region's provider when it is not the stack's).
func (b *builder) topic(name, region string, opts ...pulumi.ResourceOption) (arn, keyArn pulumi.StringOutput, err error) {
	ctx, a := b.ctx, b.a
	resource := strings.TrimPrefix(name, b.name+"-")
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.Sprintf("%s %s topic (%s)", a.Prefix, resource, region),
		EnableKeyRotation:    pulumi.Bool(true),
		RotationPeriodInDays: pulumi.Int(365),
		DeletionWindowInDays: pulumi.Int(30),
		KeyUsage:             pulumi.String("ENCRYPT_DECRYPT"),
		Policy:               b.keyPolicy(region),
		Tags:                 b.tags(resource),
	}, b.opts(opts...)...)
	if err != nil {
		return arn, keyArn, err
	}
	if _, err := kms.NewAlias(ctx, name, &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/%s-%s", a.Prefix, resource),
		TargetKeyId: key.KeyId,
	}, b.opts(opts...)...); err != nil {
		return arn, keyArn, err
	}
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		Name:           pulumi.Sprintf("%s-%s", a.Prefix, resource),
		KmsMasterKeyId: key.Arn,
		Tags:           b.tags(resource),
	}, b.opts(opts...)...)
	if err != nil {
		return arn, keyArn, err
	}
	if _, err := sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: b.topicPolicy(topic.Arn, region),
	}, b.opts(opts...)...); err != nil {
		return arn, keyArn, err
	}
	for i, email := range a.AlertEmails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-%d", name, i), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, b.opts(opts...)...); err != nil {
			return arn, keyArn, err
		}
	}
	return topic.Arn, key.Arn, nil
}

// keyPolicy lets the account administer the key and the three publishers encrypt messages.
func (b *builder) keyPolicy(region string) pulumi.StringOutput {
	use := []string{"kms:Decrypt", "kms:GenerateDataKey*"}
	return base.PolicyDocument(
		base.Statement{
			Sid:       "AccountAdministersKey",
			Principal: base.AccountPrincipal(b.account),
			Actions:   []string{"kms:*"},
			Resources: base.Strings("*"), // in a key policy "*" means "this key"
		},
		base.Statement{
			// Scoped to this account's alarms of this region (the SNS guide's example uses
			// aws:SourceArn and aws:SourceAccount for CloudWatch).
			Sid:       "CloudWatchAlarmsPublish",
			Principal: base.ServicePrincipal(CloudWatchPrincipal),
			Actions:   use,
			Resources: base.Strings("*"),
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(b.account)},
				"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.Sprintf(alarmArnPattern, region, b.account)},
			},
		},
		base.Statement{
			// No source conditions: EventBridge's KMS requests carry none (see alertTopic);
			// the topic policy restricts which rules may publish.
			Sid:       "EventBridgePublish",
			Principal: base.ServicePrincipal(EventsPrincipal),
			Actions:   use,
			Resources: base.Strings("*"),
		},
		base.Statement{
			// The managed Prometheus alert manager publishing to an encrypted topic needs the
			// same two actions on the key
			// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-AMPpermission.html).
			Sid:       "PrometheusAlertManagerPublish",
			Principal: base.ServicePrincipal(PrometheusPrincipal),
			Actions:   use,
			Resources: base.Strings("*"),
		},
		base.Statement{
			// A service publishing to an encrypted topic needs the two actions on the key
			// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
			// no source conditions, as for EventBridge: the topic policy scopes the budgets.
			Sid:       "BudgetsPublish",
			Principal: base.ServicePrincipal(BudgetsPrincipal),
			Actions:   use,
			Resources: base.Strings("*"),
		},
	)
}

// topicPolicy lets only this account's publishers publish, each scoped with aws:SourceArn
// and aws:SourceAccount to this stack's resources in this region: CloudWatch alarms, the
// finding rules and the stack's Prometheus workspace.
func (b *builder) topicPolicy(topic pulumi.StringOutput, region string) pulumi.StringOutput {
	account, prefix := b.account, b.a.Prefix
	publish := func(sid, principal string, sources pulumi.StringInput, actions ...string) base.Statement {
		return base.Statement{
			Sid:       sid,
			Principal: base.ServicePrincipal(principal),
			Actions:   append([]string{"sns:Publish"}, actions...),
			Resources: pulumi.StringArray{topic},
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(account)},
				"ArnLike":      pulumi.Map{"aws:SourceArn": sources},
			},
		}
	}
	return base.PolicyDocument(
		base.Statement{
			Sid:       "AccountManagesTopic",
			Principal: base.AccountPrincipal(account),
			Actions: []string{"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
				"sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"},
			Resources: pulumi.StringArray{topic},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"AWS:SourceOwner": pulumi.String(account)}},
		},
		publish("CloudWatchAlarmsPublish", CloudWatchPrincipal, pulumi.Sprintf(alarmArnPattern, region, account)),
		// EventBridge rules publish with the rule's ARN as aws:SourceArn
		// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
		publish("FindingRulesPublish", EventsPrincipal, pulumi.Sprintf("arn:aws:events:%s:%s:rule/%s-*", region, account, prefix)),
		// The alert manager publishes as aps.amazonaws.com from the workspace and reads the
		// topic's attributes
		// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-AMPpermission.html).
		publish("PrometheusAlertManagerPublish", PrometheusPrincipal, pulumi.Sprintf("arn:aws:aps:%s:%s:workspace/*", region, account), "sns:GetTopicAttributes"),
		// Budgets are global: their ARNs carry no region
		// (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
		publish("BudgetsPublish", BudgetsPrincipal, pulumi.Sprintf("arn:aws:budgets::%s:*", account)),
	)
}

// findingEvents are the EventBridge patterns of the findings that page: GuardDuty findings of
// severity 7 or more (High and Critical,
// https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html) and
// Security Hub findings whose normalized severity label is HIGH or CRITICAL
// (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html).
var findingEvents = map[string]string{
	"guardduty": fmt.Sprintf(`{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],"detail":{"severity":[{"numeric":[">=",%d]}]}}`, findingSeverityFloor),
	"securityhub": `{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"],` +
		`"detail":{"findings":{"Severity":{"Label":["HIGH","CRITICAL"]},"Workflow":{"Status":["NEW"]},"RecordState":["ACTIVE"]}}}`,
}

// findingRules routes high-severity security findings of the stack's region to the topic.
func (b *builder) findingRules() error {
	for _, source := range []string{"guardduty", "securityhub"} {
		name := fmt.Sprintf("%s-%s-findings", b.name, source)
		rule, err := cloudwatch.NewEventRule(b.ctx, name, &cloudwatch.EventRuleArgs{
			Name:         pulumi.Sprintf("%s-%s-findings", b.a.Prefix, source),
			Description:  pulumi.Sprintf("%s findings of high or critical severity to the alert topic", source),
			EventPattern: pulumi.String(findingEvents[source]),
			Tags:         b.tags(source + "-findings"),
		}, b.opts()...)
		if err != nil {
			return err
		}
		if _, err := cloudwatch.NewEventTarget(b.ctx, name, &cloudwatch.EventTargetArgs{
			Rule:     rule.Name,
			TargetId: pulumi.String("alert-topic"),
			Arn:      b.m.TopicArn,
		}, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}
