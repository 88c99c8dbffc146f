package base

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WAFVisibility is the visibility of a web ACL or rule: CloudWatch metrics under metric and
// sampled requests, both on.
func WAFVisibility(metric pulumi.StringInput) *wafv2.WebAclVisibilityConfigArgs {
	return &wafv2.WebAclVisibilityConfigArgs{
		CloudwatchMetricsEnabled: pulumi.Bool(true),
		MetricName:               metric,
		SampledRequestsEnabled:   pulumi.Bool(true),
	}
}

// WAFRules are a web ACL's rules: each AWS managed rule group of groups in order, with its own
// actions (no override), then a rule "RateLimitPerIP" that blocks what rate counts over its
// limit.
func WAFRules(groups []string, rate *wafv2.WebAclRuleStatementRateBasedStatementArgs) wafv2.WebAclRuleArray {
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}
	var rules wafv2.WebAclRuleArray
	for i, group := range groups {
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
	return append(rules, wafv2.WebAclRuleArgs{
		Name:             pulumi.String("RateLimitPerIP"),
		Priority:         pulumi.Int(len(groups)),
		Action:           &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
		Statement:        &wafv2.WebAclRuleStatementArgs{RateBasedStatement: rate},
		VisibilityConfig: visibility("RateLimitPerIP"),
	})
}

// WAFRedactedHeaders keeps the named headers out of a web ACL's logs.
func WAFRedactedHeaders(headers ...string) wafv2.WebAclLoggingConfigurationRedactedFieldArray {
	var out wafv2.WebAclLoggingConfigurationRedactedFieldArray
	for _, h := range headers {
		out = append(out, wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		})
	}
	return out
}
