// Package api is the HTTP layer of the storefront: Echo routes, middleware, and the mapping of
// the store error vocabulary to status codes. Handlers decode, call the store services, and
// encode; they hold no business rules.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"globalstack/app/store"
)

// Config is the HTTP-level configuration.
type Config struct {
	CORSOrigins    []string
	RateLimitRPS   float64 // 0 disables
	RateLimitBurst int
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	TrustedProxies []*net.IPNet
	CartTTL        time.Duration
}

// Deps are the services the API serves.
type Deps struct {
	Catalog  *store.Catalog
	Accounts *store.Accounts
	Users    store.UserRepository
	Carts    *store.Carts // nil when Redis is not configured
	Orders   *store.Orders
	Reviews  *store.Reviews
	Privacy  *store.Privacy
	Admin    store.AdminRepository
	Audit    store.AuditRepository
	Tokens   *store.Tokens
	Health   *Health
	Metrics  *Metrics
	Log      *slog.Logger
}

// API is the configured HTTP handler.
type API struct {
	Deps
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
}

// getHead are the methods of a read route: HEAD answers as GET does, headers and status, and
// net/http drops the body of a response to HEAD (RFC 9110 section 9.3.2).
var getHead = []string{http.MethodGet, http.MethodHead}

// New builds the Echo router.
func New(cfg Config, d Deps) *echo.Echo {
	a := &API{Deps: d, cfg: cfg, log: d.Log, metrics: d.Metrics}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)

	e.Use(a.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.log.Error("panic", "request_id", requestID(c), "err", err, "stack", string(stack))
			return err
		}}))
	e.Use(secure)
	if cfg.RateLimitRPS > 0 {
		e.Use(a.rateLimit(newRateLimiter(cfg.RateLimitRPS, cfg.RateLimitBurst)))
	}
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     cfg.CORSOrigins,
			AllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:     []string{"Content-Type", "Authorization", "Idempotency-Key", "X-Request-ID", headerCartSession},
			ExposeHeaders:    []string{"X-Request-ID", "Retry-After", headerCartSession, "Idempotent-Replayed"},
			AllowCredentials: true,
			MaxAge:           600,
		}))
	}
	e.Use(limitBody(cfg.MaxBodyBytes))

	e.Match(getHead, "/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.Match(getHead, "/readyz", a.readyz)

	g := e.Group("/api")
	g.Match(getHead, "/products", a.listProducts)
	g.Match(getHead, "/products/:id", a.getProduct)
	g.Match(getHead, "/products/:id/reviews", a.listReviews)
	g.POST("/products/:id/reviews", a.postReview, a.auth)
	g.DELETE("/reviews/:id", a.deleteReview, a.auth)
	g.Match(getHead, "/search", a.search)
	g.Match(getHead, "/categories", a.facets("category"))
	g.Match(getHead, "/brands", a.facets("brand"))

	g.POST("/users", a.register)
	g.POST("/users/login", a.login)
	g.POST("/users/logout", a.logout)
	g.Match(getHead, "/users/me", a.me, a.auth)
	g.PATCH("/users/me", a.updateMe, a.auth)

	me := g.Group("/me", a.auth)
	me.Match(getHead, "/sessions", a.listSessions)
	me.DELETE("/sessions/:id", a.revokeSession)
	me.POST("/password", a.changePassword)
	me.POST("/verify-email", a.resendVerification)
	me.Match(getHead, "/export", a.exportMe)
	me.DELETE("", a.deleteMe)
	g.POST("/users/password-reset", a.requestPasswordReset)
	g.POST("/users/password-reset/confirm", a.confirmPasswordReset)
	g.POST("/users/verify-email", a.verifyEmail)

	g.Match(getHead, "/cart", a.getCart, a.optionalAuth)
	g.POST("/cart/items", a.addCartItem, a.optionalAuth)
	g.PUT("/cart/items/:product_id", a.setCartItem, a.optionalAuth)
	g.DELETE("/cart/items/:product_id", a.removeCartItem, a.optionalAuth)
	g.DELETE("/cart", a.clearCart, a.optionalAuth)

	g.POST("/orders", a.checkout, a.auth)
	g.Match(getHead, "/orders", a.listOrders, a.auth)
	g.Match(getHead, "/orders/:id", a.getOrder, a.auth)
	g.POST("/orders/:id/cancel", a.cancelOrder, a.auth)

	adm := g.Group("/admin", a.auth, a.admin, a.auditAdmin)
	adm.Match(getHead, "/orders", a.adminListOrders)
	adm.Match(getHead, "/users", a.adminListUsers)
	adm.POST("/users/:id/disable", a.adminSetDisabled(true))
	adm.POST("/users/:id/enable", a.adminSetDisabled(false))
	adm.Match(getHead, "/audit", a.adminAudit)
	adm.Match(getHead, "/reviews/hidden", a.adminHiddenReviews)
	adm.POST("/reviews/:id/hide", a.adminSetReviewHidden(true))
	adm.POST("/reviews/:id/unhide", a.adminSetReviewHidden(false))
	adm.Match(getHead, "/products", a.adminListProducts)
	adm.POST("/products", a.createProduct)
	adm.PATCH("/products/:id", a.updateProduct)
	adm.DELETE("/products/:id", a.deleteProduct)
	adm.POST("/products/:id/stock", a.adjustStock)
	adm.Match(getHead, "/orders/:id", a.adminGetOrder)
	adm.POST("/orders/:id/status", a.setOrderStatus)
	return e
}

// MetricsHandler serves GET /metrics (Prometheus text format) and nothing else. It runs on its
// own listener (METRICS_ADDR), never on the public API port.
func MetricsHandler(m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	return mux
}

// ipExtractor trusts X-Forwarded-For only from configured proxies (the CDN / load balancer);
// otherwise the client is the TCP peer, so clients cannot pick their own rate-limit bucket.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Check is one dependency health check.
type Check struct {
	Name     string
	Required bool // a failing required check makes the instance not ready (503)
	Ping     func(ctx context.Context) error
}

// Health runs dependency checks for /readyz and keeps the dependency gauges current.
type Health struct {
	Checks   []Check
	Draining func() bool
}

func (a *API) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	status, checks := a.Health.Run(ctx, a.metrics)
	code := http.StatusOK
	if status == "unavailable" || status == "draining" {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, map[string]any{"status": status, "checks": checks})
}

// Run checks every dependency and returns ok, degraded (an optional dependency is down),
// unavailable (a required one is down) or draining (shutting down).
func (h *Health) Run(ctx context.Context, m *Metrics) (string, map[string]string) {
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(h.Checks))
	for i, ch := range h.Checks {
		go func() { results <- result{i, ch.Ping(ctx)} }()
	}
	status, checks := "ok", make(map[string]string, len(h.Checks))
	for range h.Checks {
		r := <-results
		ch := h.Checks[r.i]
		up := 1.0
		if r.err != nil {
			up = 0
			checks[ch.Name] = "down: " + r.err.Error()
			if ch.Required {
				status = "unavailable"
			} else if status == "ok" {
				status = "degraded"
			}
		} else {
			checks[ch.Name] = "ok"
		}
		if m != nil {
			m.DepUp.WithLabelValues(ch.Name).Set(up)
		}
	}
	if h.Draining != nil && h.Draining() {
		status = "draining"
	}
	return status, checks
}
