package config

import (
	"strings"
	"testing"

	"globalstack/components/regions"
)

func validEU() Map {
	return Map{
		"aws:region":                "eu-west-1",
		"globalstack:jurisdiction":  "eu",
		"globalstack:primaryRegion": "eu-west-1",
		"globalstack:drRegion":      "eu-central-1",
		"globalstack:vpcCidr":       "10.20.0.0/16",
		"globalstack:drVpcCidr":     "10.21.0.0/16",
		"globalstack:azCount":       "3",
		"globalstack:tags":          `{"owner":"platform","cost-center":"cc-1","data-classification":"confidential"}`,
		"globalstack:cluster":       `{"adminRoleArns": ["arn:aws:iam::123456789012:role/oncall"]}`,
		"globalstack:monitoring":    `{"alertEmails": ["oncall@example.com"]}`,
	}
}

func TestValidConfigParses(t *testing.T) {
	c, err := Parse("prod-eu", validEU())
	if err != nil {
		t.Fatal(err)
	}
	if c.Role != RoleCell || c.Jurisdiction != regions.EU || c.Region() != "eu-west-1" || c.VpcCIDR() != "10.20.0.0/16" {
		t.Fatalf("unexpected cell %+v", c)
	}
	if c.Sizing != SizingProd || c.Network.AZCount != 3 || c.Network.SingleNatGateway || c.Network.FlowLogRetentionDays != 365 {
		t.Fatalf("defaults not applied: %+v", c.Network)
	}
	c.Role = RoleDR
	if c.Region() != "eu-central-1" || c.VpcCIDR() != "10.21.0.0/16" {
		t.Fatalf("dr role must deploy into the DR region: %s %s", c.Region(), c.VpcCIDR())
	}
}

// Each case breaks one thing; the error must name the key.
func TestEveryInvalidValueNamesItsKey(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"unknown region", "globalstack:primaryRegion", "eu-west-9", `globalstack:primaryRegion: "eu-west-9" is not an AWS region`},
		{"dr outside jurisdiction", "globalstack:drRegion", "us-east-1", `globalstack:drRegion: "us-east-1" is outside jurisdiction "eu"`},
		{"uk is not eu", "globalstack:drRegion", "eu-west-2", `globalstack:drRegion: "eu-west-2" is outside jurisdiction "eu"`},
		{"public cidr", "globalstack:vpcCidr", "8.8.0.0/16", "globalstack:vpcCidr: \"8.8.0.0/16\" is not a private"},
		{"small cidr", "globalstack:vpcCidr", "10.20.0.0/24", "globalstack:vpcCidr: \"10.20.0.0/24\" is too small"},
		{"overlap", "globalstack:drVpcCidr", "10.20.128.0/17", "globalstack:drVpcCidr: 10.20.128.0/17 overlaps vpcCidr"},
		{"one az", "globalstack:azCount", "1", "globalstack:azCount: is 1: at least 2"},
		{"az not int", "globalstack:azCount", "three", `globalstack:azCount: "three" is not an integer`},
		{"too many azs for region", "globalstack:azCount", "4", "has only 3 zones"},
		{"unknown jurisdiction", "globalstack:jurisdiction", "uk", `unknown jurisdiction "uk"`},
		{"missing jurisdiction", "globalstack:jurisdiction", "", "globalstack:jurisdiction: is required"},
		{"missing vpc", "globalstack:vpcCidr", "", "globalstack:vpcCidr: is required"},
		{"wrong provider region", "aws:region", "us-east-1", `aws:region: is "us-east-1" but a cell stack deploys into "eu-west-1"`},
		{"missing provider region", "aws:region", "", "aws:region: is required"},
		{"bad role", "globalstack:role", "edge", `globalstack:role: "edge" is not a role`},
		{"bad sizing", "globalstack:sizing", "huge", `globalstack:sizing: "huge" is not a sizing`},
		{"bad retention", "globalstack:flowLogRetentionDays", "42", "globalstack:flowLogRetentionDays: 42 is not a retention"},
		{"failover on a cell", "globalstack:failover", "true", "globalstack:failover: only a dr stack can fail over"},
		{"bad failover mode", "globalstack:failoverMode", "sideways", `globalstack:failoverMode: "sideways" is not a failover mode`},
		{"zone of another region", "globalstack:zones", `["eu-west-1a","eu-west-1b","us-east-1a"]`, `globalstack:zones: "us-east-1a" is not a zone of eu-west-1`},
		{"zones not matching azCount", "globalstack:zones", `["eu-west-1a","eu-west-1c"]`, "globalstack:zones: lists 2 zones but azCount is 3"},
		{"bad domain", "globalstack:domain", "not a domain", `globalstack:domain: "not a domain" is not a DNS name`},
		{"missing tag", "globalstack:tags", `{"owner":"x","cost-center":"y"}`, "globalstack:tags.data-classification: is required"},
		{"tags not a map", "globalstack:tags", `["owner"]`, "globalstack:tags: must be a map of strings"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validEU()
			cfg[tc.key] = tc.value
			_, err := Parse("prod-eu", cfg)
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.key, tc.value)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "stack prod-eu") {
				t.Fatalf("error %q does not name the stack", err)
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	cfg := validEU()
	cfg["globalstack:drRegion"] = "us-west-2"
	cfg["globalstack:vpcCidr"] = "1.2.0.0/16"
	cfg["globalstack:azCount"] = "1"
	delete(cfg, "globalstack:tags")
	_, err := Parse("prod-eu", cfg)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"globalstack:drRegion", "globalstack:vpcCidr", "globalstack:azCount", "globalstack:tags"} {
		if !strings.Contains(err.Error(), key+":") {
			t.Errorf("error does not mention %s:\n%v", key, err)
		}
	}
}

func TestDRStackMustTargetItsDRRegion(t *testing.T) {
	cfg := validEU()
	cfg["globalstack:role"] = "dr"
	if _, err := Parse("prod-eu-dr", cfg); err == nil || !strings.Contains(err.Error(), `aws:region: is "eu-west-1" but a dr stack deploys into "eu-central-1"`) {
		t.Fatalf("got %v", err)
	}
	cfg["aws:region"] = "eu-central-1"
	cfg["globalstack:failover"] = "true"
	c, err := Parse("prod-eu-dr", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Failover || c.Region() != "eu-central-1" {
		t.Fatalf("got %+v", c)
	}
}

func TestDevSizingDefaultsToSingleNat(t *testing.T) {
	cfg := validEU()
	cfg["globalstack:sizing"] = "dev"
	c, err := Parse("dev-eu", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Network.SingleNatGateway {
		t.Fatal("dev sizing should share one NAT gateway")
	}
	cfg["globalstack:singleNatGateway"] = "false"
	c, err = Parse("dev-eu", cfg)
	if err != nil || c.Network.SingleNatGateway {
		t.Fatalf("explicit singleNatGateway=false ignored: %v %+v", err, c)
	}
}

func TestZonesOverride(t *testing.T) {
	cfg := validEU()
	c, err := Parse("prod-eu", cfg)
	if err != nil || strings.Join(c.StackZones(), ",") != "eu-west-1a,eu-west-1b,eu-west-1c" {
		t.Fatalf("default zones %v (%v)", c.StackZones(), err)
	}
	cfg["globalstack:azCount"] = "2"
	cfg["globalstack:zones"] = `["eu-west-1c","eu-west-1a"]`
	c, err = Parse("prod-eu", cfg)
	if err != nil || strings.Join(c.StackZones(), ",") != "eu-west-1c,eu-west-1a" {
		t.Fatalf("zones override %v (%v)", c.StackZones(), err)
	}
}
