package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"globalstack/internal/devenv"
	"globalstack/tests/testenv"
)

func TestRedisDownDegradesCatalogAndRefusesCart(t *testing.T) {
	rs := testenv.NewRedis(t)
	a := startApp(t, map[string]string{"REDIS_URL": rs.URL(0)})
	admin := a.admin()
	id := a.product(admin, "Backpack", "backpacks", 8000, 4)
	other := a.product(admin, "Duffel", "backpacks", 9000, 4) // never read before the outage
	path := fmt.Sprintf("/api/products/%d", id)
	a.expect(200, a.req("GET", path, nil))
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": id, "quantity": 1}))

	rs.Stop()
	p := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", other), nil)).json(t)
	if p["name"] != "Duffel" {
		t.Fatalf("catalog not served from PostgreSQL: %v", p)
	}
	a.expect(200, a.req("GET", "/api/products?category=backpacks", nil))
	r := a.expect(200, a.req("GET", "/readyz", nil)).json(t)
	if r["status"] != "degraded" || !strings.HasPrefix(r["checks"].(map[string]any)["redis"].(string), "down") {
		t.Fatalf("readyz with Redis down: %v", r)
	}
	cart := a.req("GET", "/api/cart", nil, "X-Cart-Session", a.m.Tokens.NewCartSession())
	if cart.Status != 503 || cart.errCode(t) != "cart_unavailable" || cart.Header.Get("Retry-After") == "" {
		t.Fatalf("cart with Redis down: %d %s", cart.Status, cart.Body)
	}
	metrics := a.metrics()
	for _, want := range []string{`storefront_dependency_up{dependency="redis"} 0`, `storefront_cache_requests_total{kind="product",result="error"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Writes still work and their invalidation failure does not fail the request.
	a.expect(200, a.req("PATCH", "/api/admin/products/"+fmt.Sprint(id), map[string]any{"name": "Backpack 2"}, "Authorization", admin))

	if err := rs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := a.req("GET", "/api/cart", nil, "X-Cart-Session", strings.Repeat("ab", 16))
		if r.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cart did not recover after Redis came back: %d %s", r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := a.expect(200, a.req("GET", path, nil)).json(t)["name"]; got != "Backpack 2" {
		t.Fatalf("stale product after recovery: %v", got)
	}
}

func TestPostgresRestartRecoversWithoutRestartingTheService(t *testing.T) {
	pg := testenv.NewPostgres(t, devenv.PGOptions{})
	ctx := context.Background()
	dsn, err := pg.CreateDatabase(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, map[string]string{"DATABASE_URL": dsn})
	admin := a.admin()
	id := a.product(admin, "Helmet", "helmets", 6000, 50)
	user, _ := a.user("survivor")
	a.expect(201, a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", user, "Idempotency-Key", "before"))

	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	r := a.req("GET", "/readyz", nil)
	if r.Status != 503 || r.json(t)["status"] != "unavailable" {
		t.Fatalf("readyz with PostgreSQL down: %d %s", r.Status, r.Body)
	}
	if code := a.expect(503, a.req("GET", "/api/orders", nil, "Authorization", user)).errCode(t); code != "database_unavailable" {
		t.Fatalf("orders with PostgreSQL down: %s", code)
	}
	if err := pg.StartSamePort(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", user, "Idempotency-Key", "after")
		if r.Status == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkout did not recover: %d %s", r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.expect(200, a.req("GET", "/readyz", nil))
	if s := a.stock(id); s != 48 {
		t.Fatalf("stock %d, want 48 (exactly two orders)", s)
	}
}

func TestGracefulShutdownDrainsInFlightRequests(t *testing.T) {
	a := startApp(t, nil)
	pr, pw := io.Pipe()
	result := make(chan resp, 1)
	go func() {
		res, err := a.hc.Post(a.base+"/api/users/login", "application/json", pr)
		if err != nil {
			result <- resp{Status: -1, Body: []byte(err.Error())}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		result <- resp{Status: res.StatusCode, Body: b}
	}()
	if _, err := pw.Write([]byte(`{"email":"nobody@example.com",`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the handler is now reading the body
	a.stop()
	select {
	case err := <-a.done:
		a.done <- err
		t.Fatalf("Run returned while a request was in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", a.m.Addr(), time.Second); err == nil {
		t.Fatal("listener still accepts new connections while draining")
	}
	if _, err := pw.Write([]byte(`"password":"not the password"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-result
	if r.Status != 401 {
		t.Fatalf("in-flight request was not completed: %d %s", r.Status, r.Body)
	}
	if err := a.wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
