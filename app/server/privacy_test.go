package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"globalstack/app/rediscache"
)

func TestExportMyData(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Export chair", "furniture", 4200, 10)
	email, bearer := a.customer("Exporter Person")
	a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "export-1"))
	a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 4, "title": "Comfy", "body": "Sits well."}, "Authorization", bearer))
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 2}, "Authorization", bearer))

	r := a.expect(200, a.req("GET", "/api/me/export", nil, "Authorization", bearer))
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("Content-Disposition %q, want an attachment", r.Header.Get("Content-Disposition"))
	}
	x := r.json(t)
	profile := x["profile"].(map[string]any)
	orders := x["orders"].([]any)
	reviews := x["reviews"].([]any)
	cart := x["cart"].(map[string]any)
	sessions := x["sessions"].([]any)
	if profile["email"] != email || len(orders) != 1 || len(reviews) != 1 || len(sessions) != 1 {
		t.Fatalf("export: profile %v, %d orders, %d reviews, %d sessions; want the account, 1, 1, 1", profile, len(orders), len(reviews), len(sessions))
	}
	if addr := orders[0].(map[string]any)["shipping_address"].(map[string]any); addr["line1"] != "1 Main St" {
		t.Fatalf("exported order address %v, want the full address", addr)
	}
	if reviews[0].(map[string]any)["title"] != "Comfy" || len(cart["items"].([]any)) != 1 {
		t.Fatalf("export reviews %v cart %v", reviews, cart)
	}
	var n int
	if err := a.m.DB.Pool().QueryRow(t.Context(), "SELECT count(*) FROM audit_log WHERE action = 'account.exported' AND target_id = $1", fmt.Sprint(profile["id"])).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d account.exported audit entries (%v), want 1", n, err)
	}
}

func TestDeleteMyAccountErasesPersonalDataAndKeepsOrders(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Erase lamp", "lighting", 1500, 10)
	email, bearer := a.customer("Erasable Person")
	other := a.login(email, "correct horse battery")
	order := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 2, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "erase-1")).json(t)
	orderID := int64(order["id"].(float64))
	a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 5, "title": "Bright", "body": "My review."}, "Authorization", bearer))
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 1}, "Authorization", bearer))
	me := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", bearer)).json(t)
	uid := int64(me["id"].(float64))

	if r := a.req("DELETE", "/api/me", map[string]string{"password": "not my password"}, "Authorization", bearer); r.Status != 422 || r.errCode(t) != "wrong_password" {
		t.Fatalf("deletion with a wrong password: %d %s, want 422 wrong_password", r.Status, r.Body)
	}
	a.expect(204, a.req("DELETE", "/api/me", map[string]string{"password": "correct horse battery"}, "Authorization", bearer))
	a.expectRevoked(bearer, "after account deletion")
	a.expectRevoked(other, "other session after account deletion")
	a.expect(401, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"}))

	ctx, pool := t.Context(), a.m.DB.Pool()
	// The order stays for accounting, with the country of its address only.
	var status, addr string
	var total int64
	if err := pool.QueryRow(ctx, "SELECT status, total_minor, shipping_address::text FROM orders WHERE id = $1", orderID).Scan(&status, &total, &addr); err != nil {
		t.Fatal(err)
	}
	if status != "paid" || total != 3000 || addr != `{"country": "US"}` {
		t.Fatalf("order after deletion: %s %d %s; want paid 3000 {\"country\": \"US\"}", status, total, addr)
	}
	// No personal data is left anywhere: account, orders, order events, idempotency records, reviews, audit.
	for _, q := range []string{
		"SELECT count(*) FROM users WHERE id = $1 AND (email = $2 OR name LIKE '%Erasable%')",
		"SELECT count(*) FROM orders WHERE user_id = $1 AND (shipping_address::text LIKE '%Main St%' OR shipping_address::text LIKE '%Ada%' OR $2 = '')",
		"SELECT count(*) FROM outbox WHERE topic LIKE 'order.%' AND key IN (SELECT id::text FROM orders WHERE user_id = $1) AND (payload::text LIKE '%Main St%' OR payload::text LIKE '%' || $2 || '%')",
		"SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND $2 <> ''",
		"SELECT count(*) FROM reviews WHERE user_id = $1 AND $2 <> ''",
		"SELECT count(*) FROM sessions WHERE user_id = $1 AND $2 <> ''",
		"SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $2 || '%' AND $1 > 0",
	} {
		var n int
		if err := pool.QueryRow(ctx, q, uid, email).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%d rows left: %s", n, q)
		}
	}
	var ratings int
	if err := pool.QueryRow(ctx, "SELECT rating_count FROM products WHERE id = $1", pid).Scan(&ratings); err != nil || ratings != 0 {
		t.Fatalf("product rating_count %d after its only review's author was erased, want 0 (%v)", ratings, err)
	}
	if items, err := rediscache.NewCarts(a.m.Redis, time.Hour).Items(ctx, fmt.Sprintf("u:%d", uid)); err != nil || len(items) != 0 {
		t.Fatalf("cart lines left in Redis: %v (%v)", items, err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'account.deleted' AND actor_id = $1 AND target_id = $2", uid, fmt.Sprint(uid)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d account.deleted audit entries (%v), want 1", n, err)
	}
	// The email can be registered again.
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": "New"}))
}
