package rules

import (
	"slices"
	"strings"
)

// Logging of the data stores: what a reviewer needs to reconstruct who changed what.

const (
	tRDSClusterParamGroup = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tLogResourcePolicy    = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
)

// checkSearchAuditLogs: audit logs are published like the slow and application logs, to a log
// group whose resource policy lets es.amazonaws.com write (step 1 of
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html; they
// need fine-grained access control). What is audited (step 2) is set through the security
// plugin's REST API, which the provider does not manage.
func checkSearchAuditLogs(c *Ctx, s *Stack) {
	for _, d := range s.OfType(searchDomainTypes...) {
		opts, _ := d.Props.Get("logPublishingOptions")
		if IsUnknown(opts) {
			c.Unknown(d.Name + ".logPublishingOptions")
			continue
		}
		var audit any
		for _, o := range asList(opts) {
			if t, _ := mustGet(o, "logType").(string); t == "AUDIT_LOGS" {
				audit = o
			}
		}
		kind := searchDomainKind(d)
		if audit == nil {
			c.FailOn(d.URN, "%s %q does not publish AUDIT_LOGS (logPublishingOptions)", kind, d.Name)
			continue
		}
		if on, ok := mustGet(audit, "enabled").(bool); ok && !on {
			c.FailOn(d.URN, "%s %q has AUDIT_LOGS publishing disabled", kind, d.Name)
			continue
		}
		if fgac, known := c.Bool(d, "advancedSecurityOptions.enabled", false); known && !fgac {
			c.FailOn(d.URN, "%s %q publishes AUDIT_LOGS without fine-grained access control (advancedSecurityOptions.enabled), which audit logs require", kind, d.Name)
		}
		arn, _ := mustGet(audit, "cloudwatchLogGroupArn").(string)
		if arn == "" || strings.Contains(arn, unknownSentinel) {
			continue
		}
		groups := s.Find(strings.TrimSuffix(arn, ":*"), tLogGroup)
		for _, g := range groups {
			if k, known := c.Str(g, "kmsKeyId"); known && k == "" {
				c.FailOn(d.URN, "%s %q publishes AUDIT_LOGS to log group %q, which is not KMS-encrypted", kind, d.Name, g.Name)
			}
			if !logGroupWritableBy(c, s, g, "es.amazonaws.com") {
				c.FailOn(d.URN, "%s %q publishes AUDIT_LOGS to log group %q, but no log resource policy lets es.amazonaws.com write to it", kind, d.Name, g.Name)
			}
		}
	}
}

// logGroupWritableBy reports whether a CloudWatch Logs resource policy of the stack lets
// service create streams and put events in group.
func logGroupWritableBy(c *Ctx, s *Stack, group *Resource, service string) bool {
	arn, _ := group.Props["arn"].(string)
	if arn == "" {
		return true // the group's ARN is not known: nothing to compare
	}
	arn = strings.TrimSuffix(arn, ":*")
	for _, p := range s.OfType(tLogResourcePolicy) {
		sts, ok := c.policyAt(p, "policyDocument")
		if !ok {
			return true
		}
		for _, st := range sts {
			if !st.Allow() || !containsFold(st.Principal["Service"], service) ||
				!grantsAction(st, "logs:PutLogEvents") || !grantsAction(st, "logs:CreateLogStream") {
				continue
			}
			for _, r := range st.Resource {
				if globMatch(r, arn+":log-stream:x") || globMatch(r, arn+":*") {
					return true
				}
			}
		}
	}
	return false
}

// loggedStatements are the log_statement values that record schema changes: ddl logs
// CREATE/ALTER/DROP, mod adds data changes, all every statement
// (https://www.postgresql.org/docs/current/runtime-config-logging.html#GUC-LOG-STATEMENT).
var loggedStatements = []string{"ddl", "mod", "all"}

// Enhanced Monitoring needs an interval RDS accepts and a role that monitoring.rds.amazonaws.com
// may assume holding the AmazonRDSEnhancedMonitoringRole managed policy
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html).
var monitoringIntervals = []float64{1, 5, 10, 15, 30, 60}

const (
	monitoringPrincipal = "monitoring.rds.amazonaws.com"
	monitoringPolicy    = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
)

func checkEnhancedMonitoring(c *Ctx, s *Stack) {
	for _, db := range s.OfType(tRDSClusterInstance, tRDSInstance) {
		iv, present := db.Props.Get("monitoringInterval")
		if IsUnknown(iv) {
			c.Unknown(db.Name + ".monitoringInterval")
			continue
		}
		n, _ := iv.(float64)
		if !present || !slices.Contains(monitoringIntervals, n) {
			c.FailOn(db.URN, "database instance %q has no Enhanced Monitoring (monitoringInterval %v; want 1, 5, 10, 15, 30 or 60)", db.Name, iv)
			continue
		}
		arn, known := c.Str(db, "monitoringRoleArn")
		if !known {
			continue
		}
		if arn == "" {
			c.FailOn(db.URN, "database instance %q sets monitoringInterval without monitoringRoleArn: RDS cannot publish the metrics", db.Name)
			continue
		}
		for _, role := range s.Refs(db, "monitoringRoleArn", tIAMRole) {
			if p := monitoringRoleProblem(c, s, role); p != "" {
				c.FailOn(db.URN, "database instance %q publishes Enhanced Monitoring through role %q, which %s", db.Name, role.Name, p)
			}
		}
	}
}

