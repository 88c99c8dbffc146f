package rules_test

import (
	"strings"
	"testing"

	"globalstack/policies/rules"
)

// tinyNet is a VPC with an app and a data subnet, an app group, a data group admitting
// PostgreSQL from the app group, and an Aurora cluster in the data subnet.
func tinyNet(flows []any, extra ...*rules.Resource) *rules.Stack {
	r := func(typ, name string, p map[string]any) *rules.Resource {
		return &rules.Resource{URN: "urn:pulumi:t::p::" + typ + "::" + name, Type: typ, Name: name, Props: p}
	}
	s := &rules.Stack{Name: "t", Resources: []*rules.Resource{
		r("pulumi:pulumi:Stack", "p-t", map[string]any{"flows": flows}),
		r("aws:ec2/vpc:Vpc", "vpc", map[string]any{"id": "vpc-1", "cidrBlock": "10.0.0.0/16"}),
		r("aws:ec2/subnet:Subnet", "app", map[string]any{"id": "subnet-a", "vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", "tags": map[string]any{"tier": "app"}}),
		r("aws:ec2/subnet:Subnet", "data", map[string]any{"id": "subnet-d", "vpcId": "vpc-1", "cidrBlock": "10.0.2.0/24", "tags": map[string]any{"tier": "data"}}),
		r("aws:ec2/securityGroup:SecurityGroup", "app", map[string]any{"id": "sg-app", "tags": map[string]any{"tier": "app"},
			"egress": []any{map[string]any{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": []any{"10.0.0.0/16"}}}}),
		r("aws:ec2/securityGroup:SecurityGroup", "db", map[string]any{"id": "sg-db",
			"ingress": []any{map[string]any{"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "securityGroups": []any{"sg-app"}}}}),
		r("aws:rds/subnetGroup:SubnetGroup", "db", map[string]any{"id": "db", "name": "db", "subnetIds": []any{"subnet-d"}}),
		r("aws:rds/cluster:Cluster", "db", map[string]any{"id": "db", "vpcSecurityGroupIds": []any{"sg-db"}, "dbSubnetGroupName": "db"}),
	}}
	s.Resources = append(s.Resources, extra...)
	s.Index()
	return s
}

func flow(expect string, port any, extra map[string]any) map[string]any {
	f := map[string]any{"from": map[string]any{"tier": "app"}, "to": map[string]any{"resource": map[string]any{"type": "aws:rds/cluster:Cluster", "name": "db"}},
		"protocol": "tcp", "expect": expect, "why": "test"}
	if port != nil {
		f["port"] = port
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func messages(t *testing.T, id string, s *rules.Stack) []string {
	t.Helper()
	var out []string
	for _, v := range rules.Lookup(id).CheckStack(s).Violations {
		out = append(out, v.Message)
	}
	return out
}

func TestFlowsDecidedBySecurityGroups(t *testing.T) {
	s := tinyNet([]any{flow("required", 5432.0, nil), flow("forbidden", nil, map[string]any{"ports": "0-65535", "except": []any{5432.0}})})
	for _, id := range []string{"NET-001", "NET-002", "NET-003"} {
		if m := messages(t, id, s); len(m) != 0 {
			t.Errorf("%s on a sound network: %v", id, m)
		}
	}
	s = tinyNet([]any{flow("required", 6379.0, nil), flow("forbidden", 5432.0, nil)})
	if m := messages(t, "NET-001", s); len(m) != 1 || !strings.Contains(m[0], "security group db (sg-db) ingress: no rule admits") || !strings.Contains(m[0], "tcp/6379") {
		t.Errorf("NET-001 %v", m)
	}
	if m := messages(t, "NET-002", s); len(m) != 1 || !strings.Contains(m[0], "open on tcp/5432") {
		t.Errorf("NET-002 %v", m)
	}
}

func TestNetworkACLsApplyInRuleOrder(t *testing.T) {
	acl := &rules.Resource{URN: "urn:acl", Type: "aws:ec2/networkAcl:NetworkAcl", Name: "data", Props: map[string]any{"id": "acl-1", "subnetIds": []any{"subnet-d"},
		"ingress": []any{
			map[string]any{"ruleNo": 100.0, "action": "deny", "protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrBlock": "10.0.1.0/24"},
			map[string]any{"ruleNo": 200.0, "action": "allow", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlock": "0.0.0.0/0"},
		}}}
	s := tinyNet([]any{flow("required", 5432.0, nil)}, acl)
	if m := messages(t, "NET-001", s); len(m) != 1 || !strings.Contains(m[0], "network ACL data ingress") {
		t.Errorf("NET-001 %v", m)
	}
}

func TestUnresolvedAndMissingDeclarations(t *testing.T) {
	s := tinyNet([]any{flow("required", 5432.0, map[string]any{"to": map[string]any{"vpcEndpoint": "sts"}}), map[string]any{"from": 1}})
	m := messages(t, "NET-003", s)
	if len(m) != 2 || !strings.Contains(strings.Join(m, "\n"), "no VPC endpoint for \"sts\"") || !strings.Contains(strings.Join(m, "\n"), "malformed") {
		t.Errorf("NET-003 %v", m)
	}
	component := &rules.Resource{URN: "urn:db", Type: "globalstack:database:Database", Name: "database", Props: map[string]any{}}
	if m := messages(t, "NET-003", tinyNet(nil, component)); len(m) != 1 || !strings.Contains(m[0], "the stack carries none") {
		t.Errorf("NET-003 without declarations %v", m)
	}
	if m := messages(t, "NET-003", tinyNet(nil)); len(m) != 0 {
		t.Errorf("NET-003 on a stack without flow-declaring components %v", m)
	}
}
