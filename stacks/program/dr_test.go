package program_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"globalstack/components/regions"
	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
	"globalstack/stacks/program"
)

var drStacks = map[string]struct{ primary, drRegion string }{
	"prod-us-dr": {"prod-us", "us-west-2"},
	"prod-eu-dr": {"prod-eu", "eu-central-1"},
	"prod-jp-dr": {"prod-jp", "ap-northeast-3"},
}

// awsOutside lists the AWS resources of a plan that are not in region.
func awsOutside(res *plan.Result, region string) []string {
	var out []string
	for _, r := range res.Cloud.Resources() {
		if r.Custom && strings.HasPrefix(r.Type, "aws:") && r.Region != region {
			out = append(out, r.Type+"::"+r.Name+" in "+r.Region)
		}
	}
	return out
}

func deploymentsReplicas(res *plan.Result) (n int, replicas float64) {
	for _, d := range res.Cloud.OfType("kubernetes:apps/v1:Deployment") {
		n++
		replicas += d.Num("spec.replicas")
	}
	return n, replicas
}

func TestPilotLightRunsNothing(t *testing.T) {
	p := plan.NewPlanner("../..")
	for stack, want := range drStacks {
		t.Run(stack, func(t *testing.T) {
			res, err := p.Plan(stack)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(res.Cloud.OfType("aws:rds/clusterInstance:ClusterInstance")); n != 0 {
				t.Errorf("%d database instances in pilot light", n)
			}
			ngs := res.Cloud.OfType("aws:eks/nodeGroup:NodeGroup")
			if len(ngs) == 0 {
				t.Fatal("no node group: failover would have nowhere to scale")
			}
			for _, ng := range ngs {
				if ng.Num("scalingConfig.desiredSize") != 0 || ng.Num("scalingConfig.minSize") != 0 {
					t.Errorf("node group %s runs nodes: %v", ng.Name, ng.In("scalingConfig"))
				}
			}
			if n, replicas := deploymentsReplicas(res); replicas != 0 {
				t.Errorf("%d deployments with %v replicas in pilot light", n, replicas)
			}
			for _, typ := range []string{"aws:elasticache/replicationGroup:ReplicationGroup", "aws:opensearch/domain:Domain"} {
				if n := len(res.Cloud.OfType(typ)); n != 0 {
					t.Errorf("%d %s: cache and search are cold in pilot light", n, typ)
				}
			}
			if bad := awsOutside(res, want.drRegion); len(bad) > 0 {
				t.Errorf("resources outside the DR region %s: %v", want.drRegion, bad)
			}
			if len(res.Cloud.OfType("aws:eks/cluster:Cluster")) != 1 {
				t.Error("the EKS control plane must be provisioned in pilot light")
			}
		})
	}
}

// The secondary joins exactly the global cluster its cell created, from the cell's region,
// in the DR region: one global cluster per cell, its secondary in the DR region.
func TestSecondaryJoinsTheCellsGlobalCluster(t *testing.T) {
	p := plan.NewPlanner("../..")
	for stack, want := range drStacks {
		cell, err := p.Plan(want.primary)
		if err != nil {
			t.Fatal(err)
		}
		globals := cell.Cloud.OfType("aws:rds/globalCluster:GlobalCluster")
		if len(globals) != 1 {
			t.Fatalf("%s has %d global clusters", want.primary, len(globals))
		}
		dr, err := p.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		clusters := dr.Cloud.OfType("aws:rds/cluster:Cluster")
		if len(clusters) != 1 {
			t.Fatalf("%s has %d clusters", stack, len(clusters))
		}
		sec := clusters[0]
		if sec.Str("globalClusterIdentifier") != globals[0].Str("globalClusterIdentifier") || sec.Region != want.drRegion {
			t.Errorf("%s: secondary joins %q in %s, want %q in %s", stack, sec.Str("globalClusterIdentifier"), sec.Region,
				globals[0].Str("globalClusterIdentifier"), want.drRegion)
		}
		if sec.Str("sourceRegion") != cell.Outputs["region"] {
			t.Errorf("%s: replicates from %q, want %v", stack, sec.Str("sourceRegion"), cell.Outputs["region"])
		}
		j, _ := regions.Of(want.drRegion)
		if string(j) != cell.Outputs["jurisdiction"] {
			t.Errorf("%s: DR region %s is in %q, the cell in %v", stack, want.drRegion, j, cell.Outputs["jurisdiction"])
		}
		key := sec.Str("kmsKeyId")
		if !strings.Contains(key, ":"+want.drRegion+":") {
			t.Errorf("%s: secondary encrypted with %q, not a key of %s", stack, key, want.drRegion)
		}
	}
}

