package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var kmsModels = map[string]synthFunc{
	"aws:kms/key:Key":               kmsKey,
	"aws:kms/replicaKey:ReplicaKey": kmsReplicaKey,
	"aws:kms/alias:Alias":           kmsAlias,
}

func kmsKey(r *Resource, _ string, out resource.PropertyMap) string {
	id := uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(arn("kms", r.Region, "key/"+id))
	out["keyId"] = resource.NewProperty(id)
	return id
}

// kmsReplicaKey has the "mrk-" id of a multi-Region key.
func kmsReplicaKey(r *Resource, _ string, out resource.PropertyMap) string {
	id := "mrk-" + hashID("", r.URN, 32)
	out["arn"] = resource.NewProperty(arn("kms", r.Region, "key/"+id))
	out["keyId"] = resource.NewProperty(id)
	return id
}

func kmsAlias(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("kms", r.Region, phys))
	out["targetKeyArn"] = resource.NewProperty(stringInput(r.Inputs, "targetKeyId"))
	return phys
}
