package config

import (
	"strings"
	"testing"
)

func TestComputeDefaultsBySizing(t *testing.T) {
	prod, err := Parse("prod-eu", validEU())
	if err != nil {
		t.Fatal(err)
	}
	if prod.Cluster.NodeMin != 3 || prod.Cluster.NodeMax != 12 || prod.Storefront.Replicas != 3 || prod.Storefront.ImageTag != DefaultImageTag || prod.Edge.PriceClass != "PriceClass_All" {
		t.Errorf("prod defaults %+v", prod.ComputeTier)
	}
	src := validEU()
	src["globalstack:sizing"] = "dev"
	dev, err := Parse("dev-eu", src)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Cluster.NodeMin != 2 || dev.Cluster.InstanceTypes[0] != "t3.large" || dev.Storefront.Replicas != 2 || dev.Edge.PriceClass != "PriceClass_100" || dev.Edge.LogRetentionDays != 30 {
		t.Errorf("dev defaults %+v", dev.ComputeTier)
	}
}

func TestComputeSectionsOverrideFieldByField(t *testing.T) {
	src := validEU()
	src["globalstack:cluster"] = `{"nodeMin": 4, "nodeDesired": 5, "nodeMax": 20, "publicAccessCidrs": ["203.0.113.0/24"], "adminRoleArns": ["arn:aws:iam::123456789012:role/ops"]}`
	src["globalstack:storefront"] = `{"imageTag": "2.3.4", "cpuTargetPercent": 60, "env": {"FEATURE_X": "on"}}`
	src["globalstack:edge"] = `{"rateLimit": 500, "drOriginDomain": "origin-dr.shop.example.eu"}`
	c, err := Parse("prod-eu", src)
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.NodeMin != 4 || c.Cluster.NodeMax != 20 || c.Cluster.InstanceTypes[0] != "m6i.large" || c.Cluster.PublicAccessCIDRs[0] != "203.0.113.0/24" {
		t.Errorf("cluster %+v", c.Cluster)
	}
	if c.Storefront.ImageTag != "2.3.4" || c.Storefront.CPUTargetPercent != 60 || c.Storefront.Replicas != 3 || c.Storefront.Env["FEATURE_X"] != "on" {
		t.Errorf("storefront %+v", c.Storefront)
	}
	if c.Edge.RateLimit != 500 || c.Edge.DROriginDomain != "origin-dr.shop.example.eu" || c.Edge.PriceClass != "PriceClass_All" {
		t.Errorf("edge %+v", c.Edge)
	}
}

func TestInvalidComputeConfigNamesEachKey(t *testing.T) {
	cases := map[string]struct{ key, value, want string }{
		"unknown field":      {"cluster", `{"nodeMaxx": 3}`, `globalstack:cluster: json: unknown field "nodeMaxx"`},
		"not an object":      {"edge", `[1,2]`, "globalstack:edge"},
		"node order":         {"cluster", `{"nodeMin": 5, "nodeDesired": 4}`, "globalstack:cluster.nodeDesired"},
		"nodeMax":            {"cluster", `{"nodeMin": 0, "nodeDesired": 0, "nodeMax": 0}`, "globalstack:cluster.nodeMax"},
		"single node cell":   {"cluster", `{"nodeMin": 1}`, "globalstack:cluster.nodeMin"},
		"open endpoint":      {"cluster", `{"publicAccessCidrs": ["0.0.0.0/0"]}`, "globalstack:cluster.publicAccessCidrs"},
		"version":            {"cluster", `{"version": "1.24"}`, "globalstack:cluster.version"},
		"admin":              {"cluster", `{"adminRoleArns": ["root"]}`, "globalstack:cluster.adminRoleArns"},
		"retention":          {"cluster", `{"logRetentionDays": 42}`, "globalstack:cluster.logRetentionDays"},
		"latest tag":         {"storefront", `{"imageTag": "latest"}`, "globalstack:storefront.imageTag"},
		"unpinned image":     {"storefront", `{"image": "registry.example/storefront"}`, "globalstack:storefront.image"},
		"replicas":           {"storefront", `{"replicas": 20}`, "globalstack:storefront.replicas"},
		"cpu target":         {"storefront", `{"cpuTargetPercent": 150}`, "globalstack:storefront.cpuTargetPercent"},
		"quantity":           {"storefront", `{"memoryLimit": "lots"}`, "globalstack:storefront.memoryLimit"},
		"secret in env":      {"storefront", `{"env": {"PGPASSWORD": "x"}}`, "globalstack:storefront.env.PGPASSWORD"},
		"ssl mode":           {"storefront", `{"pgSslMode": "disable"}`, "globalstack:storefront.pgSslMode"},
		"rate limit":         {"edge", `{"rateLimit": 1}`, "globalstack:edge.rateLimit"},
		"price class":        {"edge", `{"priceClass": "cheap"}`, "globalstack:edge.priceClass"},
		"failover w/o DR":    {"edge", `{"failoverPaths": ["/api/products*"]}`, "globalstack:edge.failoverPaths"},
		"failover all of it": {"edge", `{"drOriginDomain": "dr.example.eu", "failoverPaths": ["/api/*"]}`, "globalstack:edge.failoverPaths"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			src := validEU()
			src["globalstack:"+tc.key] = tc.value
			_, err := Parse("prod-eu", src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestDRStackMayRunFewerNodes(t *testing.T) {
	src := validEU()
	src["aws:region"] = "eu-central-1"
	src["globalstack:role"] = "dr"
	src["globalstack:cluster"] = `{"nodeMin": 0, "nodeDesired": 0, "nodeMax": 6, "adminRoleArns": ["arn:aws:iam::123456789012:role/oncall"]}`
	c, err := Parse("prod-eu-dr", src)
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.NodeMin != 0 || c.Cluster.NodeMax != 6 {
		t.Errorf("dr cluster %+v", c.Cluster)
	}
}

// A cluster reachable only by the identity that created it locks the on-call engineer out at
// failover: every stack, DR stacks first, must name its administrators.
func TestEveryStackNamesAClusterAdministrator(t *testing.T) {
	for _, role := range []string{"cell", "dr"} {
		src := validEU()
		src["globalstack:role"] = role
		if role == "dr" {
			src["aws:region"] = "eu-central-1"
		}
		src["globalstack:cluster"] = `{"adminRoleArns": []}`
		_, err := Parse("prod-eu-"+role, src)
		if err == nil || !strings.Contains(err.Error(), "globalstack:cluster.adminRoleArns: is empty") {
			t.Fatalf("%s stack without cluster administrators: got %v", role, err)
		}
		delete(src, "globalstack:cluster")
		if _, err := Parse("prod-eu-"+role, src); err == nil || !strings.Contains(err.Error(), "globalstack:cluster.adminRoleArns") {
			t.Fatalf("%s stack with no cluster section: got %v", role, err)
		}
	}
}
