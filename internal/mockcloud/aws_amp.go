package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// ampModels: Amazon Managed Service for Prometheus. A workspace is "ws-<uuid>" with ARN
// arn:aws:aps:<region>:<account>:workspace/<id> and a remote-write/query endpoint
// https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/
// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-ingest-metrics-remote-write.html).
var ampModels = map[string]synthFunc{
	"aws:amp/workspace:Workspace":                           ampWorkspace,
	"aws:amp/scraper:Scraper":                               ampScraper,
	"aws:amp/ruleGroupNamespace:RuleGroupNamespace":         ampRuleGroupNamespace,
	"aws:amp/alertManagerDefinition:AlertManagerDefinition": ampAlertManagerDefinition,
}

func ampWorkspace(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	id := "ws-" + uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(arn("aps", r.Region, "workspace/"+id))
	out["prometheusEndpoint"] = resource.NewProperty("https://aps-workspaces." + r.Region + ".amazonaws.com/workspaces/" + id + "/")
	return id
}

// ampScraper: the service creates the scraper's role, a service-linked role named
// AWSServiceRoleForAmazonPrometheusScraper_<internal id>
// (https://docs.aws.amazon.com/prometheus/latest/userguide/using-service-linked-roles.html).
func ampScraper(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	id := "s-" + uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(arn("aps", r.Region, "scraper/"+id))
	internal := hashID("", r.URN, 17)
	out["roleArn"] = resource.NewProperty("arn:aws:iam::" + Account + ":role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_" + internal)
	return id
}

// ampRuleGroupNamespace is identified by its ARN, rulegroupsnamespace/<workspace>/<name>.
func ampRuleGroupNamespace(r *Resource, phys string, out resource.PropertyMap) string {
	a := arn("aps", r.Region, "rulegroupsnamespace/"+stringInput(r.Inputs, "workspaceId")+"/"+phys)
	out["arn"] = resource.NewProperty(a)
	return a
}

// ampAlertManagerDefinition is identified by its workspace's id (one definition per workspace).
func ampAlertManagerDefinition(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	return stringInput(r.Inputs, "workspaceId")
}
