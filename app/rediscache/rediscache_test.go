package rediscache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"globalstack/app/rediscache"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

func client(t *testing.T, url string) *rediscache.Client {
	t.Helper()
	c, err := rediscache.New(rediscache.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCacheFillIsFencedByInvalidation(t *testing.T) {
	ctx := context.Background()
	k := rediscache.NewCache(client(t, testenv.Redis(t)))
	_, tok, ok, err := k.Get(ctx, "product:1", "")
	if err != nil || ok {
		t.Fatalf("empty cache: ok=%v err=%v", ok, err)
	}
	// A write lands between the reader's miss and its fill: the stale fill must be dropped.
	if err := k.Invalidate(ctx, "product:1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Fill(ctx, "product:1", "", tok, []byte("stale"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := k.Get(ctx, "product:1", ""); ok {
		t.Fatal("stale value stored after invalidation")
	}
	_, tok, _, _ = k.Get(ctx, "product:1", "")
	if err := k.Fill(ctx, "product:1", "", tok, []byte("fresh"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, ok, _ := k.Get(ctx, "product:1", ""); !ok || string(v) != "fresh" {
		t.Fatalf("fill: %q %v", v, ok)
	}
	// Hash groups (listings) behave the same way, per field.
	_, tok, _, _ = k.Get(ctx, "list:chairs", "q1")
	if err := k.Fill(ctx, "list:chairs", "q1", tok, []byte("page"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, ok, _ := k.Get(ctx, "list:chairs", "q1"); !ok || string(v) != "page" {
		t.Fatalf("listing fill: %q %v", v, ok)
	}
	if err := k.Invalidate(ctx, "list:chairs"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := k.Get(ctx, "list:chairs", "q1"); ok {
		t.Fatal("listing survived invalidation")
	}
	// TTL applies.
	_, tok, _, _ = k.Get(ctx, "product:2", "")
	if err := k.Fill(ctx, "product:2", "", tok, []byte("x"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if _, _, ok, _ := k.Get(ctx, "product:2", ""); ok {
		t.Fatal("entry outlived its TTL")
	}
}

func TestCartStoreContract(t *testing.T) {
	ctx := context.Background()
	carts := rediscache.NewCarts(client(t, testenv.Redis(t)), time.Hour)
	if err := carts.SetQuantity(ctx, "s:anon", 1, 2, store.Money{Amount: 500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	if err := carts.SetQuantity(ctx, "s:anon", 2, 98, store.Money{}); err != nil {
		t.Fatal(err)
	}
	if err := carts.SetQuantity(ctx, "u:7", 2, 5, store.Money{}); err != nil {
		t.Fatal(err)
	}
	if err := carts.Merge(ctx, "s:anon", "u:7"); err != nil {
		t.Fatal(err)
	}
	got, err := carts.Items(ctx, "u:7")
	if err != nil || len(got) != 2 || got[1] != (store.CartItem{Quantity: 2, Seen: store.Money{Amount: 500, Currency: "USD"}}) || got[2].Quantity != store.MaxLineQty {
		t.Fatalf("merged cart (quantities summed and capped): %v %v", got, err)
	}
	if anon, _ := carts.Items(ctx, "s:anon"); len(anon) != 0 {
		t.Fatalf("source cart not deleted: %v", anon)
	}
	for i := int64(100); i < 100+store.MaxCartLines; i++ {
		if err := carts.SetQuantity(ctx, "u:full", i, 1, store.Money{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := carts.SetQuantity(ctx, "u:full", 1, 1, store.Money{}); store.KindOf(err) != store.KindConflict {
		t.Fatalf("line limit: %v", err)
	}
	if err := carts.SetQuantity(ctx, "u:7", 1, 0, store.Money{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := carts.Items(ctx, "u:7"); len(got) != 1 {
		t.Fatalf("remove line: %v", got)
	}
}

func TestBreakerFailsFastAndCartReports503(t *testing.T) {
	ctx := context.Background()
	rs := testenv.NewRedis(t)
	c := client(t, rs.URL(0))
	carts := rediscache.NewCarts(c, time.Hour)
	k := rediscache.NewCache(c)
	rs.Stop()
	if _, err := carts.Items(ctx, "u:1"); store.KindOf(err) != store.KindUnavailable {
		t.Fatalf("cart with Redis down: %v", err)
	}
	// Once the breaker has opened, calls fail with ErrDown without touching the network.
	var last error
	for i := 0; i < 100; i++ {
		_, _, _, err := k.Get(ctx, "product:1", "")
		if err == nil {
			t.Fatal("cache get succeeded with Redis down")
		}
		last = err
	}
	if !errors.Is(last, rediscache.ErrDown) {
		t.Fatalf("with the breaker open, calls fail with %v, want ErrDown", last)
	}
	if c.Healthy() {
		t.Fatal("breaker closed while Redis is down")
	}
	if err := rs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil || !c.Healthy() {
		t.Fatalf("breaker did not close after Redis returned: %v", err)
	}
}

func TestNearCacheInvalidationReachesOtherInstances(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := testenv.Redis(t)
	a := rediscache.NewNear(ctx, rediscache.NewCache(client(t, url)), time.Minute, 1000, nil)
	b := rediscache.NewNear(ctx, rediscache.NewCache(client(t, url)), time.Minute, 1000, nil)
	time.Sleep(100 * time.Millisecond) // subscriptions established
	_, tok, _, _ := a.Get(ctx, "product:9", "")
	if err := a.Fill(ctx, "product:9", "", tok, []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, ok, _ := a.Get(ctx, "product:9", ""); !ok || string(v) != "v1" {
		t.Fatalf("local copy: %q %v", v, ok)
	}
	if err := b.Invalidate(ctx, "product:9"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, _, ok, _ := a.Get(ctx, "product:9", ""); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("instance a still serves its local copy after b invalidated")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
