package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"globalstack/app/config"
	"globalstack/app/server"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

// app is a storefront started in-process on a free port against real PostgreSQL and Redis.
type app struct {
	t    testing.TB
	m    *server.Main
	base string
	hc   *http.Client
	stop context.CancelFunc
	done chan error
}

// startApp starts the real program. env overrides configuration variables.
func startApp(t testing.TB, env map[string]string) *app {
	t.Helper()
	vars := map[string]string{
		"STOREFRONT_ENV":  "development",
		"STOREFRONT_ADDR": "127.0.0.1:0",
		"METRICS_ADDR":    "127.0.0.1:0",
		"LOG_LEVEL":       "error",
		"RATE_LIMIT_RPS":  "0",
	}
	if _, ok := env["DATABASE_URL"]; !ok {
		vars["DATABASE_URL"] = testenv.Postgres(t)
	}
	if _, ok := env["REDIS_URL"]; !ok {
		vars["REDIS_URL"] = testenv.Redis(t)
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m, err := server.New(ctx, cfg, server.NewLogger(io.Discard, cfg.LogLevel))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case <-m.Ready():
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start in 60s")
	}
	a := &app{t: t, m: m, base: "http://" + m.Addr(), hc: &http.Client{Timeout: 30 * time.Second}, stop: cancel, done: done}
	t.Cleanup(func() {
		cancel()
		if err := a.wait(); err != nil {
			t.Errorf("Run returned %v", err)
		}
		m.Close()
	})
	return a
}

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// errCode returns error.code of an error response.
func (r resp) errCode(t testing.TB) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("not an error body (%d): %s", r.Status, r.Body)
	}
	if e["message"] == "" || e["request_id"] == "" {
		t.Fatalf("error body lacks message or request_id: %s", r.Body)
	}
	return e["code"].(string)
}

// req sends body (a string is sent raw, anything else as JSON) with header pairs.
func (a *app) req(method, path string, body any, headers ...string) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	res, err := a.hc.Do(r)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (a *app) expect(want int, r resp) resp {
	a.t.Helper()
	if r.Status != want {
		a.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

var emailSeq atomic.Int64

// user registers and logs in a new customer and returns its bearer header value and id.
func (a *app) user(name string) (string, int64) {
	a.t.Helper()
	email := fmt.Sprintf("%s-%d-%d@example.com", name, time.Now().UnixNano(), emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": name}))
	r := a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"})).json(a.t)
	return "Bearer " + r["token"].(string), int64(r["user"].(map[string]any)["id"].(float64))
}

// admin returns the bearer header of a new admin.
func (a *app) admin() string {
	a.t.Helper()
	email := fmt.Sprintf("admin-%d-%d@example.com", time.Now().UnixNano(), emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": "Admin"}))
	if _, err := a.m.DB.SetRole(context.Background(), email, store.RoleAdmin); err != nil {
		a.t.Fatal(err)
	}
	r := a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"})).json(a.t)
	return "Bearer " + r["token"].(string)
}

var skuSeq atomic.Int64

// product creates a product through the admin API and returns its id.
func (a *app) product(admin string, name, category string, price int64, stock int) int64 {
	a.t.Helper()
	body := map[string]any{"sku": fmt.Sprintf("T-%d", skuSeq.Add(1)), "name": name, "description": "A " + name + " for tests.",
		"price": map[string]any{"amount": price, "currency": "USD"}, "category": category, "brand": "Acme", "stock": stock}
	r := a.expect(201, a.req("POST", "/api/admin/products", body, "Authorization", admin)).json(a.t)
	return int64(r["id"].(float64))
}

func orderBody(productID int64, qty int, token string) map[string]any {
	return map[string]any{
		"items":            []map[string]any{{"product_id": productID, "quantity": qty}},
		"payment_token":    token,
		"shipping_address": map[string]any{"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
	}
}

// stock reads a product's stock from the database.
func (a *app) stock(id int64) int {
	a.t.Helper()
	p, err := a.m.DB.GetProduct(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return p.Stock
}

func (a *app) countOrders(productID int64) int {
	a.t.Helper()
	var n int
	if err := a.m.DB.Pool().QueryRow(context.Background(), "SELECT count(*) FROM order_items WHERE product_id = $1", productID).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// wait returns Run's result (once; later calls return nil).
func (a *app) wait() error {
	err, ok := <-a.done
	if ok {
		close(a.done)
	}
	return err
}

// metrics returns the text the metrics listener serves.
func (a *app) metrics() string {
	a.t.Helper()
	res, err := a.hc.Get("http://" + a.m.MetricsAddr() + "/metrics")
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		a.t.Fatalf("GET /metrics on %s: %d", a.m.MetricsAddr(), res.StatusCode)
	}
	return string(b)
}
