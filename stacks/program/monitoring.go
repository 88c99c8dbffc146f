package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/monitoring"
	"globalstack/stacks/config"
)

// buildMonitoring creates the stack's alert topic, finding rules, alarms and dashboard over
// the tiers the other builders recorded in rb.watch.
func buildMonitoring(ctx *pulumi.Context, c *config.Cell, rb *regionBase, out Outputs) error {
	args := rb.watch
	args.Prefix = c.Stack
	args.Region = c.Region()
	args.Settings = c.Monitoring
	args.Tags = c.Tags
	m, err := monitoring.New(ctx, "monitoring", &args)
	if err != nil {
		return err
	}
	out["alertTopicArn"] = m.TopicArn
	out["dashboardName"] = m.DashboardName
	return nil
}
