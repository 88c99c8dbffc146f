package policy

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
)

// The mutation tests break one thing in a freshly planned production stack and require that
// exactly the expected new violation appears: they prove the rules read the planner's real
// state shape (property names, id/ARN references, property dependencies, providers).

func loadPlanned(t *testing.T, stack string) apitype.DeploymentV3 {
	t.Helper()
	d, err := pulumifiles.ReadDeployment(filepath.Join(planDir, stack, "state.json"))
	require.NoError(t, err)
	return d
}

// clone deep-copies a deployment through JSON so mutations do not leak between tests.
func clone(t *testing.T, d apitype.DeploymentV3) apitype.DeploymentV3 {
	t.Helper()
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	var out apitype.DeploymentV3
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// judgeDay is the day mutated plans are judged at: the day the lifecycle table was checked.
var judgeDay = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func findings(t *testing.T, stack string, d apitype.DeploymentV3) map[string]bool {
	return findingsAt(t, stack, d, judgeDay)
}

func findingsAt(t *testing.T, stack string, d apitype.DeploymentV3, now time.Time) map[string]bool {
	t.Helper()
	cfg, err := check.StackConfig(repoRoot, stack)
	require.NoError(t, err)
	rep, err := check.CheckDeployment(stack, d, check.Options{Config: cfg, Now: now})
	require.NoError(t, err)
	out := map[string]bool{}
	for _, f := range rep.Findings {
		out[f.RuleID+" "+f.ResourceName] = true
	}
	return out
}

func byType(d apitype.DeploymentV3, typ string) []*apitype.ResourceV3 {
	var out []*apitype.ResourceV3
	for i := range d.Resources {
		if string(d.Resources[i].Type) == typ {
			out = append(out, &d.Resources[i])
		}
	}
	return out
}

func name(r *apitype.ResourceV3) string {
	u := string(r.URN)
	return u[strings.LastIndex(u, "::")+2:]
}

// set writes a property into both the inputs and the outputs.
func set(r *apitype.ResourceV3, k string, v any) {
	if r.Inputs == nil {
		r.Inputs = map[string]any{}
	}
	if r.Outputs == nil {
		r.Outputs = map[string]any{}
	}
	r.Inputs[k], r.Outputs[k] = v, v
}

// publicSubnets returns the subnets associated with a route table that routes to an internet
// gateway, worked out from the state's own ids.
func publicSubnets(t *testing.T, d apitype.DeploymentV3) []*apitype.ResourceV3 {
	tables := map[string]bool{}
	for _, r := range byType(d, "aws:ec2/route:Route") {
		if gw, _ := r.Outputs["gatewayId"].(string); strings.HasPrefix(gw, "igw-") {
			tables[r.Outputs["routeTableId"].(string)] = true
		}
	}
	subnetIDs := map[string]bool{}
	for _, a := range byType(d, "aws:ec2/routeTableAssociation:RouteTableAssociation") {
		if rt, _ := a.Outputs["routeTableId"].(string); tables[rt] {
			subnetIDs[a.Outputs["subnetId"].(string)] = true
		}
	}
	var out []*apitype.ResourceV3
	for _, s := range byType(d, "aws:ec2/subnet:Subnet") {
		if subnetIDs[string(s.ID)] {
			out = append(out, s)
		}
	}
	require.NotEmpty(t, out, "the planned VPC has no public subnets")
	return out
}

func TestMutationsOfAPlannedStackAreCaught(t *testing.T) {
	const stack = "prod-eu"
	base := loadPlanned(t, stack)
	baseline := findings(t, stack, base)

	cases := []struct {
		name   string
		mutate func(t *testing.T, d apitype.DeploymentV3) string // returns the expected "<rule> <resource>"
		// also are further findings the same edit must cause (a flow it breaks).
		also []string
	}{
		{"unencrypted Aurora cluster", func(t *testing.T, d apitype.DeploymentV3) string {
			c := byType(d, "aws:rds/cluster:Cluster")
			require.NotEmpty(t, c)
			set(c[0], "storageEncrypted", false)
			return "ENC-001 " + name(c[0])
		}, nil},
		{"cache without TLS", func(t *testing.T, d apitype.DeploymentV3) string {
			c := byType(d, "aws:elasticache/replicationGroup:ReplicationGroup")
			require.NotEmpty(t, c)
			set(c[0], "transitEncryptionEnabled", false)
			return "ENC-005 " + name(c[0])
		}, nil},
		{"database subnet group on public subnets", func(t *testing.T, d apitype.DeploymentV3) string {
			g := byType(d, "aws:rds/subnetGroup:SubnetGroup")
			require.NotEmpty(t, g)
			var ids []any
			var urns []resource.URN
			for _, s := range publicSubnets(t, d) {
				ids = append(ids, string(s.ID))
				urns = append(urns, s.URN)
			}
			set(g[0], "subnetIds", ids)
			g[0].PropertyDependencies["subnetIds"] = urns
			return "LP-009 " + name(byType(d, "aws:rds/cluster:Cluster")[0])
		}, []string{"NET-001 storefront"}}, // the pods' NetworkPolicy admits the data subnets only
		{"backup copies to the US", func(t *testing.T, d apitype.DeploymentV3) string {
			p := byType(d, "aws:backup/plan:Plan")
			require.NotEmpty(t, p)
			rules := p[0].Outputs["rules"].([]any)
			rule := rules[0].(map[string]any)
			rule["copyActions"] = []any{map[string]any{"destinationVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:x"}}
			return "RES-008 " + name(p[0])
		}, nil},
		{"world-open SSH", func(t *testing.T, d apitype.DeploymentV3) string {
			// By name: the order of concurrently registered resources in the state varies.
			g := named(t, d, "aws:ec2/securityGroup:SecurityGroup", "vpc-endpoints")
			set(g, "ingress", []any{map[string]any{"fromPort": 22.0, "toPort": 22.0, "protocol": "tcp", "cidrBlocks": []any{"0.0.0.0/0"}}})
			return "LP-007 " + name(g)
		}, []string{"NET-001 vpc-endpoints"}}, // the edit drops the endpoints' HTTPS rule
		{"trail without log file validation", func(t *testing.T, d apitype.DeploymentV3) string {
			tr := named(t, d, "aws:cloudtrail/trail:Trail", "baseline")
			set(tr, "enableLogFileValidation", false)
			return "AUD-001 " + name(tr)
		}, nil},
		{"region owner with its GuardDuty detector disabled", func(t *testing.T, d apitype.DeploymentV3) string {
			set(named(t, d, "aws:guardduty/detector:Detector", "baseline"), "enable", false)
			return "AUD-002 globalstack-" + stack
		}, nil},
		{"trail delivering to a us-east-1 bucket", func(t *testing.T, d apitype.DeploymentV3) string {
			tr := named(t, d, "aws:cloudtrail/trail:Trail", "baseline")
			set(tr, "s3BucketName", "prod-eu-audit-archive-us-east-1")
			return "AUD-003 " + name(tr)
		}, nil},
		{"regional resource through the us-east-1 provider", func(t *testing.T, d apitype.DeploymentV3) string {
			var global string
			for _, p := range byType(d, "pulumi:providers:aws") {
				if p.Inputs["region"] == "us-east-1" {
					global = string(p.URN) + "::" + string(p.ID)
				}
			}
			require.NotEmpty(t, global, "no us-east-1 provider in %s", stack)
			g := byType(d, "aws:elasticache/subnetGroup:SubnetGroup")
			require.NotEmpty(t, g)
			g[0].Provider = global
			return "RES-002 " + name(g[0])
		}, nil},
		{"edge alarm events forwarded to a bus outside the jurisdiction", func(t *testing.T, d apitype.DeploymentV3) string {
			tgt := named(t, d, "aws:cloudwatch/eventTarget:EventTarget", "monitoring-edge-alarms-out")
			set(tgt, "arn", "arn:aws:events:us-west-2:123456789012:event-bus/default")
			return "RES-002 " + name(tgt)
		}, nil},
		{"us-east-1 alarm on a regional metric", func(t *testing.T, d apitype.DeploymentV3) string {
			a := named(t, d, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-cloudfront-5xx")
			set(a, "namespace", "AWS/RDS")
			return "RES-002 " + name(a)
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := clone(t, base)
			want := c.mutate(t, d)
			got := findings(t, stack, d)
			added := newFindings(baseline, got)
			expected := append([]string{want}, c.also...)
			sort.Strings(expected)
			require.Equal(t, expected, added)
		})
	}
}

// named returns the resources of a type whose URN name is name.
func named(t *testing.T, d apitype.DeploymentV3, typ, suffix string) *apitype.ResourceV3 {
	t.Helper()
	for _, r := range byType(d, typ) {
		if strings.HasSuffix(name(r), suffix) {
			return r
		}
	}
	require.Failf(t, "not planned", "no %s named *%s", typ, suffix)
	return nil
}

// releaseOf finds the Helm release of a chart.
func releaseOf(t *testing.T, d *apitype.DeploymentV3, chart string) int {
	t.Helper()
	for i := range d.Resources {
		if string(d.Resources[i].Type) == "kubernetes:helm.sh/v3:Release" && d.Resources[i].Inputs["chart"] == chart {
			return i
		}
	}
	require.Failf(t, "not planned", "no Helm release of chart %s", chart)
	return -1
}

func drop(d *apitype.DeploymentV3, i int) {
	d.Resources = append(d.Resources[:i], d.Resources[i+1:]...)
}

func annotate(r *apitype.ResourceV3, arn string) {
	for _, props := range []map[string]any{r.Inputs, r.Outputs} {
		md, _ := props["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		ann["eks.amazonaws.com/role-arn"] = arn
	}
}

// TestDeployabilityMutationsAreCaught breaks what the cluster must run, or the versions it
// runs, in a freshly planned stack; each mutation must add exactly the expected findings.
func TestDeployabilityMutationsAreCaught(t *testing.T) {
	const stack = "prod-eu"
	base := loadPlanned(t, stack)
	baseline := findings(t, stack, base)
	for k := range baseline {
		if strings.HasPrefix(k, "LIFE-") || strings.HasPrefix(k, "K8S-") {
			t.Errorf("the planned %s already has %s", stack, k)
		}
	}
	const (
		eksCluster = "aws:eks/cluster:Cluster"
		addon      = "aws:eks/addon:Addon"
		sa         = "kubernetes:core/v1:ServiceAccount"
		role       = "aws:iam/role:Role"
	)
	cases := []struct {
		name   string
		now    time.Time
		mutate func(t *testing.T, d *apitype.DeploymentV3) []string
	}{
		{"table older than 180 days", judgeDay.AddDate(0, 6, 2), func(t *testing.T, d *apitype.DeploymentV3) []string {
			// Six months on, Kubernetes 1.36 is also within 120 days of its end of standard support.
			return []string{"LIFE-004 globalstack-" + stack, "LIFE-002 " + name(byType(*d, eksCluster)[0])}
		}},
		{"cluster on Kubernetes 1.31", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			c := byType(*d, eksCluster)[0]
			set(c, "version", "1.31")
			// kube-proxy and coredns are pinned for 1.36 only.
			return []string{"LIFE-001 " + name(c), "LIFE-003 " + name(named(t, *d, addon, "-kube-proxy")), "LIFE-003 " + name(named(t, *d, addon, "-coredns"))}
		}},
		{"Aurora minor missing from the table", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			c := byType(*d, "aws:rds/cluster:Cluster")[0]
			set(c, "engineVersion", "16.6")
			return []string{"LIFE-001 " + name(c)}
		}},
		{"kube-proxy of another Kubernetes version", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			a := named(t, *d, addon, "-kube-proxy")
			set(a, "addonVersion", "v1.31.2-eksbuild.3")
			return []string{"LIFE-003 " + name(a)}
		}},
		{"metrics-server removed", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			drop(d, releaseOf(t, d, "metrics-server"))
			return []string{"K8S-001 " + name(byType(*d, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0])}
		}},
		{"load balancer controller removed", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			drop(d, releaseOf(t, d, "aws-load-balancer-controller"))
			return []string{"K8S-002 " + name(byType(*d, targetGroupBinding)[0])}
		}},
		{"vpc-cni without the network policy agent", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			set(named(t, *d, addon, "-vpc-cni"), "configurationValues", `{"enableNetworkPolicy":"false"}`)
			var want []string
			for _, p := range byType(*d, "kubernetes:networking.k8s.io/v1:NetworkPolicy") {
				want = append(want, "K8S-004 "+name(p))
			}
			require.NotEmpty(t, want)
			// Unenforced policies leave the pods' forbidden egress to the internet open: the
			// flow check reports it on the component that declares it.
			return append(want, "NET-002 cluster")
		}},
		{"service account annotated with another role", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			app := named(t, *d, sa, "storefront") // the app's, by name: state order varies
			other := named(t, *d, role, "-lb-controller")
			annotate(app, other.Outputs["arn"].(string))
			return []string{"K8S-005 " + name(app)}
		}},
		{"trust condition names another service account", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			app := named(t, *d, sa, "storefront") // the app's, by name: state order varies
			ann := app.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
			arn := ann["eks.amazonaws.com/role-arn"].(string)
			for _, r := range byType(*d, role) {
				if r.Outputs["arn"] == arn {
					doc := r.Inputs["assumeRolePolicy"].(string)
					require.Contains(t, doc, "system:serviceaccount:storefront:storefront")
					set(r, "assumeRolePolicy", strings.ReplaceAll(doc, "system:serviceaccount:storefront:storefront", "system:serviceaccount:storefront:intruder"))
					return []string{"K8S-005 " + name(app)}
				}
			}
			require.Failf(t, "not planned", "no role %s", arn)
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := clone(t, base)
			want := c.mutate(t, &d)
			got := findingsAt(t, stack, d, c.now)
			added := newFindings(baseline, got)
			sort.Strings(want)
			require.Equal(t, want, added)
		})
	}
}

