package rules

import (
	"strings"
)

// Logging of the data stores: what a reviewer needs to reconstruct who changed what.

const tRDSClusterParamGroup = "aws:rds/clusterParameterGroup:ClusterParameterGroup"

// loggedStatements are the log_statement values that record schema changes: ddl logs
// CREATE/ALTER/DROP, mod adds data changes, all every statement
// (https://www.postgresql.org/docs/current/runtime-config-logging.html#GUC-LOG-STATEMENT).
var loggedStatements = []string{"ddl", "mod", "all"}

func init() {
	register(
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
