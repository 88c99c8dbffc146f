package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
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

// fromAddr returns a client whose connections come from the loopback address ip.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestPasswordGuessingIsThrottledPerAccountAcrossAddresses(t *testing.T) {
	a := startApp(t, nil)
	var mu sync.Mutex
	now := time.Now()
	a.m.Throttle.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	email := fmt.Sprintf("victim-%d@example.com", emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": "Victim"}))
	login := func(hc *http.Client, who, password string) resp {
		b, _ := json.Marshal(map[string]string{"email": who, "password": password})
		res, err := hc.Post(a.base+"/api/users/login", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return resp{Status: res.StatusCode, Header: res.Header, Body: body}
	}
	ghost := fmt.Sprintf("ghost-%d@example.com", emailSeq.Add(1)) // no such account
	for i := range 60 {
		hc := fromAddr(fmt.Sprintf("127.0.0.%d", i+2))
		for _, who := range []string{email, ghost} {
			if r := login(hc, who, fmt.Sprintf("guess number %d", i)); r.Status != 401 && r.Status != 429 {
				t.Fatalf("guess %d for %s: %d %s", i, who, r.Status, r.Body)
			}
		}
	}
	for _, who := range []string{email, ghost} {
		r := login(fromAddr("127.0.0.99"), who, "correct horse battery")
		if r.Status != 429 || r.errCode(t) != "login_throttled" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s after 60 wrong passwords from 60 addresses: %d %s (want 429 login_throttled, the same for an unknown email)", who, r.Status, r.Body)
		}
	}
	// The backoff is capped (LOGIN_THROTTLE_MAX, 5 minutes by default): the owner gets in then,
	// and success resets the count.
	advance(5*time.Minute + time.Second)
	a.expect(200, login(fromAddr("127.0.0.99"), email, "correct horse battery"))
	a.expect(401, login(fromAddr("127.0.0.99"), email, "one more typo"))
	a.expect(200, login(fromAddr("127.0.0.99"), email, "correct horse battery"))
}
