package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// synthesize answers a custom resource with its id and outputs: its inputs, the generic name,
// ARN (AWS) or metadata (Kubernetes) every resource gets, then what its type's model adds.
func synthesize(r *Resource) (string, resource.PropertyMap) {
	out := r.Inputs.Copy()
	phys := stringInput(r.Inputs, "name")
	if phys == "" {
		phys = r.Name + "-" + hashID("", r.URN, 7)
		out["name"] = resource.NewProperty(phys)
	}
	id := phys
	switch packageOf(r.Type) {
	case "aws":
		svc, kind := arnParts(r.Type)
		out["arn"] = resource.NewProperty(arn(svc, r.Region, kind+"/"+phys))
		if tags, ok := r.Inputs["tags"]; ok {
			out["tagsAll"] = tags
		}
	case "kubernetes":
		id = kubernetesMeta(r, out)
	}
	if fn, ok := synthesizers[r.Type]; ok {
		id = fn(r, phys, out)
	}
	// Bridged (Terraform-based) providers keep the id among a resource's outputs, as state
	// exports show (https://www.pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/stacks/,
	// "outputs": {..., "id": "vpc-..."}); rules resolve references through it.
	if pkg := packageOf(r.Type); pkg == "aws" || pkg == "random" {
		out["id"] = resource.NewProperty(id)
	}
	return id, out
}
