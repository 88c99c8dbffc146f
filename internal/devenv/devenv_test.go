package devenv

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startPostgres starts a cluster that is removed when the test ends.
func startPostgres(t *testing.T) *PGServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartPostgres(ctx, PGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startRedis starts a redis-server that is removed when the test ends.
func startRedis(t *testing.T) *RedisServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := StartRedis(ctx, RedisOptions{Databases: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestDedicatedServersStopAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg := startPostgres(t)
	if err := pg.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	conn, err := pgx.Connect(ctx, pg.DSN("postgres"))
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	conn.Close(ctx)
	if err := pg.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, pg.DSN("postgres")); err == nil {
		t.Fatal("connect succeeded after kill")
	}
	if err := pg.StartSamePort(ctx); err != nil {
		t.Fatalf("start after kill: %v", err)
	}
	again, err := pgx.Connect(ctx, pg.DSN("postgres"))
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	_ = again.Close(ctx)

	rs := startRedis(t)
	rs.Stop()
	if err := redisPing(rs.Addr()); err == nil {
		t.Fatal("redis answers after Stop")
	}
	if err := rs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := redisPing(rs.Addr()); err != nil {
		t.Fatalf("redis does not answer after Start: %v", err)
	}
}

func TestStandbyReplicatesAndPromotes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary := startPostgres(t)
	standby, err := primary.StartStandby(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	p, err := pgx.Connect(ctx, primary.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exec(ctx, "CREATE TABLE drill (v int); INSERT INTO drill VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
	if err := standby.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if err := primary.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := pgx.Connect(ctx, standby.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	var v int
	if err := s.QueryRow(ctx, "SELECT v FROM drill").Scan(&v); err != nil || v != 42 {
		t.Fatalf("promoted standby: v=%d err=%v", v, err)
	}
	if _, err := s.Exec(ctx, "INSERT INTO drill VALUES (43)"); err != nil {
		t.Fatalf("promoted standby refuses writes: %v", err)
	}
}
