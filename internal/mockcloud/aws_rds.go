package mockcloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var rdsModels = map[string]synthFunc{
	"aws:rds/globalCluster:GlobalCluster":                 rdsGlobalCluster,
	"aws:rds/cluster:Cluster":                             rdsCluster,
	"aws:rds/clusterInstance:ClusterInstance":             rdsClusterInstance,
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": rdsNamed("cluster-pg"),
	"aws:rds/subnetGroup:SubnetGroup":                     rdsNamed("subgrp"),
}

// rdsArn is "arn:aws:rds:<region>:<account>:<kind>:<id>" (RDS separates with colons).
func rdsArn(region, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", region, Account, kind, id)
}

func rdsGlobalCluster(r *Resource, phys string, out resource.PropertyMap) string {
	id := identifier(r, "globalClusterIdentifier", phys)
	// Global clusters are not regional: their ARN has an empty region.
	out["arn"] = resource.NewProperty(rdsArn("", "global-cluster", id))
	out["globalClusterIdentifier"] = resource.NewProperty(id)
	out["globalClusterResourceId"] = resource.NewProperty("cluster-" + strings.ToUpper(hashID("", r.URN, 26)))
	out["endpoint"] = resource.NewProperty(id + ".global-" + hashID("", r.URN, 10) + ".global.rds.amazonaws.com")
	return id
}

func rdsCluster(r *Resource, phys string, out resource.PropertyMap) string {
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
}

func rdsClusterInstance(r *Resource, phys string, out resource.PropertyMap) string {
	id := identifier(r, "identifier", phys)
	out["arn"] = resource.NewProperty(rdsArn(r.Region, "db", id))
	out["identifier"] = resource.NewProperty(id)
	out["dbiResourceId"] = resource.NewProperty("db-" + strings.ToUpper(hashID("", r.URN, 26)))
	out["endpoint"] = resource.NewProperty(fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", id, regionalHash("rds", r.Region, 12), r.Region))
	out["port"] = resource.NewProperty(5432.0)
	return id
}

// rdsNamed makes a synthesizer for RDS groups whose id is their lower-cased name and whose
// ARN resource type is kind.
func rdsNamed(kind string) synthFunc {
	return func(r *Resource, phys string, out resource.PropertyMap) string {
		id := strings.ToLower(phys)
		out["name"] = resource.NewProperty(id)
		out["arn"] = resource.NewProperty(rdsArn(r.Region, kind, id))
		return id
	}
}
