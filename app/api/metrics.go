package api

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"globalstack/app/store"
)

// Metrics holds the Prometheus series of one server instance (its own registry, so several
// servers can run in one test process).
type Metrics struct {
	Registry    *prometheus.Registry
	Requests    *prometheus.HistogramVec
	Cache       *prometheus.CounterVec
	Orders      *prometheus.CounterVec
	RateLimited prometheus.Counter
	DepUp       *prometheus.GaugeVec
	// Business series; orders placed are Orders{outcome="created"}.
	Checkouts    prometheus.Counter
	Payments     *prometheus.CounterVec
	RevenueMinor *prometheus.CounterVec
	Carts        prometheus.Counter
}

// NewMetrics registers the storefront series.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "storefront_http_request_duration_seconds",
			Help: "HTTP request latency by route template, method and status code.",
			// 2 s is the latency SLO's threshold (components/monitoring/rules).
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
		Cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_cache_requests_total",
			Help: "Cache lookups by kind (product, listing) and result (hit, miss, error).",
		}, []string{"kind", "result"}),
		Orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_orders_total",
			Help: "Checkout and order transitions by outcome (created, replayed, out_of_stock, payment_declined, cancelled, ...).",
		}, []string{"outcome"}),
		RateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storefront_rate_limited_total",
			Help: "Requests refused with 429.",
		}),
		DepUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "storefront_dependency_up",
			Help: "1 when the dependency answered its last health check, 0 when not (degraded).",
		}, []string{"dependency"}),
		Checkouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storefront_checkouts_started_total",
			Help: "Checkouts that reached pricing (replays of a stored outcome excluded).",
		}),
		Payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_payments_total",
			Help: "Charges by result: charged, declined (by the provider), error (provider unreachable or failed).",
		}, []string{"result"}),
		RevenueMinor: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_revenue_minor_units_total",
			Help: "Totals of placed orders in minor units (cents), by ISO 4217 currency.",
		}, []string{"currency"}),
		Carts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storefront_carts_created_total",
			Help: "Carts that got their first line.",
		}),
	}
	m.Registry.MustRegister(m.Requests, m.Cache, m.Orders, m.RateLimited, m.DepUp, m.Checkouts, m.Payments, m.RevenueMinor, m.Carts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// CacheResult implements store.Metrics.
func (m *Metrics) CacheResult(kind, result string) { m.Cache.WithLabelValues(kind, result).Inc() }

// OrderResult implements store.Metrics.
func (m *Metrics) OrderResult(outcome string) { m.Orders.WithLabelValues(outcome).Inc() }

// CheckoutStarted implements store.Metrics.
func (m *Metrics) CheckoutStarted() { m.Checkouts.Inc() }

// PaymentResult implements store.Metrics.
func (m *Metrics) PaymentResult(result string) { m.Payments.WithLabelValues(result).Inc() }

// Revenue implements store.Metrics.
func (m *Metrics) Revenue(total store.Money) {
	m.RevenueMinor.WithLabelValues(total.Currency).Add(float64(total.Amount))
}

// CartCreated implements store.Metrics.
func (m *Metrics) CartCreated() { m.Carts.Inc() }

// ObserveHasher exports the password hashes in flight and those refused with login_busy.
func (m *Metrics) ObserveHasher(h *store.Hasher) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "storefront_password_hashes_in_flight",
			Help: "argon2id hashes (login, registration) running now; at most LOGIN_MAX_HASHES.",
		}, func() float64 { return float64(h.InFlight()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "storefront_login_busy_total",
			Help: "Logins and registrations refused with 503 login_busy (queue full or deadline passed).",
		}, func() float64 { return float64(h.Rejected()) }),
	)
}