// monitoringRoleProblem says what keeps RDS from using role for Enhanced Monitoring ("" when
// nothing does).
func monitoringRoleProblem(c *Ctx, s *Stack, role *Resource) string {
	sts, ok := c.policyAt(role, "assumeRolePolicy")
	if !ok {
		return ""
	}
	trusted := false
	for _, st := range sts {
		if st.Allow() && containsFold(st.Principal["Service"], monitoringPrincipal) && grantsAction(st, "sts:AssumeRole") {
			trusted = true
		}
	}
	if !trusted {
		return "does not trust " + monitoringPrincipal
	}
	if slices.Contains(Strings(role.Props["managedPolicyArns"]), monitoringPolicy) {
		return ""
	}
	for _, att := range s.OfType(tRoleAttach) {
		if p, _ := att.Props["policyArn"].(string); p == monitoringPolicy && slices.Contains(s.Refs(att, "role", tIAMRole), role) {
			return ""
		}
	}
	return "has no AmazonRDSEnhancedMonitoringRole policy attached"
}

func init() {
	register(
		&Rule{
			ID: "LOG-003", Name: "opensearch-audit-logs", Pack: Audit, Severity: Medium, Level: Mandatory,
			Description: "OpenSearch (and legacy Elasticsearch) domains publish AUDIT_LOGS, with fine-grained access control on, to a KMS-encrypted log group OpenSearch may write to.",
			Remediation: "Add an AUDIT_LOGS logPublishingOptions entry to an encrypted log group covered by a log resource policy for es.amazonaws.com (components/search), keep advancedSecurityOptions.enabled, then enable auditing through the security plugin's audit config API.",
			Stack:       checkSearchAuditLogs,
		},
		&Rule{
			ID: "LOG-002", Name: "rds-enhanced-monitoring", Pack: Audit, Severity: Medium, Level: Mandatory,
			Description: "RDS and Aurora instances run Enhanced Monitoring through a role trusted by monitoring.rds.amazonaws.com with AmazonRDSEnhancedMonitoringRole attached.",
			Remediation: "Set monitoringInterval (60) and monitoringRoleArn to a role trusting monitoring.rds.amazonaws.com with the AWS managed policy service-role/AmazonRDSEnhancedMonitoringRole (components/database creates it).",
			Stack:       checkEnhancedMonitoring,
		},
		&Rule{
			ID: "LOG-001", Name: "aurora-postgresql-statement-logging", Pack: Audit, Severity: Medium, Level: Mandatory,
			Description: "Aurora PostgreSQL cluster parameter groups log schema changes (log_statement ddl, mod or all).",
			Remediation: "Add the parameter log_statement = ddl to the cluster parameter group (components/database).",
			Types:       []string{tRDSClusterParamGroup},
			Resource: func(c *Ctx, r *Resource) {
				family, ok := c.Str(r, "family")
				if !ok || !strings.HasPrefix(family, "aurora-postgresql") {
					return
				}
				params, ok := c.List(r, "parameters")
				if !ok {
					return
				}
				for _, p := range params {
					name, _ := mustGet(p, "name").(string)
					if name != "log_statement" {
						continue
					}
					v, _ := mustGet(p, "value").(string)
					if !containsFold(loggedStatements, v) {
						c.Fail("cluster parameter group %q sets log_statement to %q, which does not log schema changes (want ddl, mod or all)", r.Name, v)
					}
					return
				}
				c.Fail("cluster parameter group %q does not set log_statement: PostgreSQL's default (none) logs no DDL", r.Name)
			},
		},
	)
}

const tBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"

// maxAbortDays is the longest an incomplete multipart upload may linger before a lifecycle
// rule aborts it: its parts are stored, and billed, until then
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html).
const maxAbortDays = 7

func checkAbortIncompleteUploads(c *Ctx, r *Resource) {
	rules, ok := c.List(r, "rules")
	if !ok {
		return
	}
	for _, rule := range rules {
		if st, _ := mustGet(rule, "status").(string); st != "Enabled" {
			continue
		}
		days, _ := mustGet(rule, "abortIncompleteMultipartUpload.daysAfterInitiation").(float64)
		if days < 1 || days > maxAbortDays || !wholeBucketFilter(mustGet(rule, "filter")) {
			continue
		}
		return
	}
	c.Fail("lifecycle configuration %q has no enabled whole-bucket rule aborting incomplete multipart uploads within %d days (abortIncompleteMultipartUpload.daysAfterInitiation)", r.Name, maxAbortDays)
}

// wholeBucketFilter reports whether a lifecycle rule filter selects every object: none, or
// an empty prefix and nothing else.
func wholeBucketFilter(f any) bool {
	m, _ := f.(map[string]any)
	for k, v := range m {
		if k == "prefix" {
			if p, _ := v.(string); p != "" {
				return false
			}
			continue
		}
		if v != nil {
			return false
		}
	}
	return true
}

func init() {
	register(&Rule{
		ID: "S3-001", Name: "s3-abort-incomplete-multipart-uploads", Pack: Deployability, Severity: Low, Level: Mandatory,
		Description: "Every S3 lifecycle configuration has an enabled whole-bucket rule aborting incomplete multipart uploads within 7 days.",
		Remediation: "Add abortIncompleteMultipartUpload { daysAfterInitiation: 7 } to the bucket's whole-bucket lifecycle rule.",
		Types:       []string{tBucketLifecycle},
		Resource:    checkAbortIncompleteUploads,
	})
}
