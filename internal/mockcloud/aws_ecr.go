package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var ecrModels = map[string]synthFunc{
	"aws:ecr/repository:Repository":                             ecrRepository,
	"aws:ecr/replicationConfiguration:ReplicationConfiguration": ecrReplicationConfiguration,
}

func ecrRepository(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("ecr", r.Region, "repository/"+phys))
	out["registryId"] = resource.NewProperty(Account)
	out["repositoryUrl"] = resource.NewProperty(Account + ".dkr.ecr." + r.Region + ".amazonaws.com/" + phys)
	return phys
}

// ecrReplicationConfiguration is registry-wide: the provider reports the account's registry id.
func ecrReplicationConfiguration(_ *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	delete(out, "name")
	out["registryId"] = resource.NewProperty(Account)
	return Account
}
