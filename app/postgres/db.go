// Package postgres implements the storefront repositories on PostgreSQL (pgx v5 pool).
//
// Every repository method owns its transaction. Connection failures surface as
// store.KindUnavailable errors; the pool drops broken connections, so after a restart or a
// failover (multi-host DSN with target_session_attrs=read-write) requests succeed again as soon
// as a writable server answers.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"globalstack/app/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options tunes the pool.
type Options struct {
	MaxConns int32
	// MaxReadQueries bounds how many listing and search queries run at once; the others wait
	// in arrival order. 0 means no bound beyond the pool size.
	MaxReadQueries int
	Log            *slog.Logger
	// IAMAuth (optional) authenticates every new connection with an RDS IAM auth token.
	IAMAuth *IAMAuth
}

// DB is the PostgreSQL adapter; it implements the store repository interfaces.
type DB struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// reads admits listing and search queries (nil: unbounded). Those queries are CPU-bound
	// (sorting, ranking); admitting more than the server has CPUs time-slices them all, so a
	// query that needs a few milliseconds of CPU finishes only after tens. Waiting in line
	// first keeps each query's run short and the tail close to the median. Transactions
	// (checkout) are not gated: they mostly wait for the WAL flush and benefit from concurrency.
	reads chan struct{}
}

// acquireRead waits for a read slot (in arrival order) or for ctx to end.
func (d *DB) acquireRead(ctx context.Context) (release func(), err error) {
	if d.reads == nil {
		return func() {}, nil
	}
	select {
	case d.reads <- struct{}{}:
		return func() { <-d.reads }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Open parses dsn (URL or key=value; empty means the libpq PG* environment variables) and
// creates a pool. It does not wait for the server: the process starts and reports not ready
// until the database answers.
func Open(ctx context.Context, dsn string, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.MinConns = 0
	cfg.HealthCheckPeriod = 5 * time.Second
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 5*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "storefront"
	// A statement stuck on a lock must not hold a request (and a pooled connection) forever.
	if _, ok := cfg.ConnConfig.RuntimeParams["statement_timeout"]; !ok {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = "15000"
	}
	if o.IAMAuth != nil {
		if o.IAMAuth.Region == "" || o.IAMAuth.Credentials == nil {
			return nil, errors.New("postgres: IAM authentication needs a region and AWS credentials")
		}
		if err := checkIAMConfig(cfg); err != nil {
			return nil, err
		}
		// Never a password from the environment or a passfile: only the token.
		cfg.ConnConfig.Password = ""
		cfg.BeforeConnect = iamBeforeConnect(*o.IAMAuth)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	d := &DB{pool: pool, log: log}
	if n := o.MaxReadQueries; n > 0 && int32(n) < cfg.MaxConns {
		d.reads = make(chan struct{}, n)
	}
	return d, nil
}

// Close closes the pool.
func (d *DB) Close() { d.pool.Close() }

// Pool exposes the pool to the seed and re-index commands.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Ping checks that a writable server answers.
func (d *DB) Ping(ctx context.Context) error {
	_, err := d.pool.Exec(ctx, "SELECT 1")
	return mapErr(err)
}

// Stats returns pool counters for metrics.
func (d *DB) Stats() *pgxpool.Stat { return d.pool.Stat() }

// migrationLock serialises migrations when several replicas start at once.
const migrationLock = 7301001

// Migrate applies the embedded migrations that have not been applied yet, each in its own
// transaction, and returns the versions applied.
func (d *DB) Migrate(ctx context.Context) ([]int, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return nil, mapErr(err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	}()
	// Checked first because CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when
	// the table exists, and the application role (see Bootstrap) has no such privilege.
	var haveTable bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&haveTable); err != nil {
		return nil, mapErr(err)
	}
	if !haveTable {
		if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return nil, mapErr(err)
		}
	}
	var applied []int
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("migration %s: name must start with a number", base)
		}
		var done bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", v).Scan(&done); err != nil {
			return applied, mapErr(err)
		}
		if done {
			continue
		}
		sql, err := migrationFS.ReadFile(f)
		if err != nil {
			return applied, err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", v, base)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", base, err)
		}
		applied = append(applied, v)
	}
	return applied, nil
}

// Maintain deletes idempotency records and outbox events past their retention, expired sessions and old one-time links.
func (d *DB) Maintain(ctx context.Context, idempotencyTTL, outboxTTL time.Duration) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", idempotencyTTL.String()); err != nil {
		return mapErr(err)
	}
	if _, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at < now()"); err != nil {
		return mapErr(err)
	}
	// Used or expired links are kept a day past their expiry, for the per-window send limit.
	if _, err := d.pool.Exec(ctx, "DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day'"); err != nil {
		return mapErr(err)
	}
	_, err := d.pool.Exec(ctx, "DELETE FROM outbox WHERE created_at < now() - $1::interval", outboxTTL.String())
	return mapErr(err)
}

// inTx runs fn in a transaction. A transaction that failed because the connection broke
// (restart, failover) is retried once on a fresh connection; callers make fn safe to repeat.
func (d *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, d.pool, fn)
	if err != nil && retryable(err) && ctx.Err() == nil {
		d.log.Warn("retrying transaction after connection failure", "err", err)
		err = pgx.BeginFunc(ctx, d.pool, fn)
	}
	return err
}

// retryable: the connection failed or the server aborted us for a reason a new attempt fixes.
func retryable(err error) bool {
	if isConnErr(err) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

func isConnErr(err error) bool {
	if err == nil {
		return false
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// connection exceptions, admin shutdown / crash shutdown / cannot connect now, read-only standby
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "25006"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

// mapErr turns driver errors into the store vocabulary where one applies.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isConnErr(err) {
		return store.Unavailable("database_unavailable", "the database is unavailable; retry shortly", err)
	}
	return err
}

func pgCode(err error) (string, string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}
