package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var ebsModels = map[string]synthFunc{
	"aws:ebs/encryptionByDefault:EncryptionByDefault": ebsEncryptionByDefault,
}

// ebsEncryptionByDefault is a setting of the account and region, with no name or ARN; the
// provider imports it as "default".
func ebsEncryptionByDefault(_ *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	return "default"
}
