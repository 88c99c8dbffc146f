// Package drill is the local disaster-recovery drill: a PostgreSQL primary and a streaming
// standby on loopback, the real storefront taking a steady stream of orders through a
// multi-host DSN, the primary killed with SIGKILL, the standby promoted, and the storefront
// carrying on without a restart. It measures RTO (last order acknowledged before the kill to
// the first acknowledged after it), RPO (acknowledged orders missing on the promoted server)
// and the replication lag before the kill, for asynchronous and synchronous replication.
package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"globalstack/app/config"
	"globalstack/app/server"
	"globalstack/app/store"
	"globalstack/internal/devenv"
)

// Mode is the replication mode of the drill.
type Mode string

const (
	// Async means the primary acknowledges a commit once its own WAL is flushed.
	Async Mode = "async"
	// Sync means the primary also waits for the standby to flush the commit's WAL
	// (synchronous_standby_names='*', synchronous_commit=on).
	Sync Mode = "sync"
)

// Options configures one drill. Zero values take the defaults in brackets.
type Options struct {
	Mode Mode
	// Rate is the target of new orders per second over all clients [40].
	Rate float64
	// Clients is the number of concurrent customers, each ordering its own product [4].
	Clients int
	// BeforeKill is the steady state before the primary is killed [4s].
	BeforeKill time.Duration
	// AfterRecovery is how long orders keep flowing after the first one acknowledged after
	// the kill [2s].
	AfterRecovery time.Duration
	// DetectionDelay is the time between the kill and the promotion, standing in for failure
	// detection; it is reported separately from the promotion itself [0].
	DetectionDelay time.Duration
	// StallBeforeKill freezes the primary's WAL sender (SIGSTOP) this long before the kill, as a
	// replication link that stops carrying WAL would: asynchronous commits are still
	// acknowledged and are lost with the primary, synchronous ones wait [0: no stall].
	StallBeforeKill time.Duration
	// RetryDelay is the pause before a client retries a failed order with the same key [50ms].
	RetryDelay time.Duration
	// RecoveryTimeout bounds the wait for the first acknowledged order after the kill [30s].
	RecoveryTimeout time.Duration
	// Timeout bounds the whole drill, setup and cleanup included [90s].
	Timeout time.Duration
	// PGBinDir holds the PostgreSQL server binaries [devenv's default].
	PGBinDir string
	// Out receives progress lines and the summary; nil discards them.
	Out io.Writer
	// StorefrontLog receives the storefront's JSON log at warn level; nil discards it.
	StorefrontLog io.Writer
	// AfterRecovered, when set, runs once orders flow again, while the storefront still serves
	// (for example to probe /readyz); its error fails the drill.
	AfterRecovered func(ctx context.Context, baseURL string) error
}

