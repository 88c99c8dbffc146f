package server_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func items(t *testing.T, r resp) []map[string]any {
	t.Helper()
	list := r.json(t)["items"].([]any)
	out := make([]map[string]any, len(list))
	for i, it := range list {
		out[i] = it.(map[string]any)
	}
	return out
}

func TestAdminSearchesOrdersByStatusDateAndCustomer(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Admin search mug", "kitchen", 800, 100)
	aliceEmail, alice := a.customer("alice")
	_, bob := a.customer("bob")
	var aliceOrders []float64
	for i := range 3 {
		o := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", alice, "Idempotency-Key", fmt.Sprint("a", i))).json(t)
		aliceOrders = append(aliceOrders, o["id"].(float64))
	}
	pending := a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_pending"), "Authorization", bob, "Idempotency-Key", "b0")).json(t)

	// By customer (email or id), paged with a cursor, newest first.
	first := a.expect(200, a.req("GET", "/api/admin/orders?limit=2&customer="+url.QueryEscape(aliceEmail), nil, "Authorization", admin))
	page := items(t, first)
	cursor, _ := first.json(t)["next_cursor"].(string)
	if len(page) != 2 || page[0]["id"] != aliceOrders[2] || page[1]["id"] != aliceOrders[1] || cursor == "" {
		t.Fatalf("first page %v cursor %q; want alice's two newest orders and a cursor", page, cursor)
	}
	rest := items(t, a.expect(200, a.req("GET", "/api/admin/orders?limit=2&customer="+url.QueryEscape(aliceEmail)+"&cursor="+cursor, nil, "Authorization", admin)))
	if len(rest) != 1 || rest[0]["id"] != aliceOrders[0] {
		t.Fatalf("second page %v, want alice's first order", rest)
	}
	byStatus := items(t, a.expect(200, a.req("GET", "/api/admin/orders?status=pending", nil, "Authorization", admin)))
	if len(byStatus) != 1 || byStatus[0]["id"] != pending["id"] {
		t.Fatalf("pending orders %v, want bob's", byStatus)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := items(t, a.expect(200, a.req("GET", "/api/admin/orders?from="+future, nil, "Authorization", admin))); len(got) != 0 {
		t.Fatalf("orders from the future: %v", got)
	}
	if got := items(t, a.expect(200, a.req("GET", "/api/admin/orders?to="+future+"&from=2020-01-01", nil, "Authorization", admin))); len(got) != 4 {
		t.Fatalf("%d orders in range, want 4", len(got))
	}
	for q, field := range map[string]string{"status=lost": "status", "from=yesterday": "from", "customer=not%20an%20email": "customer", "sort=id": "sort", "from=2026-02-01&to=2026-01-01": "to"} {
		if r := a.req("GET", "/api/admin/orders?"+q, nil, "Authorization", admin); r.Status != 422 || r.json(t)["error"].(map[string]any)["field"] != field {
			t.Errorf("?%s: %d %s, want 422 naming %s", q, r.Status, r.Body, field)
		}
	}
	if r := a.req("GET", "/api/admin/orders?cursor="+cursor, nil, "Authorization", alice); r.Status != 403 {
		t.Fatalf("a customer listing all orders: %d, want 403", r.Status)
	}
}

func TestAdminListsAndDisablesUsersAndEverythingIsAudited(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	email, victim := a.customer("disableme")
	found := items(t, a.expect(200, a.req("GET", "/api/admin/users?email="+url.QueryEscape(email[:20]), nil, "Authorization", admin)))
	if len(found) != 1 || found[0]["email"] != email || found[0]["disabled"] != false || found[0]["password_hash"] != nil {
		t.Fatalf("users matching %q: %v", email[:20], found)
	}
	if got := items(t, a.expect(200, a.req("GET", "/api/admin/users?email=%25", nil, "Authorization", admin))); len(got) != 0 {
		t.Fatalf("a %% in the search matched %d users; it must match literally", len(got))
	}
	uid := int64(found[0]["id"].(float64))
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/users/%d/disable", uid), nil, "Authorization", admin))
	a.expectRevoked(victim, "disabled account")
	if r := a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"}); r.Status != 401 || r.errCode(t) != "account_disabled" {
		t.Fatalf("login of a disabled account: %d %s", r.Status, r.Body)
	}
	var sessions int
	if err := a.m.DB.Pool().QueryRow(t.Context(), "SELECT count(*) FROM sessions WHERE user_id = $1", uid).Scan(&sessions); err != nil || sessions != 0 {
		t.Fatalf("%d sessions left after disabling (%v)", sessions, err)
	}
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/users/%d/enable", uid), nil, "Authorization", admin))
	victim = a.login(email, "correct horse battery")
	a.expect(404, a.req("POST", "/api/admin/users/999999999/disable", nil, "Authorization", admin))

	me := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", admin)).json(t)
	adminID := int64(me["id"].(float64))
	if r := a.req("POST", fmt.Sprintf("/api/admin/users/%d/disable", adminID), nil, "Authorization", admin); r.Status != 409 || r.errCode(t) != "cannot_disable_self" {
		t.Fatalf("disabling oneself: %d %s", r.Status, r.Body)
	}
	pid := a.product(admin, "Audited stool", "furniture", 1000, 1)

	// The audit log has the admin's writes, newest first; reads and refusals are not in it.
	log := items(t, a.expect(200, a.req("GET", fmt.Sprintf("/api/admin/audit?actor=%d", adminID), nil, "Authorization", admin)))
	var got []string
	for _, e := range log {
		got = append(got, fmt.Sprintf("%s %s %s", e["action"], e["target_type"], e["target_id"]))
	}
	want := []string{
		fmt.Sprintf("POST /api/admin/products products %d", pid),
		fmt.Sprintf("POST /api/admin/users/:id/enable users %d", uid),
		fmt.Sprintf("POST /api/admin/users/:id/disable users %d", uid),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit log\n got %v\nwant %v", got, want)
	}
	if req := log[0]["details"].(map[string]any)["request"].(map[string]any); req["name"] != "Audited stool" {
		t.Fatalf("audit details of the creation: %v", log[0]["details"])
	}
	if r := a.req("GET", "/api/admin/audit", nil, "Authorization", victim); r.Status != 403 {
		t.Fatalf("a customer reading the audit log: %d", r.Status)
	}
}
