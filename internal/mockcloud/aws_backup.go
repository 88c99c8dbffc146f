package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var backupModels = map[string]synthFunc{
	"aws:backup/vault:Vault":         backupVault,
	"aws:backup/plan:Plan":           backupPlan,
	"aws:backup/selection:Selection": backupSelection,
}

func backupVault(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("backup", r.Region, "backup-vault:"+phys))
	out["recoveryPoints"] = resource.NewProperty(0.0)
	return phys
}

func backupPlan(r *Resource, _ string, out resource.PropertyMap) string {
	id := uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(arn("backup", r.Region, "backup-plan:"+id))
	out["version"] = resource.NewProperty(hashID("", r.URN+"/v", 32))
	return id
}

func backupSelection(r *Resource, _ string, _ resource.PropertyMap) string {
	return hashID("", r.URN, 32)
}
