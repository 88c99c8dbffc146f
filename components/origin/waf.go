package origin

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/shield"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// ManagedRuleGroups are the AWS managed rule groups of the regional web ACL, in evaluation
// order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// WAFLogGroupPrefix starts the name of every log group WAF logs to: "Your log group names
// must start with aws-waf-logs-"
// (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
const WAFLogGroupPrefix = "aws-waf-logs-"

// webACL protects the load balancer itself with a REGIONAL web ACL, so a request that
// reaches it by any path is inspected in the cell's region, and logs what it sees to a
// CloudWatch log group there, encrypted with the cell's log key.
func (b *builder) webACL(alb *lb.LoadBalancer) error {
	a := b.a
	// Behind CloudFront the source address is an edge server shared by many viewers, so
	// the rule counts the viewer address CloudFront puts in X-Forwarded-For; a request
	// without one did not come through CloudFront and counts against the rule
	// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-forwarded-ip-address.html).
	rules := base.WAFRules(ManagedRuleGroups, &wafv2.WebAclRuleStatementRateBasedStatementArgs{
		Limit:               pulumi.Int(a.RateLimit),
		AggregateKeyType:    pulumi.String("FORWARDED_IP"),
		EvaluationWindowSec: pulumi.Int(300),
		ForwardedIpConfig: &wafv2.WebAclRuleStatementRateBasedStatementForwardedIpConfigArgs{
			HeaderName: pulumi.String("X-Forwarded-For"), FallbackBehavior: pulumi.String("MATCH"),
		},
	})
	name := a.Prefix + "-origin"
	acl, err := wafv2.NewWebAcl(b.ctx, b.name, &wafv2.WebAclArgs{
		Name:             pulumi.String(name),
		Description:      pulumi.Sprintf("Regional protection of the %s load balancer", a.Prefix),
		Scope:            pulumi.String("REGIONAL"),
		DefaultAction:    &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:            rules,
		VisibilityConfig: base.WAFVisibility(pulumi.String(name)),
		Tags:             b.tags(name),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.o.WebACLArn = acl.Arn
	if _, err := wafv2.NewWebAclAssociation(b.ctx, b.name, &wafv2.WebAclAssociationArgs{
		ResourceArn: alb.Arn,
		WebAclArn:   acl.Arn,
	}, b.opts()...); err != nil {
		return err
	}
	group, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-waf", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(WAFLogGroupPrefix + name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.LogKeyArn,
		Tags:            b.tags(WAFLogGroupPrefix + name),
	}, b.opts()...)
	if err != nil {
		return err
	}
	// WAF delivers through CloudWatch Logs' vended-log infrastructure, which needs this
	// resource policy on the group (WAF would otherwise try to add it itself at
	// PutLoggingConfiguration time)
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html,
	// "Log group resource policy").
	policy, err := cloudwatch.NewLogResourcePolicy(b.ctx, b.name+"-waf", &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String(name + "-waf-logs"),
		PolicyDocument: base.PolicyDocument(base.Statement{
			Sid:       "WafDeliversLogs",
			Principal: base.ServicePrincipal("delivery.logs.amazonaws.com"),
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s:log-stream:*", group.Arn)},
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(b.account)},
				"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.String("arn:aws:logs:" + a.Region + ":" + b.account + ":*")},
			},
		}),
	}, b.opts()...)
	if err != nil {
		return err
	}
	_, err = wafv2.NewWebAclLoggingConfiguration(b.ctx, b.name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{group.Arn},
		RedactedFields:        base.WAFRedactedHeaders("authorization", "cookie"),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{policy}))...)
	return err
}

// ShieldAdvancedMonthlyUSD is the Shield Advanced subscription fee, per organization and
// month with a one-year commitment, before data transfer out
// (https://aws.amazon.com/shield/pricing/).
const ShieldAdvancedMonthlyUSD = 3000

// shield protects the load balancer with Shield Advanced when the setting asks for it. The
// protection needs the account's subscription, which is an organization-level, one-year
// commitment this stack does not make
// (https://docs.aws.amazon.com/waf/latest/developerguide/ddos-advanced-summary.html).
func (b *builder) shield(alb *lb.LoadBalancer) error {
	if !b.a.ShieldAdvanced {
		return nil
	}
	_, err := shield.NewProtection(b.ctx, b.name, &shield.ProtectionArgs{
		Name:        pulumi.String(b.a.Prefix + "-origin"),
		ResourceArn: alb.Arn,
		Tags:        b.tags(b.a.Prefix + "-origin"),
	}, b.opts()...)
	return err
}
