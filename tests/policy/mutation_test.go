package policy

import (
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
	"globalstack/policies/plantest"
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

// publicSubnets returns the subnets associated with a route table that routes to an internet
// gateway, worked out from the state's own ids.
func publicSubnets(t *testing.T, d apitype.DeploymentV3) []*apitype.ResourceV3 {
	tables := map[string]bool{}
	for _, r := range plantest.OfType(d, "aws:ec2/route:Route") {
		if gw, _ := r.Outputs["gatewayId"].(string); strings.HasPrefix(gw, "igw-") {
			tables[r.Outputs["routeTableId"].(string)] = true
		}
	}
	subnetIDs := map[string]bool{}
	for _, a := range plantest.OfType(d, "aws:ec2/routeTableAssociation:RouteTableAssociation") {
		if rt, _ := a.Outputs["routeTableId"].(string); tables[rt] {
			subnetIDs[a.Outputs["subnetId"].(string)] = true
		}
	}
	var out []*apitype.ResourceV3
	for _, s := range plantest.OfType(d, "aws:ec2/subnet:Subnet") {
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
			c := plantest.Find(t, d, "aws:rds/cluster:Cluster", "database")
			plantest.SetProp(t, c, "storageEncrypted", false)
			return "ENC-001 " + plantest.Name(c)
		}, nil},
		{"cache without TLS", func(t *testing.T, d apitype.DeploymentV3) string {
			c := plantest.Find(t, d, "aws:elasticache/replicationGroup:ReplicationGroup", "cache")
			plantest.SetProp(t, c, "transitEncryptionEnabled", false)
			return "ENC-005 " + plantest.Name(c)
		}, nil},
		{"database subnet group on public subnets", func(t *testing.T, d apitype.DeploymentV3) string {
			g := plantest.Find(t, d, "aws:rds/subnetGroup:SubnetGroup", "database")
			var ids []any
			var urns []resource.URN
			for _, s := range publicSubnets(t, d) {
				ids = append(ids, string(s.ID))
				urns = append(urns, s.URN)
			}
			plantest.SetProp(t, g, "subnetIds", ids)
			g.PropertyDependencies["subnetIds"] = urns
			return "LP-009 database"
		}, []string{"NET-001 storefront"}}, // the pods' NetworkPolicy admits the data subnets only
		{"backup copies to the US", func(t *testing.T, d apitype.DeploymentV3) string {
			p := plantest.Find(t, d, "aws:backup/plan:Plan", "replication")
			plantest.SetProp(t, p, "rules.0.copyActions", []any{map[string]any{"destinationVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:x"}})
			return "RES-008 " + plantest.Name(p)
		}, nil},
		{"world-open SSH", func(t *testing.T, d apitype.DeploymentV3) string {
			// By name: the order of concurrently registered resources in the state varies.
			g := plantest.Find(t, d, "aws:ec2/securityGroup:SecurityGroup", "vpc-endpoints")
			plantest.SetProp(t, g, "ingress", []any{map[string]any{"fromPort": 22.0, "toPort": 22.0, "protocol": "tcp", "cidrBlocks": []any{"0.0.0.0/0"}}})
			return "LP-007 " + plantest.Name(g)
		}, []string{"NET-001 vpc-endpoints"}}, // the edit drops the endpoints' HTTPS rule
		{"trail without log file validation", func(t *testing.T, d apitype.DeploymentV3) string {
			tr := plantest.Find(t, d, "aws:cloudtrail/trail:Trail", "baseline")
			plantest.SetProp(t, tr, "enableLogFileValidation", false)
			return "AUD-001 " + plantest.Name(tr)
		}, nil},
		{"region owner with its GuardDuty detector disabled", func(t *testing.T, d apitype.DeploymentV3) string {
			plantest.SetProp(t, plantest.Find(t, d, "aws:guardduty/detector:Detector", "baseline"), "enable", false)
			return "AUD-002 globalstack-" + stack
		}, nil},
		{"trail delivering to a us-east-1 bucket", func(t *testing.T, d apitype.DeploymentV3) string {
			tr := plantest.Find(t, d, "aws:cloudtrail/trail:Trail", "baseline")
			plantest.SetProp(t, tr, "s3BucketName", "prod-eu-audit-archive-us-east-1")
			return "AUD-003 " + plantest.Name(tr)
		}, nil},
		{"regional resource through the us-east-1 provider", func(t *testing.T, d apitype.DeploymentV3) string {
			var global string
			for _, p := range plantest.OfType(d, "pulumi:providers:aws") {
				if p.Inputs["region"] == "us-east-1" {
					global = string(p.URN) + "::" + string(p.ID)
				}
			}
			require.NotEmpty(t, global, "no us-east-1 provider in %s", stack)
			g := plantest.Find(t, d, "aws:elasticache/subnetGroup:SubnetGroup", "cache")
			g.Provider = global
			return "RES-002 " + plantest.Name(g)
		}, nil},
		{"edge alarm events forwarded to a bus outside the jurisdiction", func(t *testing.T, d apitype.DeploymentV3) string {
			tgt := plantest.Find(t, d, "aws:cloudwatch/eventTarget:EventTarget", "monitoring-edge-alarms-out")
			plantest.SetProp(t, tgt, "arn", "arn:aws:events:us-west-2:123456789012:event-bus/default")
			return "RES-002 " + plantest.Name(tgt)
		}, nil},
		{"us-east-1 alarm on a regional metric", func(t *testing.T, d apitype.DeploymentV3) string {
			a := plantest.Find(t, d, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-cloudfront-5xx")
			plantest.SetProp(t, a, "namespace", "AWS/RDS")
			return "RES-002 " + plantest.Name(a)
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plantest.Clone(t, base)
			want := c.mutate(t, d)
			got := findings(t, stack, d)
			added := newFindings(baseline, got)
			expected := append([]string{want}, c.also...)
			sort.Strings(expected)
			require.Equal(t, expected, added)
		})
	}
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
		release    = "kubernetes:helm.sh/v3:Release"
	)
	cases := []struct {
		name   string
		now    time.Time
		mutate func(t *testing.T, d *apitype.DeploymentV3) []string
	}{
		{"table older than 180 days", judgeDay.AddDate(0, 6, 2), func(t *testing.T, d *apitype.DeploymentV3) []string {
			// Six months on, Kubernetes 1.36 is also within 120 days of its end of standard support.
			return []string{"LIFE-004 globalstack-" + stack, "LIFE-002 cluster"}
		}},
		{"cluster on Kubernetes 1.31", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			c := plantest.Find(t, *d, eksCluster, "cluster")
			plantest.SetProp(t, c, "version", "1.31")
			// kube-proxy, coredns and the CloudWatch observability add-on are pinned for 1.36 only.
			return []string{"LIFE-001 cluster", "LIFE-003 cluster-kube-proxy", "LIFE-003 cluster-coredns",
				"LIFE-003 cluster-amazon-cloudwatch-observability"}
		}},
		{"Aurora minor missing from the table", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			plantest.SetProp(t, plantest.Find(t, *d, "aws:rds/cluster:Cluster", "database"), "engineVersion", "16.6")
			return []string{"LIFE-001 database"}
		}},
		{"kube-proxy of another Kubernetes version", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			plantest.SetProp(t, plantest.Find(t, *d, addon, "cluster-kube-proxy"), "addonVersion", "v1.31.2-eksbuild.3")
			return []string{"LIFE-003 cluster-kube-proxy"}
		}},
		{"metrics-server removed", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			*d = plantest.Edit(t, stack, *d).Remove(release, "cluster-metrics-server").D
			return []string{"K8S-001 storefront"} // the storefront's HorizontalPodAutoscaler
		}},
		{"load balancer controller removed", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			*d = plantest.Edit(t, stack, *d).Remove(release, "cluster-lb-controller").D
			return []string{"K8S-002 " + plantest.Name(plantest.Find(t, *d, targetGroupBinding, "storefront"))}
		}},
		{"vpc-cni without the network policy agent", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			plantest.SetProp(t, plantest.Find(t, *d, addon, "cluster-vpc-cni"), "configurationValues", `{"enableNetworkPolicy":"false"}`)
			var want []string
			for _, p := range plantest.OfType(*d, "kubernetes:networking.k8s.io/v1:NetworkPolicy") {
				want = append(want, "K8S-004 "+plantest.Name(p))
			}
			require.NotEmpty(t, want)
			// Unenforced policies leave the pods' forbidden egress to the internet open: the
			// flow check reports it on the component that declares it.
			return append(want, "NET-002 cluster")
		}},
		{"service account annotated with another role", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			app := plantest.Find(t, *d, sa, "storefront") // the app's, by name: state order varies
			other := plantest.Find(t, *d, role, "cluster-lb-controller")
			annotate(app, other.Outputs["arn"].(string))
			return []string{"K8S-005 " + plantest.Name(app)}
		}},
		{"trust condition names another service account", judgeDay, func(t *testing.T, d *apitype.DeploymentV3) []string {
			app := plantest.Find(t, *d, sa, "storefront") // the app's, by name: state order varies
			ann := app.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
			arn := ann["eks.amazonaws.com/role-arn"].(string)
			for _, r := range plantest.OfType(*d, role) {
				if r.Outputs["arn"] == arn {
					doc := r.Inputs["assumeRolePolicy"].(string)
					require.Contains(t, doc, "system:serviceaccount:storefront:storefront")
					plantest.SetProp(t, r, "assumeRolePolicy", strings.ReplaceAll(doc, "system:serviceaccount:storefront:storefront", "system:serviceaccount:storefront:intruder"))
					return []string{"K8S-005 " + plantest.Name(app)}
				}
			}
			require.Failf(t, "not planned", "no role %s", arn)
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plantest.Clone(t, base)
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
			*d = plantest.Edit(t, stack, *d).Remove("aws:wafv2/webAclAssociation:WebAclAssociation", "origin").D
			return []string{"LP-012 " + plantest.Name(plantest.Find(t, *d, lbType, "origin"))}
		}},
		{"invalid headers forwarded", func(t *testing.T, d *apitype.DeploymentV3) []string {
			lb := plantest.Find(t, *d, lbType, "origin")
			plantest.SetProp(t, lb, "dropInvalidHeaderFields", false)
			return []string{"LP-013 " + plantest.Name(lb)}
		}},
		{"access logs off", func(t *testing.T, d *apitype.DeploymentV3) []string {
			lb := plantest.Find(t, *d, lbType, "origin")
			plantest.SetProp(t, lb, "accessLogs.enabled", false)
			// No longer a load balancer's log bucket, its SSE-S3 is no longer excused.
			return []string{"LP-014 " + plantest.Name(lb), "ENC-010 " + plantest.Name(plantest.Find(t, *d, sse, "origin-access-logs"))}
		}},
		{"log bucket unversioned", func(t *testing.T, d *apitype.DeploymentV3) []string {
			v := plantest.Find(t, *d, versioning, "origin-access-logs")
			plantest.SetProp(t, v, "versioningConfiguration.status", "Suspended")
			return []string{"ENC-010 " + plantest.Name(plantest.Find(t, *d, sse, "origin-access-logs"))}
		}},
		{"TLS 1.0 policy on the HTTPS listener", func(t *testing.T, d *apitype.DeploymentV3) []string {
			l := plantest.Find(t, *d, listener, "origin-https")
			plantest.SetProp(t, l, "sslPolicy", "ELBSecurityPolicy-2016-08")
			return []string{"ENC-019 " + plantest.Name(l)}
		}},
		{"HTTP listener forwarding beside HTTPS", func(t *testing.T, d *apitype.DeploymentV3) []string {
			p := plantest.Edit(t, stack, *d)
			tg := p.Find("aws:lb/targetGroup:TargetGroup", "origin")
			p.Set(listener, "origin-http", "defaultActions", []any{map[string]any{"type": "forward", "targetGroupArn": tg.Outputs["arn"]}}).
				// As the program would record it: the action's input comes from the target group.
				DependOn(listener, "origin-http", "defaultActions", tg)
			*d = p.D
			return []string{"ENC-020 origin-http"}
		}},
		{"binding of another target type", func(t *testing.T, d *apitype.DeploymentV3) []string {
			b := plantest.Find(t, *d, targetGroupBinding, "storefront")
			plantest.SetProp(t, b, "spec.targetType", "instance")
			return []string{"K8S-002 " + plantest.Name(b)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plantest.Clone(t, base)
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
