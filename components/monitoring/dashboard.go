package monitoring

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// widget is one graph of the stack's dashboard: the metric of an alarm, with its threshold.
type widget struct{ alarm instance }

// BusinessDashboard is the Grafana dashboard of the storefront's business metrics (orders,
// revenue, conversion, payment failures, carts), which live in Prometheus, not CloudWatch.
const BusinessDashboard = "components/monitoring/dashboards/storefront.json"

// dashboard creates the stack's CloudWatch dashboard: a business row (traffic at the edge and
// where the business metrics are), then one graph per alarm, grouped by tier in catalog order.
// Each graph is the alarm's own metric and dimensions, so the dashboard cannot drift from the
// alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
func (b *builder) dashboard() error {
	widgets := pulumi.Array{b.textWidget("## Business\nOrders per minute, revenue by currency, conversion (orders / checkouts started), " +
		"payment failures and cart abandonment are Prometheus metrics of the storefront in this stack's managed Prometheus workspace; " +
		"the Grafana dashboard is `" + BusinessDashboard + "`. Alerts on them (order drop, payment failure ratio, SLO burn rates) page through the same topic.")}
	if e := b.a.Edge; e != nil {
		widgets = append(widgets, pulumi.Map{
			"type": pulumi.String("metric"), "width": pulumi.Int(12), "height": pulumi.Int(6),
			"properties": pulumi.Map{
				"title":   pulumi.String("Requests at the edge (CloudFront)"),
				"region":  pulumi.String(GlobalRegion),
				"stat":    pulumi.String("Sum"),
				"period":  pulumi.Int(60),
				"metrics": pulumi.Array{pulumi.Array{pulumi.String("AWS/CloudFront"), pulumi.String("Requests"), pulumi.String("DistributionId"), e.DistributionID, pulumi.String("Region"), pulumi.String("Global")}},
			},
		})
	}
	widgets = append(widgets, b.textWidget("## Technical\nOne graph per alarm, its threshold drawn; the alarm's description says what it means and what to check first."))
	for _, w := range b.widgets {
		widgets = append(widgets, b.metricWidget(w.alarm))
	}
	d, err := cloudwatch.NewDashboard(b.ctx, b.name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(b.a.Prefix),
		DashboardBody: pulumi.JSONMarshal(pulumi.Map{"widgets": widgets}),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.m.DashboardName = d.DashboardName
	return nil
}

func (b *builder) textWidget(markdown string) pulumi.Map {
	return pulumi.Map{"type": pulumi.String("text"), "width": pulumi.Int(24), "height": pulumi.Int(2),
		"properties": pulumi.Map{"markdown": pulumi.String(markdown)}}
}

// metricWidget graphs an alarm's metric (both metrics of a ratio alarm) in the alarm's region.
func (b *builder) metricWidget(in instance) pulumi.Map {
	region := b.a.Region
	if in.Tier == TierCloudFront || in.Tier == TierWAF {
		region = GlobalRegion
	}
	line := func(metric string) pulumi.Array {
		l := pulumi.Array{pulumi.String(in.Namespace), pulumi.String(metric)}
		for _, k := range sortedKeys(in.dims) {
			l = append(l, pulumi.String(k), in.dims[k])
		}
		return l
	}
	metrics := pulumi.Array{line(in.Metric)}
	stat := in.Statistic
	if in.Extended != "" {
		stat = in.Extended
	}
	if in.Ratio != "" {
		metrics = append(metrics, line(in.Ratio))
		stat = "Sum"
	}
	props := pulumi.Map{
		"title":   pulumi.String(in.name + ": " + in.Metric),
		"region":  pulumi.String(region),
		"stat":    pulumi.String(stat),
		"period":  pulumi.Int(in.Period),
		"metrics": metrics,
	}
	if in.Ratio == "" {
		props["annotations"] = pulumi.Map{"horizontal": pulumi.Array{pulumi.Map{
			"label": pulumi.String("alarm"), "value": pulumi.Float64(in.Threshold)}}}
	}
	return pulumi.Map{"type": pulumi.String("metric"), "width": pulumi.Int(8), "height": pulumi.Int(6), "properties": props}
}

func sortedKeys(m pulumi.StringMap) []string {
	return slices.Sorted(maps.Keys(m))
}
