package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	a := startApp(t, nil)
	a.expect(200, a.req("GET", "/healthz", nil))
	r := a.expect(200, a.req("GET", "/readyz", nil)).json(t)
	checks := r["checks"].(map[string]any)
	if r["status"] != "ok" || checks["postgres"] != "ok" || checks["redis"] != "ok" {
		t.Fatalf("readyz: %v", r)
	}
	a.expect(404, a.req("GET", "/api/products/999999", nil))
	m := a.metrics()
	for _, want := range []string{
		`storefront_http_request_duration_seconds_bucket{code="404",method="GET",route="/api/products/:id"`,
		`storefront_dependency_up{dependency="redis"} 1`,
		`storefront_cache_requests_total{kind="product",result="miss"}`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRegistrationLoginAndProfile(t *testing.T) {
	a := startApp(t, nil)
	body := map[string]string{"email": "Ada@Example.com", "password": "correct horse battery", "name": "Ada"}
	u := a.expect(201, a.req("POST", "/api/users", body)).json(t)
	if u["email"] != "ada@example.com" || u["role"] != "customer" {
		t.Fatalf("user: %v", u)
	}
	if _, leaked := u["password_hash"]; leaked || strings.Contains(fmt.Sprint(u), "argon2") {
		t.Fatalf("password hash leaked: %v", u)
	}
	if code := a.expect(409, a.req("POST", "/api/users", body)).errCode(t); code != "email_taken" {
		t.Fatalf("duplicate: %s", code)
	}
	if code := a.expect(422, a.req("POST", "/api/users", map[string]string{"email": "nope", "password": "correct horse battery", "name": "x"})).errCode(t); code != "invalid_argument" {
		t.Fatalf("bad email: %s", code)
	}
	if code := a.expect(422, a.req("POST", "/api/users", map[string]string{"email": "b@example.com", "password": "short", "name": "x"})).errCode(t); code != "invalid_argument" {
		t.Fatalf("short password: %s", code)
	}
	if code := a.expect(401, a.req("POST", "/api/users/login", map[string]string{"email": "ada@example.com", "password": "wrong password!"})).errCode(t); code != "bad_credentials" {
		t.Fatalf("wrong password: %s", code)
	}
	if code := a.expect(401, a.req("POST", "/api/users/login", map[string]string{"email": "nobody@example.com", "password": "wrong password!"})).errCode(t); code != "bad_credentials" {
		t.Fatalf("unknown user must look like a wrong password: %s", code)
	}
	login := a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": "ADA@example.com", "password": "correct horse battery"}))
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: login.Header}).Cookies() {
		if c.Name == "sf_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie must be HttpOnly, Secure, SameSite=Strict: %+v", cookie)
	}
	token := login.json(t)["token"].(string)

	if code := a.expect(401, a.req("GET", "/api/users/me", nil)).errCode(t); code != "unauthenticated" {
		t.Fatalf("no auth: %s", code)
	}
	if code := a.expect(401, a.req("GET", "/api/users/me", nil, "Authorization", "Bearer "+token+"x")).errCode(t); code != "invalid_token" {
		t.Fatalf("tampered token: %s", code)
	}
	me := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", "Bearer "+token)).json(t)
	if me["email"] != "ada@example.com" {
		t.Fatalf("me: %v", me)
	}
	a.expect(200, a.req("GET", "/api/users/me", nil, "Cookie", "sf_session="+cookie.Value))
	upd := a.expect(200, a.req("PATCH", "/api/users/me", map[string]string{"name": "Ada L."}, "Authorization", "Bearer "+token)).json(t)
	if upd["name"] != "Ada L." {
		t.Fatalf("update: %v", upd)
	}
	// Customers cannot reach admin routes.
	if code := a.expect(403, a.req("POST", "/api/admin/products", map[string]any{}, "Authorization", "Bearer "+token)).errCode(t); code != "forbidden" {
		t.Fatalf("admin guard: %s", code)
	}
}

