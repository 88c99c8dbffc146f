// Package server wires configuration, adapters, services and the HTTP API into one program.
// Main is what the binary runs and what end-to-end tests start in-process.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"globalstack/app/api"
	"globalstack/app/config"
	"globalstack/app/mail"
	"globalstack/app/opensearch"
	"globalstack/app/payment"
	"globalstack/app/postgres"
	"globalstack/app/rediscache"
	"globalstack/app/store"
)

// Main is the storefront program.
type Main struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *postgres.DB
	Redis    *rediscache.Client // nil without REDIS_URL
	Search   *opensearch.Client // nil without OPENSEARCH_URL
	Payments *payment.TestProvider
	Metrics  *api.Metrics
	Catalog  *store.Catalog
	Tokens   *store.Tokens
	Accounts *store.Accounts
	Orders   *store.Orders
	Mailer   *store.Mailer // nil when MAIL_BACKEND=none
	Hasher   *store.Hasher
	Throttle *store.LoginThrottle
	Echo     *echo.Echo

	stopNear      context.CancelFunc
	httpServer    *http.Server
	listener      net.Listener
	metricsServer *http.Server
	metricsLn     net.Listener
	draining      atomic.Bool
	ready         chan struct{}
	wg            sync.WaitGroup
}

// NewLogger returns the JSON logger used by the program.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// New builds the program from configuration. It connects lazily: no dependency has to be up.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Main, error) {
	m := &Main{Config: cfg, Log: log, Metrics: api.NewMetrics(), Payments: payment.NewTestProvider(), ready: make(chan struct{})}
	var err error
	dbOpts := postgres.Options{MaxConns: cfg.DBMaxConns, MaxReadQueries: cfg.DBMaxReadQueries, Log: log}
	if cfg.DatabaseIAMAuth {
		if dbOpts.IAMAuth, err = postgres.NewIAMAuth(ctx, cfg.DatabaseRegion); err != nil {
			return nil, err
		}
	}
	if m.DB, err = postgres.Open(ctx, cfg.DatabaseURL, dbOpts); err != nil {
		return nil, err
	}
	if cfg.RedisURL != "" {
		rediscache.SetLogger(log)
		if m.Redis, err = rediscache.New(rediscache.Options{URL: cfg.RedisURL, Password: cfg.RedisPassword, PoolSize: 64}); err != nil {
			m.Close()
			return nil, err
		}
	}
	if cfg.OpenSearchURL != "" {
		m.Search, err = opensearch.New(opensearch.Config{URLs: strings.Split(cfg.OpenSearchURL, ","), Auth: cfg.OpenSearchAuth,
			Username: cfg.OpenSearchUser, Password: cfg.OpenSearchPassword, AWSRegion: cfg.OpenSearchRegion,
			Alias: cfg.OpenSearchIndex, Log: log})
		if err != nil {
			m.Close()
			return nil, err
		}
	}
	if m.Tokens, err = store.NewTokens(cfg.TokenSecret, cfg.TokenTTL); err != nil {
		m.Close()
		return nil, fmt.Errorf("TOKEN_SECRET: %w", err)
	}

	m.Hasher = store.NewHasher(cfg.LoginMaxHashes, cfg.LoginQueueTimeout, cfg.LoginMaxQueue)
	m.Metrics.ObserveHasher(m.Hasher)
	m.Throttle = store.NewLoginThrottle(cfg.LoginThrottleFree, cfg.LoginThrottleBase, cfg.LoginThrottleMax)

	var searcher store.Searcher = m.DB
	if m.Search != nil {
		searcher = &store.FallbackSearcher{Primary: m.Search, Secondary: m.DB, Log: log}
	}
	m.Catalog = &store.Catalog{Products: m.DB, Search: searcher, TTL: cfg.CacheTTL, SearchTTL: 30 * time.Second, Metrics: m.Metrics, Log: log}
	var carts *store.Carts
	checks := []api.Check{{Name: "postgres", Required: true, Ping: m.DB.Ping}}
	if m.Redis != nil {
		cache := rediscache.NewCache(m.Redis)
		m.Catalog.Cache = cache
		if cfg.CacheLocalTTL > 0 {
			var nctx context.Context
			nctx, m.stopNear = context.WithCancel(context.WithoutCancel(ctx))
			m.Catalog.Cache = rediscache.NewNear(nctx, cache, cfg.CacheLocalTTL, 20000, log)
		}
		carts = &store.Carts{Store: rediscache.NewCarts(m.Redis, cfg.CartTTL), Products: m.DB, Metrics: m.Metrics}
		checks = append(checks, api.Check{Name: "redis", Ping: m.Redis.Ping})
	}
	if m.Search != nil {
		checks = append(checks, api.Check{Name: "opensearch", Ping: m.Search.Ping})
	}
	if m.Mailer, err = newMailer(ctx, cfg, log); err != nil {
		m.Close()
		return nil, err
	}
	m.Accounts = &store.Accounts{Users: m.DB, Sessions: m.DB, OneTime: m.DB, Tokens: m.Tokens, Hasher: m.Hasher, Throttle: m.Throttle,
		Mail: m.Mailer, Links: store.Links{BaseURL: cfg.PublicURL, ResetTTL: cfg.PasswordResetTTL, VerifyTTL: cfg.EmailVerifyTTL}}
	orders := &store.Orders{Repo: m.DB, Carts: carts, Payments: m.Payments, Catalog: m.Catalog, Metrics: m.Metrics, Log: log}
	m.Orders = orders
	m.Echo = api.New(api.Config{
		CORSOrigins: cfg.CORSOrigins, RateLimitRPS: cfg.RateLimitRPS, RateLimitBurst: cfg.RateLimitBurst,
		MaxBodyBytes: cfg.MaxBodyBytes, RequestTimeout: cfg.RequestTimeout, TrustedProxies: cfg.TrustedProxies, CartTTL: cfg.CartTTL,
	}, api.Deps{
		Catalog:  m.Catalog,
		Accounts: m.Accounts,
		Users:    m.DB,
		Carts:    carts,
		Orders:   orders,
		Reviews:  &store.Reviews{Repo: m.DB, Catalog: m.Catalog},
		Privacy:  &store.Privacy{Accounts: m.Accounts, Repo: m.DB, Audit: m.DB, Carts: carts},
		Admin:    m.DB,
		Audit:    m.DB,
		Tokens:   m.Tokens,
		Health:   &api.Health{Checks: checks, Draining: m.draining.Load},
		Metrics:  m.Metrics,
		Log:      log,
	})
	return m, nil
}

