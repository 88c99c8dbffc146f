package program_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"globalstack/internal/mockcloud"
	"globalstack/stacks/plan"
)

var cells = map[string]string{"prod-us": "us-east-1", "prod-eu": "eu-west-1", "prod-jp": "ap-northeast-1"}

func planCell(t *testing.T, stack string, overrides map[string]string) *plan.Result {
	t.Helper()
	res, err := plan.NewPlanner("../..").PlanWith(stack, overrides)
	if err != nil {
		t.Fatalf("plan %s: %v", stack, err)
	}
	return res
}

func only(t *testing.T, c *mockcloud.Cloud, typ string) mockcloud.Resource {
	t.Helper()
	rs := c.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want exactly 1", len(rs), typ)
	}
	return rs[0]
}

func strs(v any) []string {
	switch list := v.(type) {
	case []string:
		return list
	case []any:
		var out []string
		for _, e := range list {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func TestEveryCellBuildsTheThreeDataStores(t *testing.T) {
	for stack, region := range cells {
		t.Run(stack, func(t *testing.T) {
			res := planCell(t, stack, nil)
			c, outs := res.Cloud, res.Outputs
			dataKey, _ := outs["dataKeyArn"].(string)
			if !strings.HasPrefix(dataKey, "arn:aws:kms:"+region+":") {
				t.Fatalf("dataKeyArn output %q", dataKey)
			}
			dataSubnets := strs(outs["dataSubnetIds"])
			if len(dataSubnets) != 3 {
				t.Fatalf("dataSubnetIds output %v", outs["dataSubnetIds"])
			}
			var appSG string
			for _, sg := range c.OfType("aws:ec2/securityGroup:SecurityGroup") {
				if sg.Name == "vpc-app" {
					appSG = sg.ID
				}
			}
			if appSG == "" {
				t.Fatal("no application security group in the plan")
			}

			g := only(t, c, "aws:rds/globalCluster:GlobalCluster")
			if g.ID != stack+"-global" || outs["globalClusterId"] != g.ID {
				t.Errorf("global cluster %q, output globalClusterId %v", g.ID, outs["globalClusterId"])
			}
			cl := only(t, c, "aws:rds/cluster:Cluster")
			if cl.Region != region || cl.Str("globalClusterIdentifier") != g.ID || cl.Str("kmsKeyId") != dataKey || !cl.Bool("storageEncrypted") {
				t.Errorf("cluster: region %q global %q key %q", cl.Region, cl.Str("globalClusterIdentifier"), cl.Str("kmsKeyId"))
			}
			if !cl.IsSecret("masterPassword") {
				t.Error("master password is not secret")
			}
			sn, _ := c.ByID(cl.Str("dbSubnetGroupName"))
			if !reflect.DeepEqual(sn.Strs("subnetIds"), dataSubnets) {
				t.Errorf("database subnets %v, want the data subnets %v", sn.Strs("subnetIds"), dataSubnets)
			}
			instances := c.OfType("aws:rds/clusterInstance:ClusterInstance")
			zones := map[string]bool{}
			for _, in := range instances {
				zones[in.Str("availabilityZone")] = true
			}
			if len(instances) != 3 || len(zones) != 3 {
				t.Errorf("%d instances in %d zones, want the prod default of 3 in 3", len(instances), len(zones))
			}

			rg := only(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
			if rg.Region != region || rg.Str("kmsKeyId") != dataKey || !rg.Bool("transitEncryptionEnabled") || !rg.Bool("multiAzEnabled") {
				t.Errorf("replication group: region %q key %q", rg.Region, rg.Str("kmsKeyId"))
			}
			csn, _ := c.ByID(rg.Str("subnetGroupName"))
			if !reflect.DeepEqual(csn.Strs("subnetIds"), dataSubnets) {
				t.Errorf("cache subnets %v", csn.Strs("subnetIds"))
			}

			d := only(t, c, "aws:opensearch/domain:Domain")
			if d.Region != region || d.Str("encryptAtRest.kmsKeyId") != dataKey || !d.Bool("nodeToNodeEncryption.enabled") {
				t.Errorf("domain: region %q key %q", d.Region, d.Str("encryptAtRest.kmsKeyId"))
			}
			if got := d.Strs("vpcOptions.subnetIds"); !reflect.DeepEqual(got, dataSubnets[:3]) {
				t.Errorf("domain subnets %v", got)
			}
			if !d.In("accessPolicies").IsNull() {
				t.Errorf("domain carries its own access policy %s: it must come from the separate domain policy", d.Str("accessPolicies"))
			}
			var access struct {
				Statement []struct{ Principal map[string][]string }
			}
			dp := only(t, c, "aws:opensearch/domainPolicy:DomainPolicy")
			if err := json.Unmarshal([]byte(dp.Str("accessPolicies")), &access); err != nil {
				t.Fatal(err)
			}
			role := "arn:aws:iam::" + mockcloud.Account + ":role/" + stack + "-storefront"
			if dp.Str("domainName") != d.Str("domainName") || len(access.Statement) != 1 || !reflect.DeepEqual(access.Statement[0].Principal["AWS"], []string{role}) {
				t.Errorf("access policy of %s: %s, want only %s", dp.Str("domainName"), dp.Str("accessPolicies"), role)
			}

			// Each store's group admits exactly its port from exactly the app group.
			ports := map[string]float64{}
			for _, store := range []struct{ ids []string }{{cl.Strs("vpcSecurityGroupIds")}, {rg.Strs("securityGroupIds")}, {d.Strs("vpcOptions.securityGroupIds")}} {
				if len(store.ids) != 1 {
					t.Errorf("security groups %v, want one", store.ids)
					continue
				}
				sg, _ := c.ByID(store.ids[0])
				if sg.Len("ingress") != 1 || !reflect.DeepEqual(sg.Strs("ingress[0].securityGroups"), []string{appSG}) || sg.Len("ingress[0].cidrBlocks") != 0 {
					t.Errorf("%s ingress %v, want only from %s", sg.Name, sg.In("ingress"), appSG)
				}
				ports[sg.Name] = sg.Num("ingress[0].fromPort")
			}
			if !reflect.DeepEqual(ports, map[string]float64{"database": 5432, "cache": 6379, "search": 443}) {
				t.Errorf("ports %v", ports)
			}
		})
	}
}

func TestDataStackOutputs(t *testing.T) {
	res := planCell(t, "prod-eu", nil)
	outs := res.Outputs
	want := map[string]string{
		"databaseEndpoint":       "prod-eu-eu-west-1.cluster-",
		"databaseReaderEndpoint": "prod-eu-eu-west-1.cluster-ro-",
		"cacheEndpoint":          "master.prod-eu-redis.",
		"searchEndpoint":         "https://vpc-prod-eu-search-",
		"databaseSecretArn":      "arn:aws:secretsmanager:eu-west-1:" + mockcloud.Account + ":secret:prod-eu/database/master-",
		"cacheSecretArn":         "arn:aws:secretsmanager:eu-west-1:" + mockcloud.Account + ":secret:prod-eu-redis/cache/auth-",
		"searchSecretArn":        "arn:aws:secretsmanager:eu-west-1:" + mockcloud.Account + ":secret:prod-eu-search/search/master-",
		"searchDomainArn":        "arn:aws:es:eu-west-1:" + mockcloud.Account + ":domain/prod-eu-search",
		"globalClusterId":        "prod-eu-global",
		"dbClusterId":            "prod-eu-eu-west-1",
		"databaseName":           "storefront",
	}
	for k, prefix := range want {
		if v, _ := outs[k].(string); !strings.HasPrefix(v, prefix) {
			t.Errorf("output %s = %v, want it to start with %q", k, outs[k], prefix)
		}
	}
	for k, port := range map[string]int{"databasePort": 5432, "cachePort": 6379, "searchPort": 443} {
		if outs[k] != port {
			t.Errorf("output %s = %v (%T), want %v", k, outs[k], outs[k], port)
		}
	}
	// No output carries a generated credential, secret-marked or not.
	var creds []string
	for _, pw := range res.Cloud.OfType("random:index/randomPassword:RandomPassword") {
		creds = append(creds, pw.Out("result").StringValue())
	}
	if len(creds) != 4 {
		t.Fatalf("%d generated credentials, want 4 (database, cache, search, storefront token key)", len(creds))
	}
	for k, v := range outs {
		raw, _ := json.Marshal(v)
		for _, cred := range creds {
			if strings.Contains(string(raw), cred) {
				t.Errorf("output %s exposes a generated credential", k)
			}
		}
	}
}

func TestDevSizingIsSmaller(t *testing.T) {
	res := planCell(t, "prod-us", map[string]string{"globalstack:sizing": "dev"})
	c := res.Cloud
	if n := len(c.OfType("aws:rds/clusterInstance:ClusterInstance")); n != 2 {
		t.Errorf("dev database has %d instances, want 2", n)
	}
	rg := only(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
	if rg.Str("nodeType") != "cache.t4g.small" || rg.Num("numCacheClusters") != 2 || rg.Num("snapshotRetentionLimit") != 1 {
		t.Errorf("dev cache %s x%v, %v days of snapshots", rg.Str("nodeType"), rg.Num("numCacheClusters"), rg.Num("snapshotRetentionLimit"))
	}
	d := only(t, c, "aws:opensearch/domain:Domain")
	if d.Str("clusterConfig.instanceType") != "t3.medium.search" || d.Num("ebsOptions.volumeSize") != 20 {
		t.Errorf("dev search %s with %v GiB", d.Str("clusterConfig.instanceType"), d.Num("ebsOptions.volumeSize"))
	}
	// Dev is cheaper, not less safe.
	if !rg.Bool("atRestEncryptionEnabled") || !d.Bool("encryptAtRest.enabled") || !only(t, c, "aws:rds/cluster:Cluster").Bool("deletionProtection") {
		t.Error("dev sizing weakened a security default")
	}
}

func TestDataConfigSectionsReachTheComponents(t *testing.T) {
	res := planCell(t, "prod-jp", map[string]string{
		"globalstack:database": `{"instances": 4, "instanceClass": "db.r7g.xlarge", "backupRetentionDays": 35}`,
		"globalstack:cache":    `{"nodes": 2}`,
		"globalstack:search":   `{"instanceCount": 6, "volumeSizeGiB": 500}`,
	})
	c := res.Cloud
	inst := c.OfType("aws:rds/clusterInstance:ClusterInstance")
	if len(inst) != 4 || inst[0].Str("instanceClass") != "db.r7g.xlarge" {
		t.Errorf("%d instances of %s", len(inst), inst[0].Str("instanceClass"))
	}
	if cl := only(t, c, "aws:rds/cluster:Cluster"); cl.Num("backupRetentionPeriod") != 35 {
		t.Errorf("backup retention %v", cl.Num("backupRetentionPeriod"))
	}
	if rg := only(t, c, "aws:elasticache/replicationGroup:ReplicationGroup"); rg.Num("numCacheClusters") != 2 {
		t.Errorf("cache nodes %v", rg.Num("numCacheClusters"))
	}
	d := only(t, c, "aws:opensearch/domain:Domain")
	if d.Num("clusterConfig.instanceCount") != 6 || d.Num("ebsOptions.volumeSize") != 500 {
		t.Errorf("search %v nodes, %v GiB", d.Num("clusterConfig.instanceCount"), d.Num("ebsOptions.volumeSize"))
	}
}

func TestBadDataConfigRegistersNothing(t *testing.T) {
	_, err := plan.NewPlanner("../..").PlanWith("prod-us", map[string]string{
		"globalstack:database": `{"instances": 1, "instancClass": "db.r6g.large"}`,
		"globalstack:search":   `{"instanceCount": 4}`,
	})
	if err == nil {
		t.Fatal("bad data config planned")
	}
	for _, want := range []string{"globalstack:database", "instancClass", "globalstack:search.instanceCount: is 4"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
