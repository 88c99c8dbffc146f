package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// appRoleName is what Bootstrap accepts as the application role: a plain lower-case SQL
// identifier, so it reads the same quoted or not and in the IAM policy's dbuser ARN.
var appRoleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// bootstrapLock serialises concurrent bootstraps (role creation is not transactional with
// respect to a concurrent CREATE ROLE of the same name).
const bootstrapLock = 7301002

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	Migrations  []int // versions applied by this run
	RoleCreated bool
	RDSIAM      bool // the role was granted rds_iam (the server is RDS/Aurora)
}

// Bootstrap prepares the database for the application to connect as appUser instead of the
// owner of the schema (the cluster's master user). It runs as that owner and is idempotent:
//
//   - applies the migrations (the application user cannot create objects);
//   - creates appUser (LOGIN, no SUPERUSER, CREATEDB, CREATEROLE) when it does not exist, and
//     refuses an existing one that holds any of those attributes;
//   - grants it rds_iam when that role exists (RDS and Aurora), which makes it log in with IAM
//     auth tokens only;
//   - grants it USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on every table, USAGE/SELECT
//     on every sequence and EXECUTE on every function there, and the same by default on what
//     the owner creates there later, so future migrations need no new grants;
//   - revokes CREATE on the schema from PUBLIC, so the application cannot create objects.
//
// The owner keeps the objects: the application can read and write rows but cannot alter,
// drop or truncate tables, create roles or change privileges.
func (d *DB) Bootstrap(ctx context.Context, appUser string) (BootstrapResult, error) {
	var res BootstrapResult
	if !appRoleName.MatchString(appUser) {
		return res, fmt.Errorf("db-bootstrap: app user %q must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)", appUser)
	}
	applied, err := d.Migrate(ctx)
	res.Migrations = applied
	if err != nil {
		return res, err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return res, mapErr(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", bootstrapLock); err != nil {
		return res, mapErr(err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", bootstrapLock)
	}()

	var owner, schema string
	if err := conn.QueryRow(ctx, "SELECT current_user, current_schema()").Scan(&owner, &schema); err != nil {
		return res, mapErr(err)
	}
	if owner == appUser {
		return res, fmt.Errorf("db-bootstrap: connected as %q, the app user itself; run it with the owner's (master) credentials", owner)
	}
	role := pgx.Identifier{appUser}.Sanitize()
	sch := pgx.Identifier{schema}.Sanitize()
	own := pgx.Identifier{owner}.Sanitize()

	var exists, super, createRole, createDB, canLogin bool
	err = conn.QueryRow(ctx, `SELECT true, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1`, appUser).
		Scan(&exists, &super, &createRole, &createDB, &canLogin)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := conn.Exec(ctx, "CREATE ROLE "+role+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"); err != nil {
			return res, fmt.Errorf("db-bootstrap: creating role %s: %w", appUser, err)
		}
		res.RoleCreated = true
	case err != nil:
		return res, mapErr(err)
	case super || createRole || createDB:
		return res, fmt.Errorf("db-bootstrap: role %q exists with SUPERUSER, CREATEROLE or CREATEDB; the app user must hold none of them", appUser)
	case !canLogin:
		if _, err := conn.Exec(ctx, "ALTER ROLE "+role+" LOGIN"); err != nil {
			return res, fmt.Errorf("db-bootstrap: letting role %s log in: %w", appUser, err)
		}
	}

	var rdsIAM bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')").Scan(&rdsIAM); err != nil {
		return res, mapErr(err)
	}
	stmts := []string{}
	if rdsIAM {
		stmts = append(stmts, "GRANT rds_iam TO "+role)
		res.RDSIAM = true
	}
	stmts = append(stmts,
		"REVOKE CREATE ON SCHEMA "+sch+" FROM PUBLIC",
		"GRANT USAGE ON SCHEMA "+sch+" TO "+role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "+sch+" TO "+role,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "+sch+" TO "+role,
		"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA "+sch+" TO "+role,
		"ALTER DEFAULT PRIVILEGES FOR ROLE "+own+" IN SCHEMA "+sch+" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "+role,
		"ALTER DEFAULT PRIVILEGES FOR ROLE "+own+" IN SCHEMA "+sch+" GRANT USAGE, SELECT ON SEQUENCES TO "+role,
		"ALTER DEFAULT PRIVILEGES FOR ROLE "+own+" IN SCHEMA "+sch+" GRANT EXECUTE ON FUNCTIONS TO "+role,
	)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("db-bootstrap: %w", err)
	}
	return res, nil
}
