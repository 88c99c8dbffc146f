package edge

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// ManagedRuleGroups are the AWS managed rule groups of the web ACL, in evaluation order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

func (b *builder) webACL(wafLogs *s3.BucketV2) (*wafv2.WebAcl, error) {
	rules := base.WAFRules(ManagedRuleGroups, &wafv2.WebAclRuleStatementRateBasedStatementArgs{
		Limit:               pulumi.Int(b.a.RateLimit),
		AggregateKeyType:    pulumi.String("IP"),
		EvaluationWindowSec: pulumi.Int(300),
	})
	acl, err := wafv2.NewWebAcl(b.ctx, b.name, &wafv2.WebAclArgs{
		Name:             pulumi.Sprintf("%s-edge", b.a.Prefix),
		Description:      pulumi.Sprintf("CloudFront protection of %s", b.a.Prefix),
		Scope:            pulumi.String("CLOUDFRONT"),
		DefaultAction:    &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:            rules,
		VisibilityConfig: base.WAFVisibility(pulumi.Sprintf("%s-edge", b.a.Prefix)),
		Tags:             b.tags(b.a.Prefix + "-edge"),
	}, b.global()...)
	if err != nil {
		return nil, err
	}
	b.e.WebACLArn = acl.Arn
	if _, err := wafv2.NewWebAclLoggingConfiguration(b.ctx, b.name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{wafLogs.Arn},
		RedactedFields:        base.WAFRedactedHeaders("authorization", "cookie"),
	}, b.global()...); err != nil {
		return nil, err
	}
	return acl, nil
}
