package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var cloudWatchModels = map[string]synthFunc{
	"aws:cloudwatch/logGroup:LogGroup":                   logGroup,
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": logResourcePolicy,
	"aws:cloudwatch/logMetricFilter:LogMetricFilter":     logMetricFilter,
	"aws:cloudwatch/metricAlarm:MetricAlarm":             metricAlarm,
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

// logGroup's ARN is in the "logs" service, "log-group:<name>".
func logGroup(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("logs", r.Region, "log-group:"+phys))
	return phys
}

func logResourcePolicy(r *Resource, _ string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "policyName")
}
