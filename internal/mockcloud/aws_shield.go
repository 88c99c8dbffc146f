package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// shieldModels: Shield Advanced is global; a protection's ARN carries no region.
var shieldModels = map[string]synthFunc{
	"aws:shield/protection:Protection": shieldProtection,
}

func shieldProtection(r *Resource, _ string, out resource.PropertyMap) string {
	id := uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(arn("shield", "", "protection/"+id))
	return id
}
