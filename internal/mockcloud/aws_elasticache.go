package mockcloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var elastiCacheModels = map[string]synthFunc{
	"aws:elasticache/replicationGroup:ReplicationGroup": elastiCacheReplicationGroup,
	"aws:elasticache/subnetGroup:SubnetGroup":           elastiCacheNamed("subnetgroup"),
	"aws:elasticache/parameterGroup:ParameterGroup":     elastiCacheNamed("parametergroup"),
}

func elastiCacheArn(region, kind, id string) string {
	return fmt.Sprintf("arn:aws:elasticache:%s:%s:%s:%s", region, Account, kind, id)
}

func elastiCacheReplicationGroup(r *Resource, phys string, out resource.PropertyMap) string {
	id := identifier(r, "replicationGroupId", phys)
	host := fmt.Sprintf("%s.%s.%s.cache.amazonaws.com", id, regionalHash("elasticache", r.Region, 6), shortRegion(r.Region))
	out["arn"] = resource.NewProperty(elastiCacheArn(r.Region, "replicationgroup", id))
	out["replicationGroupId"] = resource.NewProperty(id)
	out["primaryEndpointAddress"] = resource.NewProperty("master." + host)
	out["readerEndpointAddress"] = resource.NewProperty("replica." + host)
	out["port"] = resource.NewProperty(port(r, 6379))
	out["clusterEnabled"] = resource.NewProperty(false)
	n := int(r.Num("numCacheClusters"))
	var members []resource.PropertyValue
	for i := 1; i <= n; i++ {
		members = append(members, resource.NewProperty(fmt.Sprintf("%s-%03d", id, i)))
	}
	out["memberClusters"] = resource.NewProperty(members)
	return id
}

// elastiCacheNamed makes a synthesizer for ElastiCache groups whose id is their lower-cased
// name and whose ARN resource type is kind.
func elastiCacheNamed(kind string) synthFunc {
	return func(r *Resource, phys string, out resource.PropertyMap) string {
		id := strings.ToLower(phys)
		out["name"] = resource.NewProperty(id)
		out["arn"] = resource.NewProperty(elastiCacheArn(r.Region, kind, id))
		return id
	}
}
