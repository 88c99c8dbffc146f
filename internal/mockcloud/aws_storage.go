package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

func init() {
	register(map[string]synthFunc{
		"aws:backup/vault:Vault": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("backup", r.Region, "backup-vault:"+phys))
			out["recoveryPoints"] = resource.NewProperty(0.0)
			return phys
		},
		"aws:backup/plan:Plan": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := uuidFrom(r.URN)
			out["arn"] = resource.NewProperty(arn("backup", r.Region, "backup-plan:"+id))
			out["version"] = resource.NewProperty(hashID("", r.URN+"/v", 32))
			return id
		},
		"aws:backup/selection:Selection": func(r *Resource, _ string, out resource.PropertyMap) string {
			return hashID("", r.URN, 32)
		},
		"aws:s3/bucketReplicationConfig:BucketReplicationConfig": func(r *Resource, _ string, out resource.PropertyMap) string {
			return stringInput(r.Inputs, "bucket")
		},
	})
}
