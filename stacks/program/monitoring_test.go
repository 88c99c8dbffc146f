package program_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"globalstack/components/monitoring"
	"globalstack/components/monitoring/rules"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// watched is one alarm the source documents ask for: a metric exactly as its service's
// CloudWatch documentation names it, and the dimension that ties it to the stack's resource.
type watched struct{ namespace, metric, dimension string }

// The alarms each kind of stack must have (the "alarms, dashboards and SLOs"): a
// serving region watches its data tier, its edge and its cluster; a pilot-light DR stack the
// global database replication lag (its RPO), which only the secondary region publishes.
// A serving region also watches its load balancer (components/origin): the target 5xx share
// of requests (metric math, checked by checkErrorRatio), p99 response time and unhealthy
// targets.
var (
	dataTierAlarms = []watched{
		{"AWS/RDS", "CPUUtilization", "DBClusterIdentifier"},
		{"AWS/RDS", "FreeableMemory", "DBClusterIdentifier"},
		{"AWS/RDS", "DatabaseConnections", "DBClusterIdentifier"},
		{"AWS/RDS", "AuroraReplicaLag", "DBClusterIdentifier"},
		{"AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId"},
		{"AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId"},
		{"AWS/ElastiCache", "Evictions", "CacheClusterId"},
		{"AWS/ElastiCache", "ReplicationLag", "CacheClusterId"},
		{"AWS/ES", "ClusterStatus.red", "DomainName"},
		{"AWS/ES", "ClusterStatus.yellow", "DomainName"},
		{"AWS/ES", "FreeStorageSpace", "DomainName"},
		{"AWS/ES", "JVMMemoryPressure", "DomainName"},
	}
	clusterAlarms = []watched{
		{"ContainerInsights", "node_cpu_utilization", "ClusterName"},
		{"ContainerInsights", "cluster_failed_node_count", "ClusterName"},
		{"ContainerInsights", "pod_number_of_container_restarts", "ClusterName"},
	}
	edgeAlarms = []watched{
		{"AWS/CloudFront", "5xxErrorRate", "DistributionId"},
		{"AWS/WAFV2", "BlockedRequests", "WebACL"},
	}
	loadBalancerAlarms = []watched{
		{"AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer"},
		{"AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup"},
	}
	pilotLightAlarms = []watched{{"AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier"}}
)

func TestEveryStackHasTheAlarmsTheSourceDocumentsName(t *testing.T) {
	p := plan.NewPlanner("../..")
	for _, stack := range []string{"prod-us", "prod-eu", "prod-jp"} {
		res, err := p.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Concat(dataTierAlarms, clusterAlarms, edgeAlarms, loadBalancerAlarms)
		checkAlarms(t, res, want, []string{"AuroraGlobalDBReplicationLag"})
		checkErrorRatio(t, res, 1)
	}
	for stack := range drStacks {
		for failover, want := range map[string][]watched{
			"false": pilotLightAlarms,
			"true":  slices.Concat(dataTierAlarms, clusterAlarms, loadBalancerAlarms),
		} {
			res, err := p.PlanWith(stack, map[string]string{config.Key("failover"): failover})
			if err != nil {
				t.Fatal(err)
			}
			absent := []string{"5xxErrorRate", "BlockedRequests"}
			if failover == "false" {
				absent = append(absent, "CPUUtilization", "node_cpu_utilization", "EngineCPUUtilization")
			} else {
				absent = append(absent, "AuroraGlobalDBReplicationLag")
			}
			checkAlarms(t, res, want, absent)
			ratios := 0
			if failover == "true" {
				ratios = 1
			}
			checkErrorRatio(t, res, ratios)
		}
	}
}

