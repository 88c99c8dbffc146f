// Package rediscache implements the product cache and the cart store on Redis (go-redis v9).
//
// Redis is optional for reads: when it fails, a short circuit breaker makes cache calls fail
// fast (the catalog is then served from PostgreSQL) instead of every request waiting for a
// timeout. Carts live only in Redis, so cart calls answer store.ErrCartUnavailable.
package rediscache

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrDown is returned while the breaker is open.
var ErrDown = errors.New("redis is unavailable")

// Client wraps a go-redis client with a breaker.
type Client struct {
	rdb       redis.UniversalClient
	downUntil atomic.Int64 // unix nanos; 0 = closed breaker
	cooldown  time.Duration
}

// Options configure the connection.
type Options struct {
	URL      string // redis:// or rediss://
	Password string // overrides the URL's password (AUTH token from a secret)
	PoolSize int
}

// New parses the URL and creates a client; it does not connect yet.
func New(o Options) (*Client, error) {
	opt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if o.Password != "" {
		opt.Password = o.Password
	}
	if opt.TLSConfig != nil {
		opt.TLSConfig.MinVersion = tls.VersionTLS12
	}
	opt.DialTimeout = 500 * time.Millisecond
	opt.ReadTimeout = 500 * time.Millisecond
	opt.WriteTimeout = 500 * time.Millisecond
	opt.MaxRetries = -1 // the breaker and the PostgreSQL fallback handle failures; retries only add latency
	if o.PoolSize > 0 {
		opt.PoolSize = o.PoolSize
	}
	return &Client{rdb: redis.NewClient(opt), cooldown: time.Second}, nil
}

// Close closes the connections.
func (c *Client) Close() error { return c.rdb.Close() }

// Ping checks the server, bypassing the breaker, and closes the breaker when it answers.
func (c *Client) Ping(ctx context.Context) error {
	err := c.rdb.Ping(ctx).Err()
	if err == nil {
		c.downUntil.Store(0)
	} else if failure(err) {
		c.trip()
	}
	return err
}

// Healthy reports whether the breaker is closed.
func (c *Client) Healthy() bool { return c.downUntil.Load() == 0 }

// do runs fn unless the breaker is open, and opens it on connection failures.
func (c *Client) do(ctx context.Context, fn func(context.Context) error) error {
	if until := c.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return ErrDown
	}
	err := fn(ctx)
	if err == nil || errors.Is(err, redis.Nil) {
		if c.downUntil.Load() != 0 {
			c.downUntil.Store(0)
		}
		return err
	}
	if failure(err) {
		c.trip()
	}
	return err
}

func (c *Client) trip() { c.downUntil.Store(time.Now().Add(c.cooldown).UnixNano()) }

// failure: errors that say the server is unreachable, not that a command was wrong.
func failure(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		// Server replied with an error: it is up (except for LOADING / read-only replica).
		msg := re.Error()
		return strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "READONLY")
	}
	return true
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.l.Log(ctx, slog.LevelDebug, "redis: "+fmt.Sprintf(format, v...))
}

// SetLogger routes the driver's internal messages (dial failures while Redis is down, which
// the breaker already reports) into the structured log at debug level.
func SetLogger(l *slog.Logger) { redis.SetLogger(slogAdapter{l}) }
