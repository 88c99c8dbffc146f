package program_test

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"globalstack/internal/mockcloud"
	"globalstack/stacks/plan"
)

// These tests read the planned cells the way AWS and the cluster would wire them: by ids,
// subnets and rules, not by the names the program gave them.

// servingStacks are the stacks that run the storefront: the cells, and each DR stack in
// failover mode.
func servingStacks(t *testing.T) map[string]*plan.Result {
	out := map[string]*plan.Result{}
	for stack := range cells {
		out[stack] = planCell(t, stack, nil)
		out[stack+"-dr (failover)"] = planCell(t, stack+"-dr", map[string]string{"globalstack:failover": "true"})
	}
	return out
}

func props(r mockcloud.Resource) map[string]any { return r.Outputs.Mappable() }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func within(inner, outer string) bool {
	i, err1 := netip.ParsePrefix(inner)
	o, err2 := netip.ParsePrefix(outer)
	return err1 == nil && err2 == nil && o.Bits() <= i.Bits() && o.Contains(i.Addr())
}

func byID(t *testing.T, c *mockcloud.Cloud, id string) mockcloud.Resource {
	t.Helper()
	r, ok := c.ByID(id)
	if !ok {
		t.Fatalf("nothing in the plan has id %q", id)
	}
	return r
}

// sgRule is one ingress or egress permission of a security group, whichever way it was
// declared (inline, aws:vpc rule resource, aws:ec2 rule resource).
type sgRule struct {
	protocol       string
	from, to       int
	cidrs, lists   []string
	groups         []string
	ingress        bool
	securityGroup  string
	declaredAtType string
}

func (r sgRule) admitsTCP(port int) bool {
	return r.protocol == "-1" || r.protocol == "all" || ((r.protocol == "tcp" || r.protocol == "6") && r.from <= port && port <= r.to)
}

func securityGroupRules(c *mockcloud.Cloud) []sgRule {
	var out []sgRule
	for _, sg := range c.OfType("aws:ec2/securityGroup:SecurityGroup") {
		p := props(sg)
		for _, dir := range []string{"ingress", "egress"} {
			for _, e := range list(p[dir]) {
				m := e.(map[string]any)
				r := sgRule{protocol: str(m["protocol"]), from: num(m["fromPort"]), to: num(m["toPort"]), ingress: dir == "ingress",
					securityGroup: sg.ID, declaredAtType: sg.Type}
				for _, x := range list(m["cidrBlocks"]) {
					r.cidrs = append(r.cidrs, str(x))
				}
				for _, x := range list(m["prefixListIds"]) {
					r.lists = append(r.lists, str(x))
				}
				for _, x := range list(m["securityGroups"]) {
					r.groups = append(r.groups, str(x))
				}
				out = append(out, r)
			}
		}
	}
	for _, typ := range []string{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
		for _, x := range c.OfType(typ) {
			p := props(x)
			r := sgRule{protocol: str(p["ipProtocol"]), from: num(p["fromPort"]), to: num(p["toPort"]), ingress: strings.Contains(typ, "Ingress"),
				securityGroup: str(p["securityGroupId"]), declaredAtType: typ}
			if v := str(p["cidrIpv4"]); v != "" {
				r.cidrs = append(r.cidrs, v)
			}
			if v := str(p["prefixListId"]); v != "" {
				r.lists = append(r.lists, v)
			}
			if v := str(p["referencedSecurityGroupId"]); v != "" {
				r.groups = append(r.groups, v)
			}
			out = append(out, r)
		}
	}
	return out
}

// loadBalancerGroups are the groups of the origin's ALB.
func loadBalancerGroups(t *testing.T, c *mockcloud.Cloud) []string {
	t.Helper()
	groups := only(t, c, "aws:lb/loadBalancer:LoadBalancer").Strs("securityGroups")
	if len(groups) == 0 {
		t.Fatal("the ALB names no security groups: ELB would give it the VPC's default group")
	}
	return groups
}