func (o *Options) defaults() error {
	switch o.Mode {
	case Async, Sync:
	default:
		return fmt.Errorf("drill: mode must be %q or %q, got %q", Async, Sync, o.Mode)
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	if o.Rate <= 0 {
		o.Rate = 40
	}
	if o.Clients <= 0 {
		o.Clients = 4
	}
	setDur(&o.BeforeKill, 4*time.Second)
	setDur(&o.AfterRecovery, 2*time.Second)
	setDur(&o.RetryDelay, 50*time.Millisecond)
	setDur(&o.RecoveryTimeout, 30*time.Second)
	setDur(&o.Timeout, 90*time.Second)
	if o.DetectionDelay < 0 {
		o.DetectionDelay = 0
	}
	if o.StallBeforeKill < 0 || o.StallBeforeKill >= o.BeforeKill {
		return fmt.Errorf("drill: StallBeforeKill must be between 0 and BeforeKill (%s), got %s", o.BeforeKill, o.StallBeforeKill)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.StorefrontLog == nil {
		o.StorefrontLog = io.Discard
	}
	return nil
}

// Run performs one drill and returns what it measured. Every process it started (both
// PostgreSQL servers and the in-process storefront) is stopped before it returns, on success
// and on failure. On failure the report holds what was measured so far.
func Run(ctx context.Context, opts Options) (rep Report, err error) {
	if err := opts.defaults(); err != nil {
		return Report{}, err
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	rep = Report{Mode: opts.Mode, DetectionDelay: opts.DetectionDelay, Durable: true, Stall: opts.StallBeforeKill}
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
		rep.Elapsed = time.Since(start)
		if err != nil {
			err = fmt.Errorf("drill (%s): %w", opts.Mode, err)
		}
	}()
	say := func(format string, a ...any) {
		fmt.Fprintf(opts.Out, "[%s %6.2fs] %s\n", opts.Mode, time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}

	// Durable: fsync and synchronous_commit on, as in production. With synchronous_commit off
	// (devenv's fast default) the primary acknowledges before its own WAL flush and the
	// walsender only ships flushed WAL, so the async RPO would measure a setting nobody runs for
	// orders, and sync mode needs synchronous_commit=on anyway.
	primary, err := devenv.StartPostgres(ctx, devenv.PGOptions{BinDir: opts.PGBinDir, Durable: true})
	if err != nil {
		return rep, fmt.Errorf("start primary: %w", err)
	}
	cleanups = append(cleanups, primary.Close)
	if _, err := primary.CreateDatabase(ctx, "shop"); err != nil {
		return rep, fmt.Errorf("create database: %w", err)
	}
	standby, err := primary.StartStandby(ctx)
	if err != nil {
		return rep, fmt.Errorf("start standby: %w", err)
	}
	cleanups = append(cleanups, standby.Close)
	l, err := waitForStandby(ctx, primary.DSN("postgres"), opts.Mode == Sync)
	if err != nil {
		return rep, err
	}
	rep.PrimaryAddr, rep.StandbyAddr = fmt.Sprintf("127.0.0.1:%d", primary.Port), fmt.Sprintf("127.0.0.1:%d", standby.Port)
	say("primary 127.0.0.1:%d, standby 127.0.0.1:%d (%s, sync_state=%s)", primary.Port, standby.Port, l.State, l.SyncState)

	// The storefront only knows both hosts; libpq-style target_session_attrs picks the writable one.
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/shop?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		primary.Port, standby.Port)
	app, err := startStorefront(ctx, dsn, opts.StorefrontLog)
	if err != nil {
		return rep, err
	}
	cleanups = append(cleanups, app.stop)
	rep.StorefrontAddr = strings.TrimPrefix(app.base, "http://")
	say("storefront %s (DATABASE_URL %s)", app.base, dsn)

	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Clients * 2,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}}
	defer hc.CloseIdleConnections()
	customers, err := seed(ctx, app, hc, opts.Clients)
	if err != nil {
		return rep, fmt.Errorf("seed: %w", err)
	}

	// Steady stream of orders.
	rec := newRecorder()
	loadCtx, stopLoad := context.WithCancel(ctx)
	var loadWG sync.WaitGroup
	interval := time.Duration(float64(opts.Clients) / opts.Rate * float64(time.Second))
	for i, c := range customers {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			c.stream(loadCtx, i, interval, opts.RetryDelay, rec)
		}()
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			stopLoad()
			loadWG.Wait()
		}
	}
	defer stop()

	// Lag samples from the primary during the steady state.
	lagConn, err := pgx.Connect(ctx, primary.DSN("postgres"))
	if err != nil {
		return rep, fmt.Errorf("connect to primary for lag: %w", err)
	}
	steadyEnd := time.Now().Add(opts.BeforeKill)
	for {
		if opts.StallBeforeKill > 0 && rep.StallAt.IsZero() && !time.Now().Before(steadyEnd.Add(-opts.StallBeforeKill)) {
			pid, err := stallWALSender(ctx, lagConn)
			if err != nil {
				lagConn.Close(context.Background())
				return rep, fmt.Errorf("stall replication: %w", err)
			}
			rep.StallAt = time.Now()
			// A stopped WAL sender would block the primary's shutdown if the drill fails before
			// the kill; after the kill it is gone with the instance.
			cleanups = append(cleanups, func() {
				if rep.KillDone.IsZero() {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			say("WAL sender %d stopped: replication stalls for %s before the kill", pid, opts.StallBeforeKill)
		}
		l, err := sampleLag(ctx, lagConn)
		if err != nil {
			lagConn.Close(context.Background())
			return rep, fmt.Errorf("replication lag: %w", err)
		}
		rep.MaxLag = maxLag(rep.MaxLag, l)
		rep.LagBeforeKill = l
		rep.LagSamples++
		if !time.Now().Before(steadyEnd) {
			break
		}
		next := time.Now().Add(200 * time.Millisecond)
		if next.After(steadyEnd) {
			next = steadyEnd
		}
		if !sleepUntil(ctx, next) {
			lagConn.Close(context.Background())
			return rep, ctx.Err()
		}
	}
	lagConn.Close(context.Background())
	rep.SyncState = rep.LagBeforeKill.SyncState
	if opts.Mode == Sync && rep.SyncState != "sync" {
		return rep, fmt.Errorf("standby is %q, not sync, before the kill", rep.SyncState)
	}
	if rec.ackedCount() == 0 {
		return rep, errors.New("no order was acknowledged before the kill; the storefront is not taking orders")
	}
	say("steady state: %d orders acked; lag %s", rec.ackedCount(), rep.LagBeforeKill)

	// Failure: the whole primary instance disappears.
	rep.KillAt = time.Now()
	rep.ProcessesKilled, err = killInstance(ctx, primary)
	rep.KillDone = time.Now()
	rec.markKilled(rep.KillDone)
	if err != nil {
		return rep, fmt.Errorf("kill primary: %w", err)
	}
	say("kill -9 primary: %d processes gone in %s", rep.ProcessesKilled, fmtDur(rep.KillDone.Sub(rep.KillAt)))

	if !sleepUntil(ctx, rep.KillDone.Add(opts.DetectionDelay)) {
		return rep, ctx.Err()
	}
	rep.PromoteAt = time.Now()
	if err := standby.Promote(ctx); err != nil {
		return rep, fmt.Errorf("promote: %w", err)
	}
	rep.PromotedAt = time.Now()
	rep.PromoteTook = rep.PromotedAt.Sub(rep.PromoteAt)
	say("standby promoted in %s", fmtDur(rep.PromoteTook))

	select {
	case <-rec.recovered:
	case <-app.done:
		return rep, fmt.Errorf("storefront exited during the outage: %v", app.runErr)
	case <-time.After(opts.RecoveryTimeout):
		return rep, fmt.Errorf("no order acknowledged within %s after the kill", opts.RecoveryTimeout)
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	say("orders flow again")
	if !sleepUntil(ctx, time.Now().Add(opts.AfterRecovery)) {
		return rep, ctx.Err()
	}
	if opts.AfterRecovered != nil {
		if err := opts.AfterRecovered(ctx, app.base); err != nil {
			return rep, fmt.Errorf("after recovery: %w", err)
		}
	}
	stop()
	select {
	case <-app.done:
		rep.StorefrontUp = false
	default:
		rep.StorefrontUp = true
	}

	// RPO: read every acknowledged order back from the promoted server.
	orders := rec.snapshot()
	present, err := readBack(ctx, standby.DSN("shop"), ackedIDs(orders))
	if err != nil {
		return rep, fmt.Errorf("read orders from the promoted server: %w", err)
	}
	analyse(&rep, orders, present)
	rep.WriteSummary(opts.Out)
	return rep, nil
}

// readBack returns the orders with the given ids present on the server.
func readBack(ctx context.Context, dsn string, ids []int64) (map[int64]found, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, "SELECT id, user_id, created_at FROM orders WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]found, len(ids))
	for rows.Next() {
		var id int64
		var f found
		if err := rows.Scan(&id, &f.UserID, &f.CreatedAt); err != nil {
			return nil, err
		}
		out[id] = f
	}
	return out, rows.Err()
}

// storefront is the real program running in this process.
type storefront struct {
	m      *server.Main
	base   string
	cancel context.CancelFunc
	done   chan struct{}
	runErr error
}

func startStorefront(ctx context.Context, dsn string, log io.Writer) (*storefront, error) {
	vars := map[string]string{
		"STOREFRONT_ENV":   "development", // generates a token secret
		"STOREFRONT_ADDR":  "127.0.0.1:0",
		"DATABASE_URL":     dsn,
		"LOG_LEVEL":        "warn",
		"RATE_LIMIT_RPS":   "0",
		"REQUEST_TIMEOUT":  "10s",
		"SHUTDOWN_TIMEOUT": "5s",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		return nil, err
	}
	// Run's lifetime is the drill's, not the caller's context: stop cancels it.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m, err := server.New(runCtx, cfg, server.NewLogger(log, cfg.LogLevel))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("storefront: %w", err)
	}
	if err := m.Listen(); err != nil {
		cancel()
		m.Close()
		return nil, err
	}
	s := &storefront{m: m, base: "http://" + m.Addr(), cancel: cancel, done: make(chan struct{})}
	go func() {
		s.runErr = m.Run(runCtx)
		close(s.done)
	}()
	select {
	case <-m.Ready():
		return s, nil
	case <-s.done:
		cancel()
		m.Close()
		return nil, fmt.Errorf("storefront did not start: %v", s.runErr)
	case <-ctx.Done():
		s.stop()
		return nil, fmt.Errorf("storefront did not start: %w", ctx.Err())
	}
}

func (s *storefront) stop() {
	s.cancel()
	<-s.done
	s.m.Close()
}

// seed creates an admin, one customer per client and one well-stocked product per client
// (so clients do not queue on one stock row), through the API. Only the admin role is set
// directly in the database, as the storefront's admin bootstrap does.
func seed(ctx context.Context, app *storefront, hc *http.Client, clients int) ([]*customer, error) {
	const password = "correct horse battery staple"
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	login := func(email, name string) (string, int64, error) {
		if _, err := apiCall(ctx, hc, http.MethodPost, app.base+"/api/users", "",
			map[string]string{"email": email, "password": password, "name": name}, http.StatusCreated); err != nil {
			return "", 0, err
		}
		return relogin(ctx, app, hc, email, password)
	}
	adminEmail := "drill-admin-" + suffix + "@example.com"
	if _, _, err := login(adminEmail, "Drill Admin"); err != nil {
		return nil, err
	}
	if _, err := app.m.DB.SetRole(ctx, adminEmail, store.RoleAdmin); err != nil {
		return nil, err
	}
	admin, _, err := relogin(ctx, app, hc, adminEmail, password)
	if err != nil {
		return nil, err
	}
	var out []*customer
	for i := 0; i < clients; i++ {
		p, err := apiCall(ctx, hc, http.MethodPost, app.base+"/api/admin/products", admin, map[string]any{
			"sku": fmt.Sprintf("DRILL-%s-%d", suffix, i), "name": fmt.Sprintf("Drill widget %d", i), "description": "Ordered during the DR drill.",
			"price": map[string]any{"amount": 1000, "currency": "USD"}, "category": "drill", "brand": "Acme", "stock": 1_000_000,
		}, http.StatusCreated)
		if err != nil {
			return nil, err
		}
		pid, err := numID(p, "id")
		if err != nil {
			return nil, fmt.Errorf("create product: %w", err)
		}
		tok, uid, err := login(fmt.Sprintf("drill-%s-%d@example.com", suffix, i), fmt.Sprintf("Customer %d", i))
		if err != nil {
			return nil, err
		}
		out = append(out, &customer{base: app.base, token: tok, userID: uid, product: pid, hc: hc})
	}
	return out, nil
}

func relogin(ctx context.Context, app *storefront, hc *http.Client, email, password string) (string, int64, error) {
	r, err := apiCall(ctx, hc, http.MethodPost, app.base+"/api/users/login", "",
		map[string]string{"email": email, "password": password}, http.StatusOK)
	if err != nil {
		return "", 0, err
	}
	tok, _ := r["token"].(string)
	uid, err := numID(r, "user", "id")
	if tok == "" || err != nil {
		return "", 0, fmt.Errorf("login answer without token or user id: %v", r)
	}
	return tok, uid, nil
}
