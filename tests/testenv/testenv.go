// Package testenv hands tests throwaway PostgreSQL databases and Redis logical databases.
//
// Postgres(t) and Redis(t) hand each test its own empty database on a server shared by the
// test binary (started once by internal/devenv, on loopback, from the machine's packages), or
// on the servers named by TEST_DATABASE_URL and TEST_REDIS_URL. Tests that stop or kill servers
// (fault tests) take a dedicated server from NewPostgres(t) / NewRedis(t) instead.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"globalstack/internal/devenv"
)

var (
	pgOnce   sync.Once
	pgServer *devenv.PGServer
	pgAdmin  string // DSN of an existing database used to create/drop test databases
	pgErr    error

	redisOnce   sync.Once
	redisServer *devenv.RedisServer
	redisErr    error
	redisDBs    chan int
	redisBase   *redis.Options
)

// Postgres returns the DSN of a new, empty database that is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		if dsn := os.Getenv("TEST_DATABASE_URL"); dsn != "" {
			pgAdmin = dsn
			return
		}
		pgServer, pgErr = devenv.StartPostgres(context.Background(), devenv.PGOptions{})
		if pgErr == nil {
			pgAdmin = pgServer.DSN("postgres")
		}
	})
	if pgErr != nil {
		t.Fatalf("testenv: cannot start PostgreSQL: %v", pgErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "test_" + randomHex(6)
	if err := devenv.CreateDatabase(ctx, pgAdmin, name); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := devenv.DropDatabase(ctx, pgAdmin, name); err != nil {
			t.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(pgAdmin, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return dsn
}

// NewPostgres starts a dedicated cluster for a test that stops, kills or replicates it.
func NewPostgres(t testing.TB, opts devenv.PGOptions) *devenv.PGServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devenv.StartPostgres(ctx, opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Redis returns a redis:// URL of an empty logical database reserved for this test.
func Redis(t testing.TB) string {
	t.Helper()
	redisOnce.Do(func() {
		n := 16
		if u := os.Getenv("TEST_REDIS_URL"); u != "" {
			redisBase, redisErr = redis.ParseURL(u)
		} else {
			redisServer, redisErr = devenv.StartRedis(context.Background(), devenv.RedisOptions{})
			if redisErr == nil {
				n = redisServer.Databases()
				redisBase = &redis.Options{Addr: redisServer.Addr()}
			}
		}
		redisDBs = make(chan int, n)
		for i := 0; i < n; i++ {
			redisDBs <- i
		}
	})
	if redisErr != nil {
		t.Fatalf("testenv: cannot start Redis: %v", redisErr)
	}
	var db int
	select {
	case db = <-redisDBs:
	case <-time.After(2 * time.Minute):
		t.Fatal("testenv: no free Redis database index (too many parallel tests)")
	}
	flush := func() error {
		o := *redisBase
		o.DB = db
		c := redis.NewClient(&o)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.FlushDB(ctx).Err()
	}
	if err := flush(); err != nil {
		redisDBs <- db
		t.Fatalf("testenv: flush redis db %d: %v", db, err)
	}
	t.Cleanup(func() {
		_ = flush()
		redisDBs <- db
	})
	return redisURL(redisBase, db)
}

// NewRedis starts a dedicated redis-server for a test that stops it.
func NewRedis(t testing.TB) *devenv.RedisServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devenv.StartRedis(ctx, devenv.RedisOptions{Databases: 16})
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func redisURL(o *redis.Options, db int) string {
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: fmt.Sprintf("/%d", db)}
	if o.TLSConfig != nil {
		u.Scheme = "rediss"
	}
	if o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	return u.String()
}

// withDatabase returns dsn with its database replaced by name (URL or keyword/value form).
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("TEST_DATABASE_URL is not a valid URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