func TestErrorVocabulary(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_BODY_BYTES": "2048"})
	admin := a.admin()
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code               string
	}{
		{"malformed json", "POST", "/api/users", `{"email":`, nil, 400, "malformed_json"},
		{"not an object", "POST", "/api/users", `[1,2]`, nil, 400, "malformed_json"},
		{"trailing data", "POST", "/api/users", `{"email":"a@b.co"} {}`, nil, 400, "malformed_json"},
		{"empty body", "POST", "/api/users", ``, nil, 400, "empty_body"},
		{"unknown field", "POST", "/api/users", `{"email":"a@b.co","password":"xxxxxxxxxxxx","name":"a","admin":true}`, nil, 400, "unknown_field"},
		{"wrong type", "POST", "/api/admin/products", `{"sku":"A1","name":"x","price":{"amount":"ten","currency":"USD"},"category":"c","brand":"b"}`, []string{"Authorization", admin}, 422, "invalid_argument"},
		{"invalid value", "POST", "/api/admin/products", `{"sku":"A1","name":"x","price":{"amount":10,"currency":"usd"},"category":"c","brand":"b"}`, []string{"Authorization", admin}, 422, "invalid_argument"},
		{"missing field", "POST", "/api/admin/products", `{"sku":"A1","name":"x"}`, []string{"Authorization", admin}, 422, "invalid_argument"},
		{"too large", "POST", "/api/users", `{"name":"` + strings.Repeat("x", 4096) + `"}`, nil, 413, "body_too_large"},
		{"wrong media type", "POST", "/api/users", `email=a`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"missing auth", "GET", "/api/orders", nil, nil, 401, "unauthenticated"},
		{"not found", "GET", "/api/products/424242", nil, nil, 404, "not_found"},
		{"bad id", "GET", "/api/products/abc", nil, nil, 422, "invalid_argument"},
		{"no route", "GET", "/api/nothing-here", nil, nil, 404, "route_not_found"},
		{"wrong method", "PUT", "/api/products", nil, nil, 405, "method_not_allowed"},
		{"bad query", "GET", "/api/products?sort=random", nil, nil, 422, "invalid_argument"},
		{"unknown query param", "GET", "/api/products?colour=red", nil, nil, 422, "invalid_argument"},
		{"bad cursor", "GET", "/api/products?cursor=%27%20OR%201%3D1", nil, nil, 400, "malformed_cursor"},
		{"search without q", "GET", "/api/search", nil, nil, 422, "invalid_argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.req(c.method, c.path, c.body, c.headers...)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			if got := r.errCode(t); got != c.code {
				t.Fatalf("code %q, want %q: %s", got, c.code, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	// Nothing half-written: the failed product creations left no rows.
	var n int
	if err := a.m.DB.Pool().QueryRow(t.Context(), "SELECT count(*) FROM products").Scan(&n); err != nil || n != 0 {
		t.Fatalf("products after failed requests: %d (%v)", n, err)
	}
}

func TestSecurityHeadersCORSAndRateLimit(t *testing.T) {
	a := startApp(t, map[string]string{"RATE_LIMIT_RPS": "1", "RATE_LIMIT_BURST": "3", "CORS_ALLOWED_ORIGINS": "https://shop.example.com"})
	r := a.req("GET", "/healthz", nil)
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if r.Header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, r.Header.Get(h), want)
		}
	}
	if r.Header.Get("X-Request-ID") == "" || r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("missing request id / CSP / HSTS: %v", r.Header)
	}
	pre := a.req("OPTIONS", "/api/products", nil, "Origin", "https://shop.example.com", "Access-Control-Request-Method", "GET")
	if pre.Header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" || pre.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin preflight: %d %v", pre.Status, pre.Header)
	}
	evil := a.req("OPTIONS", "/api/products", nil, "Origin", "https://evil.example.com", "Access-Control-Request-Method", "GET")
	if evil.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin allowed: %v", evil.Header)
	}
	// Burst of 3 was spent by the three requests above; the next is limited.
	lim := a.req("GET", "/healthz", nil)
	if lim.Status != 429 || lim.errCode(t) != "rate_limited" || lim.Header.Get("Retry-After") == "" {
		t.Fatalf("want 429 with Retry-After, got %d %v %s", lim.Status, lim.Header, lim.Body)
	}
}
