package server_test

import (
	"fmt"
	"sync"
	"testing"
)

func TestLoginBurstRunsAtMostTheConfiguredHashesAtOnce(t *testing.T) {
	a := startApp(t, map[string]string{"LOGIN_MAX_HASHES": "2", "LOGIN_QUEUE_TIMEOUT": "30ms", "LOGIN_MAX_QUEUE": "4"})
	email := fmt.Sprintf("burst-%d@example.com", emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": "Burst"}))

	const logins = 40
	results := make([]resp, logins)
	var wg sync.WaitGroup
	for i := range logins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := email
			if i%2 == 1 { // unknown accounts cost a hash too
				who = fmt.Sprintf("nobody-%d-%d@example.com", i, emailSeq.Add(1))
			}
			results[i] = a.req("POST", "/api/users/login", map[string]string{"email": who, "password": "correct horse battery"})
		}()
	}
	wg.Wait()
	busy := 0
	for i, r := range results {
		switch {
		case r.Status == 503:
			if code := r.errCode(t); code != "login_busy" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("login %d: 503 %s without login_busy and Retry-After", i, r.Body)
			}
			busy++
		case i%2 == 0 && r.Status == 200, i%2 == 1 && r.Status == 401:
		default:
			t.Fatalf("login %d: unexpected %d %s", i, r.Status, r.Body)
		}
	}
	if peak := a.m.Hasher.Peak(); peak > 2 || peak < 1 {
		t.Fatalf("%d password hashes ran at once, want at most LOGIN_MAX_HASHES=2", peak)
	}
	if busy == 0 || int64(busy) != a.m.Hasher.Rejected() {
		t.Fatalf("%d logins answered login_busy, the hasher refused %d; %d concurrent logins against 2 slots and a queue of 4 must refuse some",
			busy, a.m.Hasher.Rejected(), logins)
	}
	// The burst is over: logins work again.
	a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"}))
}

func TestConcurrentCartAddsAreAllKept(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Mug", "mugs", 1200, 500)
	user, _ := a.user("adder")
	const adds = 30
	var wg sync.WaitGroup
	statuses := make([]int, adds)
	for i := range adds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = a.req("POST", "/api/cart/items", map[string]any{"product_id": id, "quantity": 1}, "Authorization", user).Status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("add %d answered %d", i, s)
		}
	}
	cart := a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", user)).json(t)
	items := cart["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("cart lines: %v", items)
	}
	if q := items[0].(map[string]any)["quantity"].(float64); q != adds {
		t.Fatalf("quantity %v after %d concurrent +1 adds, want %d", q, adds, adds)
	}
}
