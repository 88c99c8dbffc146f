package rules

import "slices"

const (
	tSNSTopic       = "aws:sns/topic:Topic"
	tSNSTopicPolicy = "aws:sns/topicPolicy:TopicPolicy"
	tMetricAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tBudget         = "aws:budgets/budget:Budget"
	tEventTarget    = "aws:cloudwatch/eventTarget:EventTarget"
)

// A service publishes to a topic only when the topic's access policy grants its service
// principal sns:Publish: CloudWatch alarms
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions.html),
// AWS Budgets (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html)
// and EventBridge targets without a role
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
// Without it the alarm or budget is created and its notifications are silently dropped.
func init() {
	register(&Rule{
		ID: "SNS-001", Name: "topic-admits-its-publishers", Pack: Deployability, Severity: High, Level: Mandatory,
		Description: "A topic of the stack that alarms, budgets or EventBridge rules publish to grants each of those services sns:Publish in its access policy.",
		Remediation: "Add an Allow statement for the service principal (cloudwatch, budgets or events .amazonaws.com) with sns:Publish on the topic, scoped with aws:SourceArn / aws:SourceAccount.",
		Stack:       checkTopicPublishers,
	})
}

func checkTopicPublishers(c *Ctx, s *Stack) {
	publishers := []struct {
		types       []string
		prop        string
		service     string
		needsNoRole bool
	}{
		{[]string{tMetricAlarm}, "alarmActions", "cloudwatch.amazonaws.com", false},
		{[]string{tMetricAlarm}, "okActions", "cloudwatch.amazonaws.com", false},
		{[]string{tBudget}, "notifications", "budgets.amazonaws.com", false},
		{[]string{tEventTarget}, "arn", "events.amazonaws.com", true},
	}
	reported := map[[3]string]bool{}
	for _, pub := range publishers {
		for _, r := range s.OfType(pub.types...) {
			if pub.needsNoRole && str(r.Props, "roleArn") != "" {
				continue // EventBridge publishes with the target's role instead
			}
			for _, topic := range topicsIn(s, r, pub.prop) {
				key := [3]string{r.URN, topic.URN, pub.service}
				if !reported[key] && !topicAdmits(c, s, topic, pub.service) {
					reported[key] = true
					c.FailOn(r.URN, "%q (%s) publishes to topic %q, whose access policy does not grant %s sns:Publish: its notifications would be dropped", r.Name, r.Type, topic.Name, pub.service)
				}
			}
		}
	}
}

// topicsIn returns the topics of the stack that a property names anywhere inside it (budget
// notifications nest their subscriber ARNs).
func topicsIn(s *Stack, r *Resource, prop string) []*Resource {
	out := s.Refs(r, prop, tSNSTopic)
	walkStrings(r.Props[prop], prop, func(_, v string) {
		for _, t := range s.Find(v, tSNSTopic) {
			out = appendUnique(out, t)
		}
	})
	return out
}

// topicAdmits reports whether the topic's policy (its own `policy` or a TopicPolicy naming it)
// allows service to publish.
func topicAdmits(c *Ctx, s *Stack, topic *Resource, service string) bool {
	docs := []*Resource{topic}
	for _, tp := range s.OfType(tSNSTopicPolicy) {
		if slices.Contains(s.Refs(tp, "arn", tSNSTopic), topic) {
			docs = append(docs, tp)
		}
	}
	for _, d := range docs {
		stmts, _ := c.policyAt(d, "policy")
		for _, st := range stmts {
			if st.Allow() && slices.Contains(st.Principal["Service"], service) && actionAllows(st.Action, "sns:Publish") {
				return true
			}
		}
	}
	return false
}

// actionAllows reports whether an action list grants action (IAM wildcards included).
func actionAllows(actions []string, action string) bool {
	return slices.ContainsFunc(actions, func(a string) bool { return globMatch(a, action) })
}
