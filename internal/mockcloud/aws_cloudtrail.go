package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var cloudTrailModels = map[string]synthFunc{
	"aws:cloudtrail/trail:Trail": cloudTrail,
}

// cloudTrail is identified by its ARN, arn:aws:cloudtrail:<region>:<account>:trail/<name>
// (the provider imports trails by ARN), and reports the region it was created in.
func cloudTrail(r *Resource, phys string, out resource.PropertyMap) string {
	a := arn("cloudtrail", r.Region, "trail/"+phys)
	out["arn"] = resource.NewProperty(a)
	out["homeRegion"] = resource.NewProperty(r.Region)
	return a
}
