package edge

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ManagedRuleGroups are the AWS managed rule groups of the web ACL, in evaluation order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
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