// TestStorefrontPodsReachTheInterfaceEndpoints: IRSA exchanges the pod's web identity token
// at STS (through its interface endpoint, in the subnets the endpoint lists) before the
// first IAM-authenticated PostgreSQL connection, so the pods' NetworkPolicy must admit
// HTTPS to those subnets.
func TestStorefrontPodsReachTheInterfaceEndpoints(t *testing.T) {
	for stack, res := range servingStacks(t) {
		t.Run(stack, func(t *testing.T) {
			c := res.Cloud
			var np map[string]any
			for _, r := range c.OfType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
				p := props(r)
				if str(p["metadata"].(map[string]any)["name"]) == "storefront" {
					np = p
				}
			}
			if np == nil {
				t.Fatal("no storefront NetworkPolicy")
			}
			egress := list(np["spec"].(map[string]any)["egress"])
			admits := func(cidr string) bool {
				for _, e := range egress {
					rule := e.(map[string]any)
					port := len(list(rule["ports"])) == 0
					for _, p := range list(rule["ports"]) {
						pm := p.(map[string]any)
						if num(pm["port"]) == 443 && (pm["protocol"] == nil || str(pm["protocol"]) == "TCP") {
							port = true
						}
					}
					to := len(list(rule["to"])) == 0
					for _, peer := range list(rule["to"]) {
						if b, ok := peer.(map[string]any)["ipBlock"].(map[string]any); ok && within(cidr, str(b["cidr"])) && len(list(b["except"])) == 0 {
							to = true
						}
					}
					if port && to {
						return true
					}
				}
				return false
			}
			for _, svc := range []string{"sts", "secretsmanager"} {
				n := 0
				for _, ep := range c.OfType("aws:ec2/vpcEndpoint:VpcEndpoint") {
					if !strings.HasSuffix(ep.Str("serviceName"), "."+svc) {
						continue
					}
					n++
					for _, subnet := range ep.Strs("subnetIds") {
						cidr := byID(t, c, subnet).Str("cidrBlock")
						if !admits(cidr) {
							t.Errorf("NetworkPolicy storefront egress admits no HTTPS to %s (subnet of the %s endpoint)", cidr, svc)
						}
					}
				}
				if n != 1 {
					t.Errorf("%d %s endpoints", n, svc)
				}
			}
		})
	}
}