// checkAlarms checks that res has an alarm on every wanted metric whose dimension names one of
// the stack's own resources, each notifying the stack's topic (directly in its region, through
// the forwarding rules from us-east-1), and none on the absent metrics.
func checkAlarms(t *testing.T, res *plan.Result, want []watched, absent []string) {
	t.Helper()
	topic, _ := res.Outputs["alertTopicArn"].(string)
	if !strings.HasPrefix(topic, "arn:aws:sns:"+stackRegion(res)+":") {
		t.Fatalf("%s: alert topic %q is not a topic of the stack's region", res.Stack, topic)
	}
	alarms := res.Cloud.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	for _, w := range want {
		var found []mockcloud.Resource
		for _, a := range alarms {
			if a.Str("namespace") == w.namespace && a.Str("metricName") == w.metric {
				found = append(found, a)
			}
		}
		if len(found) == 0 {
			t.Errorf("%s: no alarm on %s %s", res.Stack, w.namespace, w.metric)
			continue
		}
		for _, a := range found {
			dim := a.Str("dimensions." + w.dimension)
			if !ownsIdentifier(res, w.dimension, dim) {
				t.Errorf("%s: alarm %s: dimension %s=%q names no resource of the stack", res.Stack, a.Name, w.dimension, dim)
			}
			checkNotifies(t, res, a, topic)
		}
	}
	for _, a := range alarms {
		if slices.Contains(absent, a.Str("metricName")) {
			t.Errorf("%s: alarm %s on %s, which this stack does not publish", res.Stack, a.Name, a.Str("metricName"))
		}
	}
}

// checkErrorRatio checks that res has want metric-math alarms, each dividing the target 5xx
// count by the request count of a load balancer of the stack, and notifying its topic.
func checkErrorRatio(t *testing.T, res *plan.Result, want int) {
	t.Helper()
	topic, _ := res.Outputs["alertTopicArn"].(string)
	got := 0
	for _, a := range res.Cloud.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		n := a.Len("metricQueries")
		if n == 0 {
			continue
		}
		got++
		metrics := map[string]string{}
		for i := range n {
			q := fmt.Sprintf("metricQueries[%d].metric.", i)
			if m := a.Str(q + "metricName"); m != "" {
				metrics[m] = a.Str(q + "dimensions.LoadBalancer")
			}
		}
		for _, m := range []string{"HTTPCode_Target_5XX_Count", "RequestCount"} {
			if lb, ok := metrics[m]; !ok || !ownsIdentifier(res, "LoadBalancer", lb) {
				t.Errorf("%s: ratio alarm %s: %s of a load balancer of the stack missing (metrics %v)", res.Stack, a.Name, m, metrics)
			}
		}
		checkNotifies(t, res, a, topic)
	}
	if got != want {
		t.Errorf("%s: %d metric-math (error ratio) alarms, want %d", res.Stack, got, want)
	}
}

// checkNotifies: an alarm in the stack's region notifies the topic on alarm and on recovery;
// one in us-east-1 (CloudFront, WAF of a cell elsewhere) has no action there, and a us-east-1
// rule matching it forwards to the stack region's bus, where a rule targets the topic.
func checkNotifies(t *testing.T, res *plan.Result, a mockcloud.Resource, topic string) {
	t.Helper()
	region := stackRegion(res)
	if a.Region == region {
		if !slices.Contains(a.Strs("alarmActions"), topic) || !slices.Contains(a.Strs("okActions"), topic) {
			t.Errorf("%s: alarm %s does not notify %s on ALARM and OK", res.Stack, a.Name, topic)
		}
		return
	}
	if a.Region != "us-east-1" {
		t.Errorf("%s: alarm %s is in %s", res.Stack, a.Name, a.Region)
		return
	}
	name := a.Str("name")
	forwarded, delivered := false, false
	for _, rule := range res.Cloud.OfType("aws:cloudwatch/eventRule:EventRule") {
		var pattern struct {
			Source    []string            `json:"source"`
			Region    []string            `json:"region"`
			Resources []map[string]string `json:"resources"`
		}
		if json.Unmarshal([]byte(rule.Str("eventPattern")), &pattern) != nil || !slices.Contains(pattern.Source, "aws.cloudwatch") {
			continue
		}
		if !slices.Contains(pattern.Region, "us-east-1") || len(pattern.Resources) != 1 ||
			!strings.HasPrefix("arn:aws:cloudwatch:us-east-1:"+mockcloud.Account+":alarm:"+name, pattern.Resources[0]["prefix"]) {
			continue
		}
		for _, target := range res.Cloud.OfType("aws:cloudwatch/eventTarget:EventTarget") {
			if target.Str("rule") != rule.Str("name") || target.Region != rule.Region {
				continue
			}
			switch {
			case rule.Region == "us-east-1" && target.Str("arn") == "arn:aws:events:"+region+":"+mockcloud.Account+":event-bus/default" && target.Str("roleArn") != "":
				forwarded = true
			case rule.Region == region && target.Str("arn") == topic:
				delivered = true
			}
		}
	}
	if !forwarded || !delivered {
		t.Errorf("%s: us-east-1 alarm %s reaches the topic: forwarded to %s %v, delivered to the topic %v", res.Stack, a.Name, region, forwarded, delivered)
	}
}

