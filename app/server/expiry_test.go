package server_test

import (
	"fmt"
	"testing"
	"time"
)

func (a *app) orderStatus(id float64) string {
	a.t.Helper()
	var s string
	if err := a.m.DB.Pool().QueryRow(a.t.Context(), "SELECT status FROM orders WHERE id = $1", int64(id)).Scan(&s); err != nil {
		a.t.Fatal(err)
	}
	return s
}

// The expiry decides by the cutoff it is given (the job passes now - PENDING_ORDER_TTL):
// only pending orders created before it fail and give their stock back.
func TestUnpaidOrdersReleaseTheirStockAfterTheCutoff(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Expiring vase", "decor", 2000, 10)
	_, buyer := a.customer("slowpayer")
	paid := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", buyer, "Idempotency-Key", "e1")).json(t)
	unpaid := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 2, "tok_pending"), "Authorization", buyer, "Idempotency-Key", "e2")).json(t)
	paidLater := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 3, "tok_pending"), "Authorization", buyer, "Idempotency-Key", "e3")).json(t)
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/orders/%v/status", paidLater["id"]), map[string]string{"status": "paid"}, "Authorization", admin))
	if s := a.stock(pid); s != 4 {
		t.Fatalf("stock %d after ordering 6, want 4", s)
	}
	ctx := t.Context()
	if n, err := a.m.Orders.ExpirePending(ctx, time.Now().Add(-time.Hour), 100); err != nil || n != 0 {
		t.Fatalf("expired %d orders (%v) with a cutoff before every order, want 0", n, err)
	}
	n, err := a.m.Orders.ExpirePending(ctx, time.Now().Add(time.Minute), 100)
	if err != nil || n != 1 {
		t.Fatalf("expired %d orders (%v), want the one unpaid order", n, err)
	}
	if a.orderStatus(unpaid["id"].(float64)) != "failed" || a.orderStatus(paid["id"].(float64)) != "paid" || a.orderStatus(paidLater["id"].(float64)) != "paid" {
		t.Fatalf("statuses: unpaid %s, paid %s, paid later %s; want failed, paid, paid",
			a.orderStatus(unpaid["id"].(float64)), a.orderStatus(paid["id"].(float64)), a.orderStatus(paidLater["id"].(float64)))
	}
	if s := a.stock(pid); s != 6 {
		t.Fatalf("stock %d after the unpaid order of 2 expired, want 6", s)
	}
	if n, _ := a.m.Orders.ExpirePending(ctx, time.Now().Add(time.Minute), 100); n != 0 {
		t.Fatalf("a second run expired %d more", n)
	}
}

// The background job runs with PENDING_ORDER_TTL from the configuration.
func TestPendingOrderTTLReleasesStockInTheBackground(t *testing.T) {
	a := startApp(t, map[string]string{"PENDING_ORDER_TTL": "1s"})
	admin := a.admin()
	pid := a.product(admin, "Background vase", "decor", 2000, 10)
	_, buyer := a.customer("neverpays")
	o := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 10, "tok_pending"), "Authorization", buyer, "Idempotency-Key", "bg")).json(t)
	if a.stock(pid) != 0 {
		t.Fatalf("stock %d after ordering all 10", a.stock(pid))
	}
	if p := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", pid), nil)).json(t); p["stock_level"] != "out_of_stock" {
		t.Fatalf("product detail after ordering all: %v", p["stock_level"])
	}
	deadline := time.Now().Add(15 * time.Second)
	for a.orderStatus(o["id"].(float64)) != "failed" {
		if time.Now().After(deadline) {
			t.Fatalf("order still %s 15s after checkout with PENDING_ORDER_TTL=1s", a.orderStatus(o["id"].(float64)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.stock(pid) != 10 {
		t.Fatalf("stock %d after expiry, want 10", a.stock(pid))
	}
	if p := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", pid), nil)).json(t); p["stock_level"] != "in_stock" {
		t.Fatalf("product detail after expiry: %v, want in_stock (the cache must follow)", p["stock_level"])
	}
}
