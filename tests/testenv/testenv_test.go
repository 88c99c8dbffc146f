package testenv

import (
	"context"
	"testing"

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
