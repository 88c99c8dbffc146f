package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var securityHubModels = map[string]synthFunc{
	"aws:securityhub/account:Account":                             securityHubAccount,
	"aws:securityhub/standardsSubscription:StandardsSubscription": securityHubSubscription,
}

// securityHubAccount is identified by the account id; the hub's ARN is hub/default.
func securityHubAccount(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	out["arn"] = resource.NewProperty(arn("securityhub", r.Region, "hub/default"))
	return Account
}

// securityHubSubscription is identified by its subscription ARN, the standard's path under
// subscription/ in the account and region:
// arn:aws:securityhub:<region>:<account>:subscription/<standard>/v/<version>.
func securityHubSubscription(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	std := stringInput(r.Inputs, "standardsArn")
	if _, path, ok := strings.Cut(std, "::standards/"); ok {
		return arn("securityhub", r.Region, "subscription/"+path)
	}
	_, path, _ := strings.Cut(std, "::ruleset/")
	return arn("securityhub", r.Region, "subscription/"+path)
}