// TestLoadBalancerIsAdmittedToThePods: the TargetGroupBinding has no networking section, so
// the controller adds no rule to the targets' groups (its role may not modify them anyway);
// the plan must admit the ALB on 8080 itself in a group the nodes (whose interfaces hold the
// pods' addresses) carry.
func TestLoadBalancerIsAdmittedToThePods(t *testing.T) {
	for stack, res := range servingStacks(t) {
		t.Run(stack, func(t *testing.T) {
			c := res.Cloud
			if tgb := props(only(t, c, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")); tgb["spec"].(map[string]any)["networking"] != nil {
				t.Errorf("the controller is asked to manage backend rules: it would authorize ingress on the nodes' security group, which its policy does not allow")
			}
			lb := map[string]bool{}
			for _, id := range loadBalancerGroups(t, c) {
				lb[id] = true
			}
			lt := only(t, c, "aws:ec2/launchTemplate:LaunchTemplate")
			nodes := map[string]bool{}
			for _, id := range lt.Strs("vpcSecurityGroupIds") {
				nodes[id] = true
			}
			admitted, leaves := false, false
			for _, r := range securityGroupRules(c) {
				if r.ingress && nodes[r.securityGroup] && r.admitsTCP(8080) {
					for _, g := range r.groups {
						admitted = admitted || lb[g]
					}
				}
				if !r.ingress && lb[r.securityGroup] && r.admitsTCP(8080) {
					for _, cidr := range r.cidrs {
						leaves = leaves || within(c.OfType("aws:ec2/vpc:Vpc")[0].Str("cidrBlock"), cidr)
					}
				}
			}
			if !admitted {
				t.Error("no rule on the nodes' security groups admits the load balancer's groups on 8080")
			}
			if !leaves {
				t.Error("the load balancer's groups do not let it connect to the pods on 8080")
			}
		})
	}
}

// TestHealthCheckersReachTheLoadBalancer: the failover record's health check probes
// origin.<domain>:443 from Route 53's health checkers, which the documented AWS-managed
// prefix list com.amazonaws.<region>.route53-healthchecks covers; each group stays within
// the 60-rule quota, a prefix list counting as its maximum number of entries.
func TestHealthCheckersReachTheLoadBalancer(t *testing.T) {
	for stack, res := range servingStacks(t) {
		t.Run(stack, func(t *testing.T) {
			c := res.Cloud
			hc := only(t, c, "aws:route53/healthCheck:HealthCheck")
			if hc.Str("type") != "HTTPS" || hc.Num("port") != 443 {
				t.Fatalf("health check %s:%v", hc.Str("type"), hc.Num("port"))
			}
			region := res.Config["aws:region"]
			weights := map[string]int{}
			checkers := ""
			for _, inv := range c.Invocations("aws:ec2/getManagedPrefixList:getManagedPrefixList") {
				weights[str(inv.Result["id"])] = num(inv.Result["maxEntries"])
				if inv.Region == region && str(inv.Result["name"]) == "com.amazonaws."+region+".route53-healthchecks" {
					checkers = str(inv.Result["id"])
				}
			}
			if checkers == "" {
				t.Fatalf("the plan never looked up com.amazonaws.%s.route53-healthchecks", region)
			}
			lb := map[string]bool{}
			for _, id := range loadBalancerGroups(t, c) {
				lb[id] = true
			}
			admitted := false
			weight := map[string]int{}
			for _, r := range securityGroupRules(c) {
				if !r.ingress || !lb[r.securityGroup] {
					continue
				}
				weight[r.securityGroup] += len(r.cidrs) + len(r.groups)
				for _, pl := range r.lists {
					weight[r.securityGroup] += weights[pl]
					admitted = admitted || (pl == checkers && r.admitsTCP(443))
				}
			}
			if !admitted {
				t.Error("no security group of the load balancer admits HTTPS from the Route 53 health checkers' prefix list")
			}
			for sg, w := range weight {
				if w > 60 {
					t.Errorf("security group %s weighs %d inbound rules, over the quota of 60", sg, w)
				}
			}
		})
	}
}

// TestHealthCheckPathIsRouted: Route 53 probes origin.<domain><resourcePath> through the
// ALB, whose serving listener forwards only its rules' paths to the storefront's target
// group (anything else gets the listener's 404, an unhealthy answer).
func TestHealthCheckPathIsRouted(t *testing.T) {
	for stack, res := range servingStacks(t) {
		t.Run(stack, func(t *testing.T) {
			c := res.Cloud
			path := only(t, c, "aws:route53/healthCheck:HealthCheck").Str("resourcePath")
			tg := only(t, c, "aws:lb/targetGroup:TargetGroup").Out("arn").StringValue()
			https := ""
			for _, l := range c.OfType("aws:lb/listener:Listener") {
				if l.Str("protocol") == "HTTPS" {
					https = l.Out("arn").StringValue()
				}
			}
			routed := false
			for _, rule := range c.OfType("aws:lb/listenerRule:ListenerRule") {
				if rule.Str("listenerArn") != https || rule.Str("actions[0].type") != "forward" || rule.Str("actions[0].targetGroupArn") != tg {
					continue
				}
				for _, pattern := range rule.Strs("conditions[0].pathPattern.values") {
					ok, _ := filepath.Match(pattern, path)
					routed = routed || ok
				}
			}
			if !routed {
				t.Errorf("the HTTPS listener forwards no path matching the health check's %q to the storefront", path)
			}
		})
	}
}
