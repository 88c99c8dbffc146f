package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var cloudWatchModels = map[string]synthFunc{
	"aws:cloudwatch/logGroup:LogGroup":                   logGroup,
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": logResourcePolicy,
}

// logGroup's ARN is in the "logs" service, "log-group:<name>".
func logGroup(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("logs", r.Region, "log-group:"+phys))
	return phys
}

func logResourcePolicy(r *Resource, _ string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "policyName")
}
