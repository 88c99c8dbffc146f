package monitoring

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/monitoring/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

func validArgs() *Args {
	return &Args{
		Prefix:   "prod-eu",
		Region:   "eu-west-1",
		Settings: settings.Settings{AlertEmails: []string{"oncall@example.com"}},
		Database: &Database{ClusterIdentifier: pulumi.String("prod-eu-primary"), Serving: true},
		LoadBalancer: &LoadBalancer{
			ArnSuffix:            pulumi.String("app/k8s-storefront-1a2b3c/50dc6c495c0c9188"),
			TargetGroupArnSuffix: pulumi.String("targetgroup/k8s-storefront-4d5e6f/943f017f100becff"),
		},
	}
}

func run(t *testing.T, args *Args) (*mockcloud.Cloud, error) {
	t.Helper()
	return mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		_, err := New(ctx, "monitoring", args)
		return err
	})
}

func alarm(t *testing.T, c *mockcloud.Cloud, name string) mockcloud.Resource {
	t.Helper()
	for _, a := range c.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if a.Str("name") == name {
			return a
		}
	}
	t.Fatalf("no alarm %s", name)
	return mockcloud.Resource{}
}

// The load balancer alarms are the source documents' thresholds: 5xx above 5 % of requests as
// metric math over the two ALB metrics, target p99 above 2 s, any unhealthy target.
func TestLoadBalancerAlarmsUseTheDocumentedMetricsAndThresholds(t *testing.T) {
	c, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	ratio := alarm(t, c, "prod-eu-alb-5xx-ratio")
	if ratio.Num("threshold") != 5 || ratio.Len("metricQueries") != 3 {
		t.Fatalf("5xx ratio alarm: threshold %v, %d queries", ratio.Num("threshold"), ratio.Len("metricQueries"))
	}
	var metrics []string
	for i := range 2 {
		q := "metricQueries[" + string(rune('0'+i)) + "]"
		metrics = append(metrics, ratio.Str(q+".metric.metricName"))
		if ratio.Str(q+".metric.namespace") != "AWS/ApplicationELB" || ratio.Str(q+".metric.dimensions.LoadBalancer") != "app/k8s-storefront-1a2b3c/50dc6c495c0c9188" {
			t.Errorf("query %d: %s %v", i, ratio.Str(q+".metric.namespace"), ratio.In(q+".metric.dimensions"))
		}
	}
	if !slices.Equal(metrics, []string{"HTTPCode_Target_5XX_Count", "RequestCount"}) || !strings.Contains(ratio.Str("metricQueries[2].expression"), "errors") {
		t.Errorf("ratio of %v: %q", metrics, ratio.Str("metricQueries[2].expression"))
	}
	p99 := alarm(t, c, "prod-eu-alb-p99-latency")
	if p99.Str("extendedStatistic") != "p99" || p99.Num("threshold") != 2 || p99.Str("dimensions.TargetGroup") == "" {
		t.Errorf("p99 alarm: %s %v %v", p99.Str("extendedStatistic"), p99.Num("threshold"), p99.In("dimensions"))
	}
	if u := alarm(t, c, "prod-eu-alb-unhealthy-targets"); u.Str("metricName") != "UnHealthyHostCount" {
		t.Errorf("unhealthy alarm on %s", u.Str("metricName"))
	}
}

// The topic's key lets each publisher use it, and the topic policy scopes each publisher to
// this account's sources.
func TestTopicIsEncryptedAndOnlyTheStacksPublishersMayPublish(t *testing.T) {
	c, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	topic := mockcloudtest.One(t, c, "aws:sns/topic:Topic")
	key := mockcloudtest.One(t, c, "aws:kms/key:Key")
	if topic.Str("kmsMasterKeyId") != key.Out("arn").StringValue() || !key.Bool("enableKeyRotation") {
		t.Fatalf("topic key %q, key %q rotation %v", topic.Str("kmsMasterKeyId"), key.Out("arn").StringValue(), key.Bool("enableKeyRotation"))
	}
	type doc struct {
		Statement []struct {
			Principal map[string]any
			Action    any
			Condition map[string]map[string]any
		}
	}
	var kp, tp doc
	if err := json.Unmarshal([]byte(key.Str("policy")), &kp); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mockcloudtest.One(t, c, "aws:sns/topicPolicy:TopicPolicy").Str("policy")), &tp); err != nil {
		t.Fatal(err)
	}
	services := func(d doc) (out []string) {
		for _, s := range d.Statement {
			if svc, ok := s.Principal["Service"].(string); ok {
				out = append(out, svc)
			}
		}
		return out
	}
	for _, svc := range []string{CloudWatchPrincipal, EventsPrincipal, PrometheusPrincipal, BudgetsPrincipal} {
		if !slices.Contains(services(kp), svc) || !slices.Contains(services(tp), svc) {
			t.Errorf("%s: in key policy %v, in topic policy %v", svc, services(kp), services(tp))
		}
	}
	for _, s := range tp.Statement {
		if _, ok := s.Principal["Service"]; ok && (s.Condition["ArnLike"]["aws:SourceArn"] == nil || s.Condition["StringEquals"]["aws:SourceAccount"] != mockcloud.Account) {
			t.Errorf("topic policy statement for %v lacks source conditions: %v", s.Principal, s.Condition)
		}
	}
	if n := len(c.OfType("aws:sns/topicSubscription:TopicSubscription")); n != 1 {
		t.Errorf("%d subscriptions for one address", n)
	}
}

