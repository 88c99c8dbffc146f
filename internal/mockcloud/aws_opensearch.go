package mockcloud

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var openSearchModels = map[string]synthFunc{
	"aws:opensearch/domain:Domain": openSearchDomain,
}

// openSearchDomain is a VPC domain: its ARN is in the "es" service and its endpoint starts
// with "vpc-".
func openSearchDomain(r *Resource, phys string, out resource.PropertyMap) string {
	name := identifier(r, "domainName", phys)
	a := fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", r.Region, Account, name)
	endpoint := fmt.Sprintf("vpc-%s-%s.%s.es.amazonaws.com", name, hashID("", r.URN, 26), r.Region)
	out["arn"] = resource.NewProperty(a)
	out["domainName"] = resource.NewProperty(name)
	out["domainId"] = resource.NewProperty(Account + "/" + name)
	out["endpoint"] = resource.NewProperty(endpoint)
	out["dashboardEndpoint"] = resource.NewProperty(endpoint + "/_dashboards")
	// The provider uses the domain ARN as the resource id.
	return a
}
