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
	"aws:kms/key:Key":                                           9, // 5 classes + 2 DR replica keys + the edge's key + the alert topic's
	"aws:sns/topic:Topic":                                       1, // the alert topic: the CIS alarms page through it too
	"aws:cloudwatch/dashboard:Dashboard":                        1,
	"aws:amp/workspace:Workspace":                               1, // managed Prometheus of the serving region
	"aws:amp/scraper:Scraper":                                   1,
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
	"kubernetes:networking.k8s.io/v1:Ingress":                   0,
	"kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding":       1,
	"aws:lb/loadBalancer:LoadBalancer":                          1,
	"aws:lb/listener:Listener":                                  2, // HTTPS, HTTP redirecting to it
	"aws:lb/targetGroup:TargetGroup":                            1,
	"aws:wafv2/webAclAssociation:WebAclAssociation":             1,
	"aws:shield/protection:Protection":                          0, // opt-in
	"aws:cloudfront/distribution:Distribution":                  1,
	"aws:wafv2/webAcl:WebAcl":                                   2, // CloudFront's in us-east-1, the load balancer's regional one
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig":    1,
	"aws:backup/vault:Vault":                                    2,
	"aws:ecr/replicationConfiguration:ReplicationConfiguration": 1,
	"pulumi:providers:aws":                                      3, // default (cell region), DR region, us-east-1
	// The security baseline; each production stack owns its region's single pieces.
	"aws:cloudtrail/trail:Trail":                      1,
	"aws:cloudwatch/metricAlarm:MetricAlarm":          36, // 8 CIS alarms of the baseline + 28 of monitoring
	"aws:guardduty/detector:Detector":                 1,
	"aws:cfg/recorder:Recorder":                       1,
	"aws:securityhub/account:Account":                 1,
	"aws:ebs/encryptionByDefault:EncryptionByDefault": 1,
}

var drInventory = map[bool]inventory{
	false: { // pilot light
		"aws:kms/key:Key": 6, // 5 classes + the alert topic's
		// The security baseline is on in pilot light: detection before failover.
		"aws:cloudtrail/trail:Trail":                        1,
		"aws:guardduty/detector:Detector":                   1,
		"aws:cfg/recorder:Recorder":                         1,
		"aws:sns/topic:Topic":                               1, // the alert topic, also the CIS alarms''
		"aws:cloudwatch/metricAlarm:MetricAlarm":            9, // 8 CIS alarms + the global database's replication lag
		"aws:ec2/vpc:Vpc":                                   1,
		"aws:ec2/subnet:Subnet":                             9,
		"aws:amp/workspace:Workspace":                       0, // nothing serves, nothing to scrape
		"aws:amp/scraper:Scraper":                           0,
		"aws:rds/globalCluster:GlobalCluster":               0,
		"aws:rds/cluster:Cluster":                           1,
		"aws:rds/clusterInstance:ClusterInstance":           0,
		"aws:eks/cluster:Cluster":                           1,
		"aws:eks/nodeGroup:NodeGroup":                       1,
		"kubernetes:apps/v1:Deployment":                     0,
		"aws:lb/loadBalancer:LoadBalancer":                  0, // created at failover (README, DR)
		"aws:wafv2/webAcl:WebAcl":                           0,
		"aws:elasticache/replicationGroup:ReplicationGroup": 0,
		"aws:opensearch/domain:Domain":                      0,
		"aws:cloudfront/distribution:Distribution":          0,
		"pulumi:pulumi:StackReference":                      1,
	},
	true: { // failover
		"aws:rds/globalCluster:GlobalCluster":                 0,
		"aws:rds/cluster:Cluster":                             1,
		"aws:rds/clusterInstance:ClusterInstance":             3,
		"aws:elasticache/replicationGroup:ReplicationGroup":   1,
		"aws:opensearch/domain:Domain":                        1,
		"kubernetes:apps/v1:Deployment":                       1,
		"kubernetes:networking.k8s.io/v1:Ingress":             0,
		"kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": 1,
		"aws:lb/loadBalancer:LoadBalancer":                    1,
		"aws:wafv2/webAclAssociation:WebAclAssociation":       1,
		"aws:cloudfront/distribution:Distribution":            0,
		"aws:amp/workspace:Workspace":                         1,
		"aws:amp/scraper:Scraper":                             1,
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