// ownsIdentifier reports whether value identifies a resource of the stack the way the
// metric's dimension does.
func ownsIdentifier(res *plan.Result, dimension, value string) bool {
	if value == "" {
		return false
	}
	match := func(typ, field string) bool {
		for _, r := range res.Cloud.OfType(typ) {
			if r.Out(field).IsString() && r.Out(field).StringValue() == value {
				return true
			}
			if v := r.Out(field); v.IsArray() {
				for _, e := range v.ArrayValue() {
					if e.IsString() && e.StringValue() == value {
						return true
					}
				}
			}
		}
		return false
	}
	switch dimension {
	case "DBClusterIdentifier":
		return match("aws:rds/cluster:Cluster", "clusterIdentifier")
	case "CacheClusterId":
		return match("aws:elasticache/replicationGroup:ReplicationGroup", "memberClusters")
	case "DomainName":
		return match("aws:opensearch/domain:Domain", "domainName")
	case "DistributionId":
		return match("aws:cloudfront/distribution:Distribution", "id")
	case "WebACL":
		return match("aws:wafv2/webAcl:WebAcl", "visibilityConfig.metricName")
	case "ClusterName":
		return match("aws:eks/cluster:Cluster", "name")
	case "LoadBalancer":
		return match("aws:lb/loadBalancer:LoadBalancer", "arnSuffix")
	case "TargetGroup":
		return match("aws:lb/targetGroup:TargetGroup", "arnSuffix")
	}
	return false
}

func stackRegion(res *plan.Result) string { return res.Config["aws:region"] }

