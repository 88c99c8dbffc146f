package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func TestPostgresGivesSeparateEmptyDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Fatalf("two calls returned the same DSN %q", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE marker (id int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second database is not empty: found table from the first")
	}
}

func TestRedisGivesIsolatedDatabases(t *testing.T) {
	ctx := context.Background()
	oa, err := redis.ParseURL(Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := redis.ParseURL(Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	a, b := redis.NewClient(oa), redis.NewClient(ob)
	defer a.Close()
	defer b.Close()
	if err := a.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("key leaked across test databases: exists=%d err=%v", n, err)
	}
}

func TestDedicatedServersStopAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg := NewPostgres(t, PGOptions{})
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

	rs := NewRedis(t)
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
	primary := NewPostgres(t, PGOptions{})
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
