package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/monitoring"
	"globalstack/stacks/config"
)

// buildMonitoring creates the stack's alert topic, finding rules, alarms and dashboard over
// the tiers the other builders recorded in rb.watch. The alert topic is the stack's one
// topic that pages: the baseline's CIS alarms publish to it too, so it is built after every
// watched tier and before the baseline.
func buildMonitoring(ctx *pulumi.Context, c *config.Cell, rb *regionBase, out Outputs) (*monitoring.Monitoring, error) {
	args := rb.watch
	args.Prefix = c.Stack
	args.Region = c.Region()
	args.Settings = c.Monitoring
	args.Tags = c.Tags
	m, err := monitoring.New(ctx, "monitoring", &args)
	if err != nil {
		return nil, err
	}
	out["alertTopicArn"] = m.TopicArn
	out["dashboardName"] = m.DashboardName
	if args.Prometheus != nil {
		out["prometheusWorkspaceArn"] = m.WorkspaceArn
	}
	return m, nil
}