func TestFailoverModeServesFromTheDRRegion(t *testing.T) {
	p := plan.NewPlanner("../..")
	for stack, want := range drStacks {
		t.Run(stack, func(t *testing.T) {
			res, err := p.PlanWith(stack, map[string]string{config.Key("failover"): "true"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outputs["mode"] != "failover" {
				t.Errorf("mode output %v", res.Outputs["mode"])
			}
			sec := res.Cloud.OfType("aws:rds/cluster:Cluster")[0]
			if !sec.In("globalClusterIdentifier").IsNull() {
				t.Errorf("the promoted cluster still names global cluster %q", sec.Str("globalClusterIdentifier"))
			}
			if n := len(res.Cloud.OfType("aws:rds/clusterInstance:ClusterInstance")); n < 2 {
				t.Errorf("%d database instances: failover needs a writer and a reader", n)
			}
			ngs := res.Cloud.OfType("aws:eks/nodeGroup:NodeGroup")
			if len(ngs) == 0 {
				t.Fatal("no node group in failover mode")
			}
			for _, ng := range ngs {
				if ng.Num("scalingConfig.desiredSize") < 2 {
					t.Errorf("node group %s: %v", ng.Name, ng.In("scalingConfig"))
				}
			}
			if n, replicas := deploymentsReplicas(res); n != 1 || replicas < 2 {
				t.Errorf("storefront: %d deployments, %v replicas", n, replicas)
			}
			for _, typ := range []string{"aws:elasticache/replicationGroup:ReplicationGroup", "aws:opensearch/domain:Domain"} {
				if n := len(res.Cloud.OfType(typ)); n != 1 {
					t.Errorf("%d %s in failover mode", n, typ)
				}
			}
			if bad := awsOutside(res, want.drRegion); len(bad) > 0 {
				t.Errorf("resources outside the DR region %s: %v", want.drRegion, bad)
			}
			dep := res.Cloud.OfType("kubernetes:apps/v1:Deployment")[0]
			image := dep.Str("spec.template.spec.containers[0].image")
			if !strings.Contains(image, ".dkr.ecr."+want.drRegion+".amazonaws.com/") {
				t.Errorf("storefront image %q is not the DR region's replica", image)
			}
			if origin := res.Outputs["originDomain"]; !strings.HasPrefix(origin.(string), program.DROriginHost+".") {
				t.Errorf("origin %v is not the DR origin the cell's edge fails over to", origin)
			}
			// Writes follow too: the DR origin joins the cell's API failover name as SECONDARY.
			secondary := 0
			for _, r := range res.Cloud.OfType("aws:route53/record:Record") {
				if strings.HasPrefix(r.Str("name"), "api-origin.") && r.Str("failoverRoutingPolicies[0].type") == "SECONDARY" &&
					r.Str("aliases[0].name") == res.Cloud.OfType("aws:lb/loadBalancer:LoadBalancer")[0].Out("dnsName").StringValue() {
					secondary++
				}
			}
			if secondary != 1 {
				t.Errorf("%d SECONDARY api-origin records pointing at the DR origin, want 1", secondary)
			}
			// The load balancer admits CloudFront only.
			albGroups := 0
			for _, sg := range res.Cloud.OfType("aws:ec2/securityGroup:SecurityGroup") {
				if sg.Name != "origin-alb" {
					continue
				}
				albGroups++
				if sg.Len("ingress") != 1 || len(sg.Strs("ingress[0].prefixListIds")) != 1 || sg.Len("ingress[0].cidrBlocks") != 0 {
					t.Errorf("load balancer security group %v", sg.In("ingress"))
				}
			}
			if albGroups != 1 {
				t.Errorf("%d load balancer security groups, want 1", albGroups)
			}
			// The storefront reads the replicated credentials secret of this region.
			policies := res.Cloud.OfType("aws:iam/rolePolicy:RolePolicy")
			found := false
			for _, pol := range policies {
				if strings.Contains(pol.Str("policy"), "arn:aws:secretsmanager:"+want.drRegion+":") &&
					strings.Contains(pol.Str("policy"), "/database/master") {
					found = true
				}
			}
			if !found {
				t.Error("no role may read the replicated database secret in the DR region")
			}
		})
	}
}

func TestDRConfigOutsideTheJurisdictionFails(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.prod-eu.yaml", "Pulumi.prod-eu-dr.yaml"} {
		raw, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "Pulumi.prod-eu-dr.yaml" {
			raw = []byte(strings.NewReplacer("eu-central-1", "us-east-1").Replace(string(raw)))
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := plan.NewPlanner(dir).Plan("prod-eu-dr")
	if err == nil || !strings.Contains(err.Error(), `globalstack:drRegion: "us-east-1" is outside jurisdiction "eu"`) {
		t.Fatalf("got %v", err)
	}
}

// After a planned switchover the DR cluster is the global writer: it must stay a member.
func TestSwitchoverKeepsTheGlobalCluster(t *testing.T) {
	res, err := plan.NewPlanner("../..").PlanWith("prod-eu-dr", map[string]string{
		config.Key("failover"): "true", config.Key("failoverMode"): config.FailoverSwitchover,
	})
	if err != nil {
		t.Fatal(err)
	}
	sec := res.Cloud.OfType("aws:rds/cluster:Cluster")[0]
	if sec.Str("globalClusterIdentifier") != "prod-eu-global" {
		t.Errorf("after a switchover the cluster names global cluster %q, want prod-eu-global", sec.Str("globalClusterIdentifier"))
	}
	if n := len(res.Cloud.OfType("aws:rds/clusterInstance:ClusterInstance")); n < 2 {
		t.Errorf("%d instances after a switchover", n)
	}
}

// A failover deploys the DR copy of the cell's image: both stack files name the same release.
func TestDRStacksDeployTheCellsRelease(t *testing.T) {
	for stack, want := range drStacks {
		var tags []string
		for _, s := range []string{want.primary, stack} {
			cfg, err := pulumifiles.LoadConfig("../..", config.Project, s)
			if err != nil {
				t.Fatal(err)
			}
			c, err := config.Parse(s, config.Map(cfg))
			if err != nil {
				t.Fatal(err)
			}
			tags = append(tags, c.Storefront.Image+"|"+c.Storefront.Repository+":"+c.Storefront.ImageTag)
		}
		if tags[0] != tags[1] {
			t.Errorf("%s deploys %s but its cell %s", stack, tags[1], tags[0])
		}
	}
}

// TestCellAndDROwnDistinctRecords: ACM asks every certificate for a name (in any region) for
// the same validation CNAME, so the cell's and the DR stack's certificates for the shared
// failover name meet on one record. Only one stack may manage it: a DR stack returning to
// pilot light would delete it and the cell's certificate could no longer renew.
func TestCellAndDROwnDistinctRecords(t *testing.T) {
	p := plan.NewPlanner("../..")
	for stack, want := range drStacks {
		t.Run(stack, func(t *testing.T) {
			cell, err := p.Plan(want.primary)
			if err != nil {
				t.Fatal(err)
			}
			dr, err := p.PlanWith(stack, map[string]string{config.Key("failover"): "true"})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			owners := check.RecordOwners(cell.Deployment(now), dr.Deployment(now))
			if len(owners) == 0 {
				t.Fatal("no Route 53 records planned: the cell has a domain")
			}
			for key, stacks := range owners {
				if len(stacks) > 1 {
					t.Errorf("record %s is managed by %v", key, stacks)
				}
			}
			// The DR certificate still names the shared record, so it validates through it.
			var validations int
			for _, v := range dr.Cloud.OfType("aws:acm/certificateValidation:CertificateValidation") {
				validations++
				if n := len(v.Strs("validationRecordFqdns")); n != 2 {
					t.Errorf("DR certificate validation lists %d records, want its own and the cell's", n)
				}
			}
			if validations != 1 {
				t.Errorf("%d certificate validations in failover mode, want 1", validations)
			}
		})
	}
}
