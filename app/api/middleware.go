package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"hash/maphash"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

const ctxRequestID = "request_id"

var (
	ridPrefix  = newRIDPrefix()
	ridCounter atomic.Uint64
)

func newRIDPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c echo.Context) string {
	if s, ok := c.Get(ctxRequestID).(string); ok {
		return s
	}
	return ""
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.') {
			return false
		}
	}
	return true
}

// observe assigns the request id, applies the request timeout, and records the access log and
// latency histogram once the handler (and the error handler) are done.
func (a *API) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		rid := req.Header.Get(echo.HeaderXRequestID)
		if !validRequestID(rid) {
			rid = ridPrefix + "-" + strconv.FormatUint(ridCounter.Add(1), 36)
		}
		c.Set(ctxRequestID, rid)
		c.Response().Header().Set(echo.HeaderXRequestID, rid)
		if a.cfg.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(req.Context(), a.cfg.RequestTimeout)
			defer cancel()
			c.SetRequest(req.WithContext(ctx))
		}
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		elapsed := time.Since(start)
		a.metrics.Requests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Observe(elapsed.Seconds())
		if a.log.Enabled(req.Context(), slog.LevelInfo) {
			a.log.LogAttrs(req.Context(), slog.LevelInfo, "request",
				slog.String("request_id", rid), slog.String("method", req.Method), slog.String("route", route),
				slog.String("path", req.URL.Path), slog.Int("status", status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int64("bytes", c.Response().Size), slog.String("client_ip", c.RealIP()))
		}
		return nil
	}
}

// securityHeaders make the API safe to call from browsers (keys are canonical; values shared
// read-only across responses to avoid per-request allocations).
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Content-Security-Policy":      {"default-src 'none'; frame-ancestors 'none'"},
	"Strict-Transport-Security":    {"max-age=63072000; includeSubDomains"},
	"Cross-Origin-Resource-Policy": {"same-site"},
	"Cache-Control":                {"no-store"},
}

func secure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range securityHeaders {
			h[k] = v
		}
		return next(c)
	}
}

// limitBody refuses bodies over limit bytes (413), by Content-Length up front or while reading.
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return errTooLarge
			}
			if req.Body != nil && req.Body != http.NoBody {
				req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			}
			return next(c)
		}
	}
}

// rateLimiter is a token bucket per client, sharded to keep lock contention low.
type rateLimiter struct {
	rps    float64
	burst  float64
	seed   maphash.Seed
	shards [64]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rps float64, burst int) *rateLimiter {
	l := &rateLimiter{rps: rps, burst: float64(burst), seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].buckets = map[string]*bucket{}
		l.shards[i].swept = time.Now()
	}
	return l
}

// allow takes a token for key, or returns how long until one is available.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	s := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Minute {
		// Full buckets carry no state worth keeping.
		full := time.Duration(l.burst / l.rps * float64(time.Second))
		for k, b := range s.buckets {
			if now.Sub(b.last) > full {
				delete(s.buckets, k)
			}
		}
		s.swept = now
	}
	b, ok := s.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		s.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rps)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rps * float64(time.Second))
}

func (a *API) rateLimit(l *rateLimiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ok, wait := l.allow(c.RealIP(), time.Now())
			if !ok {
				a.metrics.RateLimited.Inc()
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				return errRateLimited
			}
			return next(c)
		}
	}
}