// newMailer builds the email sender MAIL_BACKEND names; nil for none.
func newMailer(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Mailer, error) {
	var sender store.Sender
	switch cfg.MailBackend {
	case "dir":
		d, err := mail.NewDir(cfg.MailDir, cfg.MailFrom)
		if err != nil {
			return nil, err
		}
		sender = d
	case "ses":
		s, err := mail.NewSES(ctx, cfg.MailSESRegion, cfg.MailFrom, cfg.MailSESEndpoint)
		if err != nil {
			return nil, err
		}
		sender = s
	default:
		return nil, nil
	}
	return &store.Mailer{Sender: sender, Log: log}, nil
}

// Migrate applies migrations, retrying while the database is not reachable yet.
func (m *Main) Migrate(ctx context.Context) error {
	delay := 250 * time.Millisecond
	for {
		applied, err := m.DB.Migrate(ctx)
		if err == nil {
			if len(applied) > 0 {
				m.Log.Info("migrations applied", "versions", applied)
			}
			return nil
		}
		if store.KindOf(err) != store.KindUnavailable {
			return err
		}
		m.Log.Warn("database not reachable for migrations; retrying", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrations: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// Listen binds the HTTP and metrics ports (separate from Run so tests can learn the addresses
// of :0).
func (m *Main) Listen() error {
	l, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("STOREFRONT_ADDR %s: %w", m.Config.Addr, err)
	}
	ml, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("METRICS_ADDR %s: %w", m.Config.MetricsAddr, err)
	}
	m.listener, m.metricsLn = l, ml
	return nil
}

// Addr is the bound address after Listen.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// MetricsAddr is the bound address of the metrics listener after Listen.
func (m *Main) MetricsAddr() string { return m.metricsLn.Addr().String() }

// Ready is closed once the server accepts requests.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Run migrates (when enabled), serves until ctx is cancelled, then drains: /readyz turns 503,
// in-flight requests get SHUTDOWN_TIMEOUT to finish, background work stops.
func (m *Main) Run(ctx context.Context) error {
	if m.Config.MigrateOnStart {
		mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := m.Migrate(mctx)
		cancel()
		if err != nil {
			return err
		}
	}
	if m.listener == nil {
		if err := m.Listen(); err != nil {
			return err
		}
	}
	m.httpServer = &http.Server{
		Handler:           m.Echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	m.startBackground(bg)
	m.metricsServer = &http.Server{Handler: api.MetricsHandler(m.Metrics), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 2)
	go func() { serveErr <- m.httpServer.Serve(m.listener) }()
	go func() { serveErr <- m.metricsServer.Serve(m.metricsLn) }()
	close(m.ready)
	m.Log.Info("storefront listening", "addr", m.Addr(), "metrics_addr", m.MetricsAddr(), "search", m.Catalog.Search.Name(), "cache", m.Redis != nil)

	var err error
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		m.draining.Store(true)
		m.Log.Info("shutting down: draining requests", "timeout", m.Config.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		err = m.httpServer.Shutdown(sctx)
		cancel()
	}
	_ = m.metricsServer.Close() // scrapes are short; the last one may be cut
	_ = m.httpServer.Close()
	stopBG()
	m.wg.Wait()
	if m.Mailer != nil {
		m.Mailer.Wait()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// startBackground runs health gauges, retention, and the search index sync.
func (m *Main) startBackground(ctx context.Context) {
	m.every(ctx, 5*time.Second, func(ctx context.Context) {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		(&api.Health{Checks: m.checks()}).Run(cctx, m.Metrics)
	})
	m.every(ctx, 10*time.Minute, func(ctx context.Context) {
		if err := m.DB.Maintain(ctx, 24*time.Hour, 7*24*time.Hour); err != nil {
			m.Log.Warn("retention cleanup failed", "err", err)
		}
	})
	// Checked at a quarter of the TTL (at most every minute), so an order is released at most
	// that late.
	m.every(ctx, min(max(m.Config.PendingOrderTTL/4, 250*time.Millisecond), time.Minute), m.expirePending)
	if m.Search != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.syncSearch(ctx)
		}()
	}
	if m.Catalog.Cache != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.syncCache(ctx)
		}()
	}
}

