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
