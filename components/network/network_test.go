package network

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const logKey = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"

func args() *Args {
	return &Args{
		Region:               "eu-west-1",
		CIDR:                 "10.20.0.0/16",
		Zones:                []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		FlowLogKeyArn:        pulumi.String(logKey),
		FlowLogRetentionDays: 365,
		Tags:                 map[string]string{"owner": "platform", "cost-center": "cc", "data-classification": "c"},
	}
}

func build(t *testing.T, a *Args) *mockcloud.Cloud {
	t.Helper()
	c, err := mockcloudtest.RunProgram(t, a.Region, func(ctx *pulumi.Context) error {
		_, err := New(ctx, "vpc", a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPlanCarvesDisjointTiers(t *testing.T) {
	plan, err := Plan("10.20.0.0/16", 6)
	if err != nil {
		t.Fatal(err)
	}
	vpc := netip.MustParsePrefix("10.20.0.0/16")
	var all []netip.Prefix
	for tier, want := range map[Tier]int{App: 20, Data: 22, Public: 22} {
		for _, s := range plan[tier] {
			p := netip.MustParsePrefix(s)
			if p.Bits() != want || !vpc.Contains(p.Addr()) {
				t.Errorf("%s subnet %s: want a /%d inside %s", tier, s, want, vpc)
			}
			all = append(all, p)
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].Overlaps(all[j]) {
				t.Errorf("%s overlaps %s", all[i], all[j])
			}
		}
	}
	if plan[App][1] != "10.20.16.0/20" || plan[Data][0] != "10.20.128.0/22" || plan[Public][0] != "10.20.192.0/22" {
		t.Errorf("unexpected layout %v", plan)
	}
}

func TestEveryChildIsParentedAndTagged(t *testing.T) {
	c := build(t, args())
	mockcloudtest.RequireParented(t, c, "globalstack:network:Vpc")
	untaggable := map[string]bool{
		"aws:ec2/route:Route": true, "aws:ec2/routeTableAssociation:RouteTableAssociation": true,
		"aws:iam/rolePolicy:RolePolicy": true,
	}
	for _, r := range c.Resources() {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") || untaggable[r.Type] {
			continue
		}
		tags := r.Tags()
		if tags["owner"] != "platform" || tags["Name"] == "" {
			t.Errorf("%s tags %v lack owner/Name", r.URN, tags)
		}
		if r.Region != "eu-west-1" {
			t.Errorf("%s is in %q", r.URN, r.Region)
		}
	}
}

func TestSubnetTiersAndRouting(t *testing.T) {
	c := build(t, args())
	tierOf := map[string]string{} // subnet id -> tier
	for _, s := range c.OfType("aws:ec2/subnet:Subnet") {
		tierOf[s.ID] = s.Tags()["tier"]
		if s.Bool("mapPublicIpOnLaunch") {
			t.Errorf("%s gives instances public IPs", s.Name)
		}
	}
	if len(tierOf) != 9 {
		t.Fatalf("want 9 subnets, got %d", len(tierOf))
	}
	// route table id -> default route target
	defaultRoute := map[string]string{}
	for _, r := range c.OfType("aws:ec2/route:Route") {
		if r.Str("destinationCidrBlock") == "0.0.0.0/0" {
			defaultRoute[r.Str("routeTableId")] = r.Str("gatewayId") + r.Str("natGatewayId")
		}
	}
	seen := map[string]int{}
	for _, a := range c.OfType("aws:ec2/routeTableAssociation:RouteTableAssociation") {
		tier := tierOf[a.Str("subnetId")]
		target := defaultRoute[a.Str("routeTableId")]
		seen[tier]++
		switch tier {
		case "public":
			if !strings.HasPrefix(target, "igw-") {
				t.Errorf("public subnet routes to %q, want the internet gateway", target)
			}
		case "app":
			if !strings.HasPrefix(target, "nat-") {
				t.Errorf("app subnet routes to %q, want a NAT gateway", target)
			}
		case "data":
			if target != "" {
				t.Errorf("data subnet has a route to the internet via %q", target)
			}
		default:
			t.Errorf("association to unknown subnet %q", a.Str("subnetId"))
		}
	}
	if seen["public"] != 3 || seen["app"] != 3 || seen["data"] != 3 {
		t.Errorf("associations per tier: %v", seen)
	}
	if n := len(c.OfType("aws:ec2/natGateway:NatGateway")); n != 3 {
		t.Errorf("want a NAT gateway per zone, got %d", n)
	}
	for _, nat := range c.OfType("aws:ec2/natGateway:NatGateway") {
		if tierOf[nat.Str("subnetId")] != "public" {
			t.Errorf("NAT gateway %s is not in a public subnet", nat.Name)
		}
	}
}

func TestSingleNatGateway(t *testing.T) {
	a := args()
	a.SingleNatGateway = true
	c := build(t, a)
	if n := len(c.OfType("aws:ec2/natGateway:NatGateway")); n != 1 {
		t.Fatalf("want 1 NAT gateway, got %d", n)
	}
	targets := map[string]bool{}
	for _, r := range c.OfType("aws:ec2/route:Route") {
		if id := r.Str("natGatewayId"); id != "" {
			targets[id] = true
		}
	}
	if len(targets) != 1 {
		t.Fatalf("app subnets should share the one NAT gateway, got %v", targets)
	}
}

func TestDefaultSecurityGroupHasNoRules(t *testing.T) {
	c := build(t, args())
	sgs := c.OfType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
	if len(sgs) != 1 {
		t.Fatalf("want the default security group adopted once, got %d", len(sgs))
	}
	if sgs[0].Len("ingress") != 0 || sgs[0].Len("egress") != 0 {
		t.Fatalf("default security group keeps rules: %v / %v", sgs[0].In("ingress"), sgs[0].In("egress"))
	}
	if _, ok := sgs[0].Inputs["ingress"]; !ok {
		t.Fatal("ingress must be set to an empty list, or AWS keeps its default rules")
	}
}

func TestFlowLogsEncryptedAndScoped(t *testing.T) {
	c := build(t, args())
	groups := c.OfType("aws:cloudwatch/logGroup:LogGroup")
	if len(groups) != 1 || groups[0].Str("kmsKeyId") != logKey || groups[0].Num("retentionInDays") != 365 {
		t.Fatalf("flow-log group not encrypted with the key / retention: %+v", groups)
	}
	fl := c.OfType("aws:ec2/flowLog:FlowLog")
	if len(fl) != 1 || fl[0].Str("trafficType") != "ALL" || fl[0].Str("logDestination") != groups[0].Out("arn").StringValue() {
		t.Fatalf("flow log does not record all traffic into the group: %+v", fl)
	}
	pol := c.OfType("aws:iam/rolePolicy:RolePolicy")[0].Str("policy")
	if strings.Contains(pol, `"*"`) || !strings.Contains(pol, groups[0].Out("arn").StringValue()) {
		t.Fatalf("flow-log role policy is not scoped to its group: %s", pol)
	}
}

func TestEndpoints(t *testing.T) {
	c := build(t, args())
	services := map[string]string{}
	for _, e := range c.OfType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		services[e.Str("serviceName")] = e.Str("vpcEndpointType")
	}
	want := map[string]string{"s3": "Gateway", "ecr.api": "Interface", "ecr.dkr": "Interface", "sts": "Interface", "secretsmanager": "Interface", "logs": "Interface"}
	for svc, typ := range want {
		if got := services["com.amazonaws.eu-west-1."+svc]; got != typ {
			t.Errorf("endpoint %s: got %q, want %q", svc, got, typ)
		}
	}
	for _, sg := range c.OfType("aws:ec2/securityGroup:SecurityGroup") {
		for i := 0; i < sg.Len("ingress"); i++ {
			for _, cidr := range sg.Strs(fmt.Sprintf("ingress[%d].cidrBlocks", i)) {
				if cidr == "0.0.0.0/0" {
					t.Errorf("%s admits the internet", sg.Name)
				}
			}
		}
	}
}

func TestInvalidArgsAreAllReported(t *testing.T) {
	a := &Args{Region: "eu-west-1", CIDR: "8.8.8.0/24", Zones: []string{"us-east-1a"}, FlowLogRetentionDays: 0}
	_, err := mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		_, err := New(ctx, "vpc", a)
		return err
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"network: CIDR:", "network: Zones: 1 zones given", `"us-east-1a" is not a zone of eu-west-1`, "network: FlowLogKeyArn: is required", "network: FlowLogRetentionDays"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestNothingRegisteredOnInvalidArgs(t *testing.T) {
	a := args()
	a.CIDR = "10.0.0.0/28"
	c, err := mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		_, err := New(ctx, "vpc", a)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `network: CIDR: "10.0.0.0/28" is too small`) {
		t.Fatalf("got %v, want the CIDR refused", err)
	}
	if n := len(c.Resources()); n != 0 {
		t.Fatalf("%d resources registered before validation failed", n)
	}
}
