package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// iamModels: IAM is global, its ARNs carry no region.
var iamModels = map[string]synthFunc{
	"aws:iam/role:Role":                                   iamRole,
	"aws:iam/policy:Policy":                               iamPolicy,
	"aws:iam/rolePolicy:RolePolicy":                       iamRolePolicy,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":   iamRolePolicyAttachment,
	"aws:iam/instanceProfile:InstanceProfile":             iamInstanceProfile,
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": iamOIDCProvider,
	"aws:iam/accountPasswordPolicy:AccountPasswordPolicy": iamPasswordPolicy,
}

// iamPasswordPolicy is the account's one policy, imported as "iam-account-password-policy";
// expirePasswords says whether maxPasswordAge is set.
func iamPasswordPolicy(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	out["expirePasswords"] = resource.NewProperty(r.Num("maxPasswordAge") > 0)
	return "iam-account-password-policy"
}

func iamRole(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("iam", "", "role/"+phys))
	out["uniqueId"] = resource.NewProperty("AROA" + hashID("", r.URN, 16))
	return phys
}

func iamPolicy(r *Resource, phys string, out resource.PropertyMap) string {
	a := arn("iam", "", "policy/"+phys)
	out["arn"] = resource.NewProperty(a)
	out["policyId"] = resource.NewProperty("ANPA" + hashID("", r.URN, 16))
	return a
}

func iamRolePolicy(r *Resource, phys string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "role") + ":" + phys
}

func iamRolePolicyAttachment(r *Resource, _ string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "role") + "-" + hashID("", r.URN, 8)
}

func iamInstanceProfile(_ *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("iam", "", "instance-profile/"+phys))
	return phys
}

// iamOIDCProvider's ARN and id name the issuer host.
func iamOIDCProvider(r *Resource, _ string, out resource.PropertyMap) string {
	host := strings.TrimPrefix(stringInput(r.Inputs, "url"), "https://")
	a := arn("iam", "", "oidc-provider/"+host)
	out["arn"] = resource.NewProperty(a)
	return a
}