func TestFindingsOfHighSeverityAreRoutedToTheTopic(t *testing.T) {
	c, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	topic := mockcloudtest.One(t, c, "aws:sns/topic:Topic").Out("arn").StringValue()
	patterns := map[string]string{}
	for _, r := range c.OfType("aws:cloudwatch/eventRule:EventRule") {
		patterns[r.Str("name")] = r.Str("eventPattern")
	}
	if !strings.Contains(patterns["prod-eu-guardduty-findings"], `"severity":[{"numeric":[">=",7]}]`) ||
		!strings.Contains(patterns["prod-eu-securityhub-findings"], `"Label":["HIGH","CRITICAL"]`) {
		t.Fatalf("finding patterns: %v", patterns)
	}
	for _, tg := range c.OfType("aws:cloudwatch/eventTarget:EventTarget") {
		if tg.Str("arn") != topic {
			t.Errorf("finding rule %s targets %s", tg.Str("rule"), tg.Str("arn"))
		}
	}
}

func TestValidateNamesEveryBadInput(t *testing.T) {
	a := validArgs()
	a.Prefix = "X"
	a.AlertEmails = []string{"on call"}
	a.ErrorRatePercent = 150
	a.Cache = &Cache{}
	a.Edge = &Edge{}
	_, err := run(t, a)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"Prefix", "alertEmails", "errorRatePercent", "Cache.ReplicationGroupID", "Cache.Nodes", "Edge.GlobalProvider"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	none := validArgs()
	none.AlertEmails = nil
	if _, err := run(t, none); err == nil || !strings.Contains(err.Error(), "alertEmails: is empty") {
		t.Errorf("a stack that pages no one: %v", err)
	}
}

// A budget is made only when one is set: monthly, in USD, over the stack's region, alerting the
// alert topic at 80 % actual and 100 % forecast spend.
func TestBudgetAlertsTheTopicOnlyWhenSet(t *testing.T) {
	c, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.OfType("aws:budgets/budget:Budget")); n != 0 {
		t.Fatalf("%d budgets without monthlyBudgetUsd", n)
	}
	args := validArgs()
	args.MonthlyBudgetUSD = 2500
	if c, err = run(t, args); err != nil {
		t.Fatal(err)
	}
	b := mockcloudtest.One(t, c, "aws:budgets/budget:Budget")
	topic := mockcloudtest.One(t, c, "aws:sns/topic:Topic").Out("arn").StringValue()
	if b.Str("budgetType") != "COST" || b.Str("timeUnit") != "MONTHLY" || b.Str("limitAmount") != "2500.00" || b.Str("limitUnit") != "USD" {
		t.Errorf("budget %s %s %s %s", b.Str("budgetType"), b.Str("timeUnit"), b.Str("limitAmount"), b.Str("limitUnit"))
	}
	if got := b.Str("costFilters[0].name") + "=" + b.Str("costFilters[0].values[0]"); got != "Region=eu-west-1" {
		t.Errorf("cost filter %s", got)
	}
	var got []string
	for i := range b.Len("notifications") {
		n := func(k string) string { return b.Str(fmt.Sprintf("notifications[%d].%s", i, k)) }
		if n("subscriberSnsTopicArns[0]") != topic {
			t.Errorf("notification %d goes to %q, not the alert topic %q", i, n("subscriberSnsTopicArns[0]"), topic)
		}
		got = append(got, fmt.Sprintf("%s %g %s", n("notificationType"), b.Num(fmt.Sprintf("notifications[%d].threshold", i)), n("thresholdType")))
	}
	if want := []string{"ACTUAL 80 PERCENTAGE", "FORECASTED 100 PERCENTAGE"}; !slices.Equal(got, want) {
		t.Errorf("notifications %v, want %v", got, want)
	}
	args.MonthlyBudgetUSD = -1
	if err := args.Validate(); err == nil || !strings.Contains(err.Error(), "monthlyBudgetUsd") {
		t.Errorf("a negative budget: %v", err)
	}
}
