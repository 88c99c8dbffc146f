package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var secretsManagerModels = map[string]synthFunc{
	"aws:secretsmanager/secret:Secret":               secret,
	"aws:secretsmanager/secretVersion:SecretVersion": secretVersion,
}

// secret's id is its ARN, in which Secrets Manager appends six random characters to the name.
func secret(r *Resource, phys string, out resource.PropertyMap) string {
	a := arn("secretsmanager", r.Region, "secret:"+phys+"-"+hashID("", r.URN, 6))
	out["arn"] = resource.NewProperty(a)
	return a
}

func secretVersion(r *Resource, _ string, out resource.PropertyMap) string {
	version := uuidFrom(r.URN)
	secret := stringInput(r.Inputs, "secretId")
	out["arn"] = resource.NewProperty(secret)
	out["versionId"] = resource.NewProperty(version)
	out["versionStages"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty("AWSCURRENT")})
	return secret + "|" + version
}
