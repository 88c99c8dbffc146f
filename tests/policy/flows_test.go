package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/require"

	"globalstack/policies/check"
	"globalstack/policies/plantest"
)

// The flow mutations break one network control of a freshly planned production stack and
// require the deployability pack to name the flow and the hop that decides it.

func netFindings(t *testing.T, stack string, d apitype.DeploymentV3) []check.Finding {
	t.Helper()
	cfg, err := check.StackConfig(repoRoot, stack)
	require.NoError(t, err)
	rep, err := check.CheckDeployment(stack, d, check.Options{Config: cfg})
	require.NoError(t, err)
	var out []check.Finding
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.RuleID, "NET-") {
			out = append(out, f)
		}
	}
	return out
}

func ingressNamed(t *testing.T, d apitype.DeploymentV3, typ, name string) *apitype.ResourceV3 {
	t.Helper()
	for _, r := range plantest.OfType(d, typ) {
		if meta, ok := r.Outputs["metadata"].(map[string]any); ok && meta["name"] == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", typ, name)
	return nil
}

func removeResource(d *apitype.DeploymentV3, keep func(r *apitype.ResourceV3) bool) int {
	out := d.Resources[:0]
	removed := 0
	for i := range d.Resources {
		if keep(&d.Resources[i]) {
			out = append(out, d.Resources[i])
		} else {
			removed++
		}
	}
	d.Resources = out
	return removed
}

func TestPlannedStacksDeclareAndPassTheirFlows(t *testing.T) {
	for _, stack := range []string{"prod-us", "prod-eu", "prod-jp", "prod-us-dr", "prod-eu-dr", "prod-jp-dr"} {
		d := loadPlanned(t, stack)
		table := check.FlowTable(stack, d)
		require.Contains(t, table, "| from | to | port |", stack)
		require.NotContains(t, table, "BLOCKED", stack)
		require.NotContains(t, table, "OPEN (forbidden)", stack)
		require.Empty(t, netFindings(t, stack, d), stack)
	}
	table := check.FlowTable("prod-eu", loadPlanned(t, "prod-eu"))
	for _, want := range []string{"pods storefront/app.kubernetes.io/name=storefront", "vpc endpoint sts", "vpc endpoint s3",
		"prefix list com.amazonaws.eu-west-1.route53-healthchecks", "prefix list com.amazonaws.global.cloudfront.origin-facing",
		"lb LoadBalancer origin", "rds Cluster", "elasticache ReplicationGroup", "opensearch Domain"} {
		require.Contains(t, table, want)
	}
}

func TestFlowMutationsOfAPlannedStackAreCaught(t *testing.T) {
	const stack = "prod-eu"
	base := loadPlanned(t, stack)
	cases := []struct {
		name   string
		mutate func(t *testing.T, d *apitype.DeploymentV3)
		rule   string
		want   []string // substrings of one finding's message
	}{
		{"NetworkPolicy without the endpoint egress", func(t *testing.T, d *apitype.DeploymentV3) {
			np := ingressNamed(t, *d, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "storefront")
			for _, props := range []map[string]any{np.Inputs, np.Outputs} {
				spec := props["spec"].(map[string]any)
				var kept []any
				for _, rule := range spec["egress"].([]any) {
					ports := rule.(map[string]any)["ports"].([]any)
					if len(ports) == 1 && ports[0].(map[string]any)["port"] == 443.0 {
						continue
					}
					kept = append(kept, rule)
				}
				spec["egress"] = kept
			}
		}, "NET-001", []string{"vpc endpoint sts", "NetworkPolicy storefront/storefront egress: no rule admits"}},
		{"no rule admitting the ALB on the nodes", func(t *testing.T, d *apitype.DeploymentV3) {
			n := removeResource(d, func(r *apitype.ResourceV3) bool {
				return !(string(r.Type) == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && plantest.Name(r) == "origin-alb-to-pods")
			})
			require.Equal(t, 1, n)
		}, "NET-001", []string{"load balancer origin", "ingress: no rule admits", "tcp/8080"}},
		{"health checkers no longer admitted", func(t *testing.T, d *apitype.DeploymentV3) {
			for _, sg := range plantest.OfType(*d, "aws:ec2/securityGroup:SecurityGroup") {
				if plantest.Name(sg) == "origin-alb-health-checks" {
					plantest.SetProp(t, sg, "ingress", []any{})
					return
				}
			}
			t.Fatal("no health-check security group in the plan")
		}, "NET-001", []string{"prefix list com.amazonaws.eu-west-1.route53-healthchecks", "ingress: no rule admits", "tcp/443"}},
		{"data security group open to the world", func(t *testing.T, d *apitype.DeploymentV3) {
			for _, sg := range plantest.OfType(*d, "aws:ec2/securityGroup:SecurityGroup") {
				if plantest.Name(sg) == "database" {
					rules := sg.Outputs["ingress"].([]any)
					plantest.SetProp(t, sg, "ingress", append(rules, map[string]any{"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrBlocks": []any{"0.0.0.0/0"}}))
					return
				}
			}
			t.Fatal("no database security group in the plan")
		}, "NET-002", []string{"internet -> rds Cluster database", "open on tcp/5432", "routes are not a firewall"}},
		{"pods allowed to the internet", func(t *testing.T, d *apitype.DeploymentV3) {
			np := ingressNamed(t, *d, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "storefront")
			for _, props := range []map[string]any{np.Inputs, np.Outputs} {
				spec := props["spec"].(map[string]any)
				spec["egress"] = append(spec["egress"].([]any), map[string]any{"to": []any{map[string]any{"ipBlock": map[string]any{"cidr": "0.0.0.0/0"}}}})
			}
		}, "NET-002", []string{"pods storefront/app.kubernetes.io/name=storefront -> internet", "is open"}},
		{"flow declarations dropped", func(t *testing.T, d *apitype.DeploymentV3) {
			for i := range d.Resources {
				delete(d.Resources[i].Outputs, "flows")
			}
		}, "NET-003", []string{"the stack carries none"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plantest.Clone(t, base)
			c.mutate(t, &d)
			found := netFindings(t, stack, d)
			var msgs []string
			for _, f := range found {
				msgs = append(msgs, f.RuleID+": "+f.Message)
				if f.RuleID != c.rule {
					continue
				}
				ok := true
				for _, w := range c.want {
					ok = ok && strings.Contains(f.Message, w)
				}
				if ok {
					return
				}
			}
			t.Fatalf("no %s finding containing %q; got:\n%s", c.rule, c.want, strings.Join(msgs, "\n"))
		})
	}
}

// TestMakePolicyFailsOnAnEditedExport: `make policy POLICY_FILES=<edited state.json>` exits
// non-zero and names the blocked flow.
func TestMakePolicyFailsOnAnEditedExport(t *testing.T) {
	d := plantest.Clone(t, loadPlanned(t, "prod-eu"))
	removeResource(&d, func(r *apitype.ResourceV3) bool {
		return !(string(r.Type) == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && plantest.Name(r) == "origin-alb-to-pods")
	})
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	doc, err := json.MarshalIndent(apitype.UntypedDeployment{Version: 3, Deployment: raw}, "", "  ")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "prod-eu")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	file := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(file, doc, 0o644))
	out, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "POLICY_FILES="+file, "PACKS=deployability")
	require.NotEqual(t, 0, code, out)
	require.Contains(t, out, "FAIL: 1 stacks")
	require.Contains(t, out, "NET-001")
	require.Contains(t, out, "tcp/8080")
}