const targetGroupBinding = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"

// TestLoadBalancerMutationsAreCaught edits the origin's load balancer, listeners, WAF
// association, log bucket and the storefront's TargetGroupBinding in a freshly planned stack;
// each edit must add exactly the expected findings.
func TestLoadBalancerMutationsAreCaught(t *testing.T) {
	const stack = "prod-eu"
	base := loadPlanned(t, stack)
	baseline := findings(t, stack, base)
	require.Empty(t, baseline, "the planned %s already has findings", stack)
	const (
		lbType     = "aws:lb/loadBalancer:LoadBalancer"
		listener   = "aws:lb/listener:Listener"
		versioning = "aws:s3/bucketVersioningV2:BucketVersioningV2"
		sse        = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	)
	cases := []struct {
		name   string
		mutate func(t *testing.T, d *apitype.DeploymentV3) []string
	}{
		{"WAF association removed", func(t *testing.T, d *apitype.DeploymentV3) []string {
			require.Equal(t, 1, removeResource(d, func(r *apitype.ResourceV3) bool {
				return string(r.Type) != "aws:wafv2/webAclAssociation:WebAclAssociation"
			}))
			return []string{"LP-012 " + name(byType(*d, lbType)[0])}
		}},
		{"invalid headers forwarded", func(t *testing.T, d *apitype.DeploymentV3) []string {
			lb := byType(*d, lbType)[0]
			set(lb, "dropInvalidHeaderFields", false)
			return []string{"LP-013 " + name(lb)}
		}},
		{"access logs off", func(t *testing.T, d *apitype.DeploymentV3) []string {
			lb := byType(*d, lbType)[0]
			logs := lb.Inputs["accessLogs"].(map[string]any)
			set(lb, "accessLogs", map[string]any{"bucket": logs["bucket"], "prefix": logs["prefix"], "enabled": false})
			// No longer a load balancer's log bucket, its SSE-S3 is no longer excused.
			return []string{"LP-014 " + name(lb), "ENC-010 " + name(named(t, *d, sse, "-access-logs"))}
		}},
		{"log bucket unversioned", func(t *testing.T, d *apitype.DeploymentV3) []string {
			v := named(t, *d, versioning, "-access-logs")
			set(v, "versioningConfiguration", map[string]any{"status": "Suspended"})
			return []string{"ENC-010 " + name(named(t, *d, sse, "-access-logs"))}
		}},
		{"TLS 1.0 policy on the HTTPS listener", func(t *testing.T, d *apitype.DeploymentV3) []string {
			l := named(t, *d, listener, "-https")
			set(l, "sslPolicy", "ELBSecurityPolicy-2016-08")
			return []string{"ENC-019 " + name(l)}
		}},
		{"HTTP listener forwarding beside HTTPS", func(t *testing.T, d *apitype.DeploymentV3) []string {
			l := named(t, *d, listener, "-http")
			tg := byType(*d, "aws:lb/targetGroup:TargetGroup")[0]
			set(l, "defaultActions", []any{map[string]any{"type": "forward", "targetGroupArn": tg.Outputs["arn"]}})
			// As the program would record it: the action's input comes from the target group.
			l.Dependencies = append(l.Dependencies, tg.URN)
			l.PropertyDependencies["defaultActions"] = []resource.URN{tg.URN}
			return []string{"ENC-020 " + name(l)}
		}},
		{"binding of another target type", func(t *testing.T, d *apitype.DeploymentV3) []string {
			b := byType(*d, targetGroupBinding)[0]
			spec := b.Inputs["spec"].(map[string]any)
			spec["targetType"] = "instance"
			b.Outputs["spec"].(map[string]any)["targetType"] = "instance"
			return []string{"K8S-002 " + name(b)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := clone(t, base)
			want := c.mutate(t, &d)
			added := newFindings(baseline, findings(t, stack, d))
			sort.Strings(want)
			require.Equal(t, want, added)
		})
	}
}

// newFindings lists, sorted, the findings in got that the unedited plan did not have.
func newFindings(baseline, got map[string]bool) []string {
	var added []string
	for k := range got {
		if !baseline[k] {
			added = append(added, k)
		}
	}
	sort.Strings(added)
	return added
}