// One topic pages per stack: every alarm of the stack's region, the baseline's CIS alarms
// included, notifies the alert topic and nothing else, and the topic's policy and its key's
// policy admit the alarm's ARN (CloudWatch publishes to an encrypted topic only when the key
// policy lets cloudwatch.amazonaws.com use the key,
// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
func TestOneAlertTopicPagesEveryAlarm(t *testing.T) {
	p := plan.NewPlanner("../..")
	plans := map[string]map[string]string{"prod-us": nil, "prod-eu": nil, "prod-jp": nil}
	for stack := range drStacks {
		plans[stack] = nil
	}
	for stack, cfg := range plans {
		res, err := p.PlanWith(stack, cfg)
		if err != nil {
			t.Fatal(err)
		}
		topics := res.Cloud.OfType("aws:sns/topic:Topic")
		if len(topics) != 1 {
			t.Fatalf("%s: %d SNS topics, want the one alert topic", stack, len(topics))
		}
		topic := topics[0]
		if arnOf(topic) != res.Outputs["alertTopicArn"] {
			t.Fatalf("%s: the topic %s is not the alert topic %v", stack, arnOf(topic), res.Outputs["alertTopicArn"])
		}
		topicAdmits := cloudWatchSources(t, stack, "topic policy", topicPolicyOf(t, res, arnOf(topic)))
		var key mockcloud.Resource
		for _, k := range res.Cloud.OfType("aws:kms/key:Key") {
			if k.Out("arn").StringValue() == topic.Str("kmsMasterKeyId") {
				key = k
			}
		}
		keyAdmits := cloudWatchSources(t, stack, "key policy", key.Str("policy"))
		cis := 0
		for _, a := range res.Cloud.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if a.Region != stackRegion(res) {
				continue
			}
			if strings.HasPrefix(a.Str("namespace"), "globalstack/CIS/") {
				cis++
			}
			if actions := a.Strs("alarmActions"); !slices.Equal(actions, []string{arnOf(topic)}) {
				t.Errorf("%s: alarm %s notifies %v, want only the alert topic", stack, a.Name, actions)
			}
			arn := a.Out("arn").StringValue()
			if !arnLike(topicAdmits, arn) || !arnLike(keyAdmits, arn) {
				t.Errorf("%s: alarm %s (%s) is not admitted: topic policy %v, key policy %v", stack, a.Name, arn, topicAdmits, keyAdmits)
			}
		}
		if cis != 8 {
			t.Errorf("%s: %d CIS alarms in the stack's region, want 8", stack, cis)
		}
	}
}

func arnOf(r mockcloud.Resource) string { return r.Out("arn").StringValue() }

// topicPolicyOf is the policy document of the topic named by arn.
func topicPolicyOf(t *testing.T, res *plan.Result, arn string) string {
	t.Helper()
	for _, tp := range res.Cloud.OfType("aws:sns/topicPolicy:TopicPolicy") {
		if tp.Str("arn") == arn {
			return tp.Str("policy")
		}
	}
	t.Fatalf("%s: no policy on %s", res.Stack, arn)
	return ""
}

// cloudWatchSources are the aws:SourceArn patterns under which doc allows
// cloudwatch.amazonaws.com.
func cloudWatchSources(t *testing.T, stack, what, doc string) []string {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect    string
			Principal struct{ Service any }
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("%s: %s: %v", stack, what, err)
	}
	var out []string
	for _, s := range p.Statement {
		if s.Effect != "Allow" || s.Principal.Service != "cloudwatch.amazonaws.com" {
			continue
		}
		if src, ok := s.Condition["ArnLike"]["aws:SourceArn"].(string); ok {
			out = append(out, src)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: the alert topic's %s does not admit CloudWatch alarms", stack, what)
	}
	return out
}

// arnLike applies IAM's ArnLike: "*" matches any run of characters.
func arnLike(patterns []string, arn string) bool {
	for _, p := range patterns {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$"
		if regexp.MustCompile(re).MatchString(arn) {
			return true
		}
	}
	return false
}