// expirePending fails the orders pending for longer than PENDING_ORDER_TTL, releasing their
// stock, in batches until none is left.
func (m *Main) expirePending(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := m.Orders.ExpirePending(ctx, time.Now().Add(-m.Config.PendingOrderTTL), 100)
		if err != nil {
			if ctx.Err() == nil {
				m.Log.Warn("releasing the stock of unpaid orders failed; retrying", "err", err)
			}
			return
		}
		if n > 0 {
			m.Log.Info("unpaid orders expired; stock released", "orders", n, "pending_order_ttl", m.Config.PendingOrderTTL.String())
		}
		if n < 100 {
			return
		}
	}
}

// cacheConsumer is the outbox consumer that replays invalidations into the cache.
const cacheConsumer = "cache-invalidation"

// syncCache applies every product and order event to the cache, retrying while Redis fails,
// so that no committed write leaves a stale cached document behind.
func (m *Main) syncCache(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := m.DB.ConsumeOutbox(ctx, cacheConsumer, 500, m.Catalog.InvalidateEvents)
		wait := 200 * time.Millisecond
		if err != nil {
			if ctx.Err() == nil {
				m.Log.Warn("cache invalidation from the outbox failed; retrying", "err", err)
			}
			wait = time.Second
		} else if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

func (m *Main) checks() []api.Check {
	checks := []api.Check{{Name: "postgres", Required: true, Ping: m.DB.Ping}}
	if m.Redis != nil {
		checks = append(checks, api.Check{Name: "redis", Ping: m.Redis.Ping})
	}
	if m.Search != nil {
		checks = append(checks, api.Check{Name: "opensearch", Ping: m.Search.Ping})
	}
	return checks
}

func (m *Main) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// syncSearch builds the index if missing, then applies outbox events as they arrive.
func (m *Main) syncSearch(ctx context.Context) {
	built := false
	for ctx.Err() == nil {
		var n int
		var err error
		if !built {
			if err = m.Search.EnsureIndex(ctx, m.DB); err == nil {
				built = true
			}
		} else {
			n, err = m.Search.Sync(ctx, m.DB)
		}
		wait := 500 * time.Millisecond
		if err != nil {
			if ctx.Err() == nil {
				m.Log.Warn("search index sync failed; retrying", "err", err)
			}
			wait = 5 * time.Second
		} else if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// Close releases the connections. Call after Run returns.
func (m *Main) Close() {
	if m.listener != nil && m.httpServer == nil {
		_ = m.listener.Close()
		_ = m.metricsLn.Close()
	}
	if m.stopNear != nil {
		m.stopNear()
	}
	if m.Redis != nil {
		_ = m.Redis.Close()
	}
	if m.DB != nil {
		m.DB.Close()
	}
}
