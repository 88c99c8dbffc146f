package monitoring

import (
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BudgetsPrincipal is the service AWS Budgets publishes its notifications as.
const BudgetsPrincipal = "budgets.amazonaws.com"

// Budget notification thresholds: spend so far at 80 % of the limit, and the month's forecast
// reaching it.
const (
	budgetActualPercent   = 80
	budgetForecastPercent = 100
)

// budget creates the stack's monthly cost budget (none when MonthlyBudgetUSD is 0), notifying
// the alert topic.
//
// The budget is filtered by the stack's region: every stack has a region of its own, and a
// Region filter needs no cost allocation tag activated in the payer account (a TagKeyValue
// filter only sees tags activated there,
// https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html). Global
// charges (CloudFront, Route 53, the Shield subscription) are therefore outside it.
// Budgets publish to a topic of the same account only
// (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
func (b *builder) budget() error {
	limit := b.a.MonthlyBudgetUSD
	if limit == 0 {
		return nil
	}
	topics := pulumi.StringArray{b.m.TopicArn}
	_, err := budgets.NewBudget(b.ctx, b.name+"-budget", &budgets.BudgetArgs{
		Name:        pulumi.Sprintf("%s-monthly", b.a.Prefix),
		BudgetType:  pulumi.String("COST"),
		TimeUnit:    pulumi.String("MONTHLY"),
		LimitAmount: pulumi.String(strconv.FormatFloat(limit, 'f', 2, 64)),
		LimitUnit:   pulumi.String("USD"),
		CostFilters: budgets.BudgetCostFilterArray{
			budgets.BudgetCostFilterArgs{Name: pulumi.String("Region"), Values: pulumi.StringArray{pulumi.String(b.a.Region)}},
		},
		Notifications: budgets.BudgetNotificationArray{
			budgets.BudgetNotificationArgs{
				ComparisonOperator:     pulumi.String("GREATER_THAN"),
				NotificationType:       pulumi.String("ACTUAL"),
				Threshold:              pulumi.Float64(budgetActualPercent),
				ThresholdType:          pulumi.String("PERCENTAGE"),
				SubscriberSnsTopicArns: topics,
			},
			budgets.BudgetNotificationArgs{
				ComparisonOperator:     pulumi.String("GREATER_THAN"),
				NotificationType:       pulumi.String("FORECASTED"),
				Threshold:              pulumi.Float64(budgetForecastPercent),
				ThresholdType:          pulumi.String("PERCENTAGE"),
				SubscriberSnsTopicArns: topics,
			},
		},
		Tags: b.tags("budget"),
	}, b.opts()...)
	return err
}