// Every serving stack (cell, DR stack at failover) sends its storefront metrics to a managed
// Prometheus workspace of its region, encrypted with a key of the stack, scraped from its own
// cluster by a collector whose role the cluster admits, evaluating the storefront rules and
// alerting the stack's topic, whose policy admits the workspace. A pilot light has none.
func TestEveryServingStackHasManagedPrometheusAlertingTheTopic(t *testing.T) {
	p := plan.NewPlanner("../..")
	type run struct {
		stack   string
		cfg     map[string]string
		serving bool
	}
	var runs []run
	for _, s := range []string{"prod-us", "prod-eu", "prod-jp"} {
		runs = append(runs, run{s, nil, true})
	}
	for s := range drStacks {
		runs = append(runs, run{s, map[string]string{config.Key("failover"): "true"}, true}, run{s, nil, false})
	}
	for _, r := range runs {
		res, err := p.PlanWith(r.stack, r.cfg)
		if err != nil {
			t.Fatal(err)
		}
		workspaces := res.Cloud.OfType("aws:amp/workspace:Workspace")
		if !r.serving {
			for _, typ := range []string{"aws:amp/workspace:Workspace", "aws:amp/scraper:Scraper"} {
				if n := len(res.Cloud.OfType(typ)); n != 0 {
					t.Errorf("%s (pilot light): %d x %s", r.stack, n, typ)
				}
			}
			continue
		}
		if len(workspaces) != 1 {
			t.Fatalf("%s: %d managed Prometheus workspaces, want 1", r.stack, len(workspaces))
		}
		ws := workspaces[0]
		region := stackRegion(res)
		if ws.Region != region {
			t.Errorf("%s: workspace in %s, not the stack's region", r.stack, ws.Region)
		}
		stackKey := false
		for _, k := range res.Cloud.OfType("aws:kms/key:Key") {
			stackKey = stackKey || (k.Region == region && k.Out("arn").StringValue() == ws.Str("kmsKeyArn"))
		}
		if !stackKey {
			t.Errorf("%s: workspace key %q is no key of the stack in %s", r.stack, ws.Str("kmsKeyArn"), region)
		}
		scraper := mockcloudtest.One(t, res.Cloud, "aws:amp/scraper:Scraper")
		cluster := mockcloudtest.One(t, res.Cloud, "aws:eks/cluster:Cluster")
		if scraper.Str("destination.amp.workspaceArn") != arnOf(ws) || scraper.Str("source.eks.clusterArn") != arnOf(cluster) {
			t.Errorf("%s: scraper does not read the stack's cluster into its workspace: %v", r.stack, scraper.Inputs)
		}
		if !strings.Contains(scraper.Str("scrapeConfiguration"), "__meta_kubernetes_pod_annotation_prometheus_io_scrape") {
			t.Errorf("%s: scrape configuration does not select annotated pods", r.stack)
		}
		bound := false
		for _, b := range res.Cloud.OfType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") {
			bound = bound || (b.Str("subjects[0].kind") == "User" && b.Str("subjects[0].name") == monitoring.ScraperUser)
		}
		if !bound {
			t.Errorf("%s: no ClusterRole is bound to the scraper's user %s", r.stack, monitoring.ScraperUser)
		}
		ns := mockcloudtest.One(t, res.Cloud, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")
		if ns.Str("workspaceId") != ws.ID || ns.Str("data") != string(rules.Storefront) {
			t.Errorf("%s: the storefront rules are not uploaded to the workspace", r.stack)
		}
		am := mockcloudtest.One(t, res.Cloud, "aws:amp/alertManagerDefinition:AlertManagerDefinition")
		topic, _ := res.Outputs["alertTopicArn"].(string)
		if am.Str("workspaceId") != ws.ID || !strings.Contains(am.Str("definition"), "topic_arn: "+topic+"\n") ||
			!strings.Contains(am.Str("definition"), "region: "+region+"\n") {
			t.Errorf("%s: the alert manager does not route to %s with sigv4 in %s", r.stack, topic, region)
		}
		if !prometheusMayPublish(t, res, topic, arnOf(ws)) {
			t.Errorf("%s: the topic policy does not admit the workspace %s", r.stack, arnOf(ws))
		}
	}
}

// prometheusMayPublish reports whether topic's policy lets aps.amazonaws.com publish with
// workspace as aws:SourceArn.
func prometheusMayPublish(t *testing.T, res *plan.Result, topic, workspace string) bool {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect    string
			Principal struct{ Service any }
			Action    []string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(topicPolicyOf(t, res, topic)), &p); err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Statement {
		src, _ := s.Condition["ArnLike"]["aws:SourceArn"].(string)
		if s.Effect == "Allow" && s.Principal.Service == "aps.amazonaws.com" && slices.Contains(s.Action, "sns:Publish") && arnLike([]string{src}, workspace) {
			return true
		}
	}
	return false
}
