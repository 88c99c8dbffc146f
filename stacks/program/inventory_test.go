package program_test

import (
	"testing"

	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// inventory is how many resources of a type a stack must have.
type inventory map[string]int

var cellInventory = inventory{
	"globalstack:keys:Keys":                                     2, // the region's keys and the DR-side replica keys
	"aws:kms/key:Key":                                           8, // 4 classes + 2 DR replica keys + the edge's key + the alert topic's
	"aws:sns/topic:Topic":                                       1,
	"aws:cloudwatch/dashboard:Dashboard":                        1,
	"aws:ec2/vpc:Vpc":                                           1,
	"aws:ec2/subnet:Subnet":                                     9, // 3 tiers x 3 zones
	"aws:ec2/natGateway:NatGateway":                             3,
	"aws:ec2/flowLog:FlowLog":                                   1,
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":         1,
	"aws:rds/globalCluster:GlobalCluster":                       1,
	"aws:rds/cluster:Cluster":                                   1,
	"aws:rds/clusterInstance:ClusterInstance":                   3,
	"aws:elasticache/replicationGroup:ReplicationGroup":         1,
	"aws:opensearch/domain:Domain":                              1,
	"aws:eks/cluster:Cluster":                                   1,
	"aws:eks/nodeGroup:NodeGroup":                               1,
	"kubernetes:apps/v1:Deployment":                             1,
	"kubernetes:networking.k8s.io/v1:Ingress":                   1,
	"aws:cloudfront/distribution:Distribution":                  1,
	"aws:wafv2/webAcl:WebAcl":                                   1,
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig":    1,
	"aws:backup/vault:Vault":                                    2,
	"aws:ecr/replicationConfiguration:ReplicationConfiguration": 1,
	"pulumi:providers:aws":                                      3, // default (cell region), DR region, us-east-1
}

var drInventory = map[bool]inventory{
	false: { // pilot light
		"aws:kms/key:Key":                                   5, // 4 classes + the alert topic's
		"aws:sns/topic:Topic":                               1,
		"aws:cloudwatch/metricAlarm:MetricAlarm":            1, // the global database's replication lag
		"aws:ec2/vpc:Vpc":                                   1,
		"aws:ec2/subnet:Subnet":                             9,
		"aws:rds/globalCluster:GlobalCluster":               0,
		"aws:rds/cluster:Cluster":                           1,
		"aws:rds/clusterInstance:ClusterInstance":           0,
		"aws:eks/cluster:Cluster":                           1,
		"aws:eks/nodeGroup:NodeGroup":                       1,
		"kubernetes:apps/v1:Deployment":                     0,
		"aws:elasticache/replicationGroup:ReplicationGroup": 0,
		"aws:opensearch/domain:Domain":                      0,
		"aws:cloudfront/distribution:Distribution":          0,
		"pulumi:pulumi:StackReference":                      1,
	},
	true: { // failover
		"aws:rds/globalCluster:GlobalCluster":               0,
		"aws:rds/cluster:Cluster":                           1,
		"aws:rds/clusterInstance:ClusterInstance":           3,
		"aws:elasticache/replicationGroup:ReplicationGroup": 1,
		"aws:opensearch/domain:Domain":                      1,
		"kubernetes:apps/v1:Deployment":                     1,
		"kubernetes:networking.k8s.io/v1:Ingress":           1,
		"aws:cloudfront/distribution:Distribution":          0,
	},
}

func checkInventory(t *testing.T, res *plan.Result, want inventory) {
	t.Helper()
	got := res.Cloud.CountByType()
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: %d x %s, want %d", res.Stack, got[typ], typ, n)
		}
	}
}

func TestResourceInventoryPerStack(t *testing.T) {
	p := plan.NewPlanner("../..")
	for _, stack := range []string{"prod-us", "prod-eu", "prod-jp"} {
		res, err := p.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		checkInventory(t, res, cellInventory)
	}
	for stack := range drStacks {
		for _, failover := range []bool{false, true} {
			res, err := p.PlanWith(stack, map[string]string{config.Key("failover"): map[bool]string{false: "false", true: "true"}[failover]})
			if err != nil {
				t.Fatal(err)
			}
			checkInventory(t, res, drInventory[failover])
		}
	}
}
