package mockcloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// regionalHash is the per-account, per-region token AWS puts in data store hostnames
// ("c9akciq32xyz" in "<id>.cluster-c9akciq32xyz.us-east-1.rds.amazonaws.com").
func regionalHash(service, region string, n int) string {
	return hashID("", service+"/"+Account+"/"+region, n)
}

// identifier returns the input that names a resource to AWS, or the physical name the
// provider would generate, lower-cased the way RDS and ElastiCache store identifiers.
func identifier(r *Resource, input resource.PropertyKey, phys string) string {
	if id := stringInput(r.Inputs, input); id != "" {
		return strings.ToLower(id)
	}
	return strings.ToLower(phys)
}

// rdsArn is "arn:aws:rds:<region>:<account>:<kind>:<id>" (RDS separates with colons).
func rdsArn(region, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", region, Account, kind, id)
}

// port returns the numeric port input, or def.
func port(r *Resource, def float64) float64 {
	if p := r.Num("port"); p > 0 {
		return p
	}
	return def
}

func init() {
	register(map[string]synthFunc{
		"aws:rds/globalCluster:GlobalCluster": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := identifier(r, "globalClusterIdentifier", phys)
			// Global clusters are not regional: their ARN has an empty region.
			out["arn"] = resource.NewProperty(rdsArn("", "global-cluster", id))
			out["globalClusterIdentifier"] = resource.NewProperty(id)
			out["globalClusterResourceId"] = resource.NewProperty("cluster-" + strings.ToUpper(hashID("", r.URN, 26)))
			out["endpoint"] = resource.NewProperty(id + ".global-" + hashID("", r.URN, 10) + ".global.rds.amazonaws.com")
			return id
		},
		"aws:rds/cluster:Cluster": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := identifier(r, "clusterIdentifier", phys)
			h := regionalHash("rds", r.Region, 12)
			out["arn"] = resource.NewProperty(rdsArn(r.Region, "cluster", id))
			out["clusterIdentifier"] = resource.NewProperty(id)
			out["clusterResourceId"] = resource.NewProperty("cluster-" + strings.ToUpper(hashID("", r.URN, 26)))
			out["endpoint"] = resource.NewProperty(fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", id, h, r.Region))
			out["readerEndpoint"] = resource.NewProperty(fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", id, h, r.Region))
			out["port"] = resource.NewProperty(port(r, 5432))
			out["hostedZoneId"] = resource.NewProperty("Z" + strings.ToUpper(hashID("", "rds/"+r.Region, 13)))
			return id
		},
		"aws:rds/clusterInstance:ClusterInstance": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := identifier(r, "identifier", phys)
			out["arn"] = resource.NewProperty(rdsArn(r.Region, "db", id))
			out["identifier"] = resource.NewProperty(id)
			out["dbiResourceId"] = resource.NewProperty("db-" + strings.ToUpper(hashID("", r.URN, 26)))
			out["endpoint"] = resource.NewProperty(fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", id, regionalHash("rds", r.Region, 12), r.Region))
			out["port"] = resource.NewProperty(5432.0)
			return id
		},
		"aws:rds/clusterParameterGroup:ClusterParameterGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := strings.ToLower(phys)
			out["name"] = resource.NewProperty(id)
			out["arn"] = resource.NewProperty(rdsArn(r.Region, "cluster-pg", id))
			return id
		},
		"aws:rds/subnetGroup:SubnetGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := strings.ToLower(phys)
			out["name"] = resource.NewProperty(id)
			out["arn"] = resource.NewProperty(rdsArn(r.Region, "subgrp", id))
			return id
		},
		"aws:elasticache/replicationGroup:ReplicationGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := identifier(r, "replicationGroupId", phys)
			host := fmt.Sprintf("%s.%s.%s.cache.amazonaws.com", id, regionalHash("elasticache", r.Region, 6), shortRegion(r.Region))
			out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", r.Region, Account, id))
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
		},
		"aws:elasticache/subnetGroup:SubnetGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := strings.ToLower(phys)
			out["name"] = resource.NewProperty(id)
			out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:elasticache:%s:%s:subnetgroup:%s", r.Region, Account, id))
			return id
		},
		"aws:elasticache/parameterGroup:ParameterGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := strings.ToLower(phys)
			out["name"] = resource.NewProperty(id)
			out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:elasticache:%s:%s:parametergroup:%s", r.Region, Account, id))
			return id
		},
		"aws:opensearch/domain:Domain": func(r *Resource, phys string, out resource.PropertyMap) string {
			name := identifier(r, "domainName", phys)
			a := fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", r.Region, Account, name)
			endpoint := fmt.Sprintf("vpc-%s-%s.%s.es.amazonaws.com", name, hashID("", r.URN, 26), r.Region)
			out["arn"] = resource.NewProperty(a)
			out["domainName"] = resource.NewProperty(name)
			out["domainId"] = resource.NewProperty(Account + "/" + name)
			out["endpoint"] = resource.NewProperty(endpoint)
			out["dashboardEndpoint"] = resource.NewProperty(endpoint + "/_dashboards")
			// The provider uses the domain ARN as the resource id.
			return a
		},
		"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": func(r *Resource, _ string, _ resource.PropertyMap) string {
			return stringInput(r.Inputs, "policyName")
		},
		"aws:secretsmanager/secret:Secret": func(r *Resource, phys string, out resource.PropertyMap) string {
			// Secrets Manager appends six random characters to the name in the ARN.
			a := arn("secretsmanager", r.Region, "secret:"+phys+"-"+hashID("", r.URN, 6))
			out["arn"] = resource.NewProperty(a)
			return a
		},
		"aws:secretsmanager/secretVersion:SecretVersion": func(r *Resource, _ string, out resource.PropertyMap) string {
			version := uuidFrom(r.URN)
			secret := stringInput(r.Inputs, "secretId")
			out["arn"] = resource.NewProperty(secret)
			out["versionId"] = resource.NewProperty(version)
			out["versionStages"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty("AWSCURRENT")})
			return secret + "|" + version
		},
	})
}
