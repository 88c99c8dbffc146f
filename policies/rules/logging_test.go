package rules_test

import (
	"strconv"
	"strings"

	"globalstack/policies/plantest"
)

// paramGroup is the Aurora cluster parameter group of the planned database.
var paramGroup = subject{"aws:rds/clusterParameterGroup:ClusterParameterGroup", "database"}

// withoutParam drops one parameter from the planned cluster parameter group, checking that
// the plan sets it.
func withoutParam(name string) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		r := p.Find(paramGroup.typ, paramGroup.name)
		var kept []any
		for _, e := range r.Inputs["parameters"].([]any) {
			if e.(map[string]any)["name"] != name {
				kept = append(kept, e)
			}
		}
		if len(kept) == len(r.Inputs["parameters"].([]any)) {
			p.T().Fatalf("the planned parameter group does not set %s", name)
		}
		p.Set(paramGroup.typ, paramGroup.name, "parameters", kept)
	}
}

// setParam sets one parameter of the planned cluster parameter group.
func setParam(name, value string) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		r := p.Find(paramGroup.typ, paramGroup.name)
		params := r.Inputs["parameters"].([]any)
		for i, e := range params {
			if e.(map[string]any)["name"] == name {
				p.Set(paramGroup.typ, paramGroup.name, "parameters."+strconv.Itoa(i)+".value", value)
				return
			}
		}
		p.T().Fatalf("the planned parameter group does not set %s", name)
	}
}

// edgeLogsLifecycle is the lifecycle configuration of the CloudFront log bucket.
var edgeLogsLifecycle = subject{"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "edge-logs"}

// withoutAuditLogs drops the AUDIT_LOGS entry of the planned domain's log publishing.
func withoutAuditLogs(p *plantest.Plan) {
	for _, typ := range []string{tSearch, tLegacy} {
		for _, r := range p.All(typ) {
			var kept []any
			for _, o := range r.Inputs["logPublishingOptions"].([]any) {
				if o.(map[string]any)["logType"] != "AUDIT_LOGS" {
					kept = append(kept, o)
				}
			}
			plantest.SetProp(p.T(), r, "logPublishingOptions", kept)
		}
	}
}

func loggingCases() []fixtureCase {
	return []fixtureCase{
		// LOG-002
		{rule: "LOG-002", name: "instances monitored through the monitoring role"},
		{rule: "LOG-002", name: "monitoring off", fail: true, want: "no Enhanced Monitoring", on: instance, edit: with(instance, map[string]any{"monitoringInterval": 0.0})},
		{rule: "LOG-002", name: "interval RDS refuses", fail: true, want: "no Enhanced Monitoring", on: instance, edit: with(instance, map[string]any{"monitoringInterval": 120.0})},
		{rule: "LOG-002", name: "no role", fail: true, want: "without monitoringRoleArn", on: instance, edit: with(instance, map[string]any{"monitoringRoleArn": ""})},
		{rule: "LOG-002", name: "role without the managed policy", fail: true, want: "no AmazonRDSEnhancedMonitoringRole", edit: func(p *plantest.Plan) {
			p.Remove(tAttach, "database-monitoring")
		}},
		{rule: "LOG-002", name: "role trusting another service", fail: true, want: "does not trust monitoring.rds.amazonaws.com", edit: func(p *plantest.Plan) {
			r := p.Find(tRole, "database-monitoring")
			p.Set(tRole, "database-monitoring", "assumeRolePolicy",
				strings.ReplaceAll(r.Inputs["assumeRolePolicy"].(string), "monitoring.rds.amazonaws.com", "rds.amazonaws.com"))
		}},
		// LOG-003
		{rule: "LOG-003", name: "audit logs published to an encrypted, writable group"},
		{rule: "LOG-003", name: "no audit logs", fail: true, want: "does not publish AUDIT_LOGS", on: search, edit: withoutAuditLogs},
		{rule: "LOG-003", name: "legacy domain without audit logs", fail: true, want: "Elasticsearch domain", on: legacy, edit: asLegacy(withoutAuditLogs, func(p *plantest.Plan) {
			p.Remove(tSearch, search.name)
		})},
		{rule: "LOG-003", name: "audit logs without fine-grained access control", fail: true, want: "fine-grained access control", on: search,
			edit: with(search, map[string]any{"advancedSecurityOptions.enabled": false})},
		{rule: "LOG-003", name: "audit log group not encrypted", fail: true, want: "not KMS-encrypted", on: search,
			edit: with(subject{tLogGroup, "search-audit"}, map[string]any{"kmsKeyId": deleted{}})},
		{rule: "LOG-003", name: "log policy without the audit group", fail: true, want: "no log resource policy", on: search, edit: func(p *plantest.Plan) {
			p.Remove("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "search")
		}},
		// SNS-001
		{rule: "SNS-001", name: "the alert topic admits its alarms, budget and rules"},
		{rule: "SNS-001", name: "alarms not admitted", fail: true, want: "cloudwatch.amazonaws.com", edit: withoutTopicStatement("CloudWatchAlarmsPublish")},
		{rule: "SNS-001", name: "budget not admitted", fail: true, want: "budgets.amazonaws.com", on: subject{"aws:budgets/budget:Budget", "monitoring-budget"},
			edit: withoutTopicStatement("BudgetsPublish")},
		{rule: "SNS-001", name: "finding rules not admitted", fail: true, want: "events.amazonaws.com", edit: withoutTopicStatement("FindingRulesPublish")},
		// S3-001
		{rule: "S3-001", name: "every lifecycle configuration aborts uploads"},
		{rule: "S3-001", name: "no abort rule", fail: true, want: "incomplete multipart", on: edgeLogsLifecycle,
			edit: with(edgeLogsLifecycle, map[string]any{"rules.0.abortIncompleteMultipartUpload": deleted{}})},
		{rule: "S3-001", name: "aborts after 30 days", fail: true, want: "within 7 days", on: edgeLogsLifecycle,
			edit: with(edgeLogsLifecycle, map[string]any{"rules.0.abortIncompleteMultipartUpload.daysAfterInitiation": 30.0})},
		{rule: "S3-001", name: "abort rule for one prefix only", fail: true, want: "whole-bucket", on: edgeLogsLifecycle,
			edit: with(edgeLogsLifecycle, map[string]any{"rules.0.filter.prefix": "cloudfront/"})},
		{rule: "S3-001", name: "abort rule disabled", fail: true, want: "enabled", on: edgeLogsLifecycle,
			edit: with(edgeLogsLifecycle, map[string]any{"rules.0.status": "Disabled"})},
		// LOG-001
		{rule: "LOG-001", name: "ddl logged", on: paramGroup},
		{rule: "LOG-001", name: "all statements logged", on: paramGroup, edit: setParam("log_statement", "all")},
		{rule: "LOG-001", name: "log_statement unset", fail: true, want: "does not set log_statement", on: paramGroup, edit: withoutParam("log_statement")},
		{rule: "LOG-001", name: "log_statement none", fail: true, want: `"none"`, on: paramGroup, edit: setParam("log_statement", "none")},
	}
}

// alertTopicPolicy is the access policy of the stack's alert topic.
var alertTopicPolicy = subject{"aws:sns/topicPolicy:TopicPolicy", "monitoring-alerts"}

// withoutTopicStatement drops the statement with the given Sid from the alert topic's policy.
func withoutTopicStatement(sid string) func(p *plantest.Plan) {
	return withoutStatement(alertTopicPolicy, func(st map[string]any) bool { return st["Sid"] == sid })
}
