package program_test

import (
	"net/netip"
	"strings"
	"testing"

	"globalstack/components/mockcloud"
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
