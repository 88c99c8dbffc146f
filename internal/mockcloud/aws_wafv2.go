package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var wafModels = map[string]synthFunc{
	"aws:wafv2/webAcl:WebAcl": wafWebACL,
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": wafLoggingConfiguration,
	"aws:wafv2/webAclAssociation:WebAclAssociation":                   wafAssociation,
}

// wafWebACL: CLOUDFRONT-scoped ACLs live in the "global" namespace of us-east-1.
func wafWebACL(r *Resource, phys string, out resource.PropertyMap) string {
	id := uuidFrom(r.URN)
	scope := "regional"
	if stringInput(r.Inputs, "scope") == "CLOUDFRONT" {
		scope = "global"
	}
	out["arn"] = resource.NewProperty(arn("wafv2", r.Region, scope+"/webacl/"+phys+"/"+id))
	out["capacity"] = resource.NewProperty(1100.0)
	out["lockToken"] = resource.NewProperty(uuidFrom(r.URN + "/lock"))
	return id
}

func wafLoggingConfiguration(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	delete(out, "name")
	return stringInput(r.Inputs, "resourceArn")
}

// wafAssociation is identified by "<web ACL ARN>,<resource ARN>", as the provider imports it.
func wafAssociation(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	delete(out, "name")
	return stringInput(r.Inputs, "webAclArn") + "," + stringInput(r.Inputs, "resourceArn")
}
