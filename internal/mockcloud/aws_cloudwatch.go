package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var cloudWatchModels = map[string]synthFunc{
	"aws:cloudwatch/logGroup:LogGroup":                   logGroup,
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": logResourcePolicy,
	"aws:cloudwatch/logMetricFilter:LogMetricFilter":     logMetricFilter,
	"aws:cloudwatch/metricAlarm:MetricAlarm":             metricAlarm,
	"aws:cloudwatch/eventRule:EventRule":                 eventRule,
	"aws:cloudwatch/eventTarget:EventTarget":             eventTarget,
	"aws:cloudwatch/dashboard:Dashboard":                 dashboard,
}

// logMetricFilter is identified by its name and has no ARN.
func logMetricFilter(_ *Resource, phys string, out resource.PropertyMap) string {
	delete(out, "arn")
	return phys
}

// metricAlarm is identified by its name; its ARN is "alarm:<name>" in the "cloudwatch"
// service.
func metricAlarm(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("cloudwatch", r.Region, "alarm:"+phys))
	return phys
}

// eventRule on the default bus is identified by its name; its ARN is "rule/<name>" in the
// "events" service.
func eventRule(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("events", r.Region, "rule/"+phys))
	out["eventBusName"] = resource.NewProperty("default")
	return phys
}

// eventTarget is identified by "<rule>-<target id>" and has no ARN of its own: its "arn" is
// the target's, an input, which the generic ARN must not replace.
func eventTarget(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	out["arn"] = r.Inputs["arn"]
	out["eventBusName"] = resource.NewProperty("default")
	return stringInput(r.Inputs, "rule") + "-" + stringInput(r.Inputs, "targetId")
}

// dashboard is identified by its name; dashboards are global, so the ARN has no region.
func dashboard(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	name := stringInput(r.Inputs, "dashboardName")
	out["dashboardArn"] = resource.NewProperty("arn:aws:cloudwatch::" + Account + ":dashboard/" + name)
	return name
}

// logGroup's ARN is in the "logs" service, "log-group:<name>".
func logGroup(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("logs", r.Region, "log-group:"+phys))
	return phys
}

func logResourcePolicy(r *Resource, _ string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "policyName")
}
