package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// login logs email in once more and returns the bearer header of the new session.
func (a *app) login(email, password string, headers ...string) string {
	a.t.Helper()
	r := a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": password}, headers...)).json(a.t)
	return "Bearer " + r["token"].(string)
}

// customer registers an account and returns its email and the bearer of a first session.
func (a *app) customer(name string) (string, string) {
	a.t.Helper()
	email := fmt.Sprintf("%s-%d-%d@example.com", strings.ToLower(strings.Fields(name)[0]), time.Now().UnixNano(), emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": name}))
	return email, a.login(email, "correct horse battery")
}

func (a *app) sessions(bearer string) []map[string]any {
	a.t.Helper()
	items := a.expect(200, a.req("GET", "/api/me/sessions", nil, "Authorization", bearer)).json(a.t)["items"].([]any)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = it.(map[string]any)
	}
	return out
}

func (a *app) expectRevoked(bearer, why string) {
	a.t.Helper()
	r := a.req("GET", "/api/users/me", nil, "Authorization", bearer)
	if r.Status != 401 || r.errCode(a.t) != "invalid_token" {
		a.t.Fatalf("%s: token answered %d %s, want 401 invalid_token", why, r.Status, r.Body)
	}
}

// Logout ends the session server-side: a copy of the token stops working, other sessions
// go on.
func TestLogoutRevokesTheTokenServerSide(t *testing.T) {
	a := startApp(t, nil)
	email, first := a.customer("logout")
	second := a.login(email, "correct horse battery")
	a.expect(204, a.req("POST", "/api/users/logout", nil, "Authorization", first))
	a.expectRevoked(first, "after logout")
	a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", second))
	// Logging out twice, or without a token, is harmless.
	a.expect(204, a.req("POST", "/api/users/logout", nil, "Authorization", first))
	a.expect(204, a.req("POST", "/api/users/logout", nil))
}

// The caller lists their sessions (with the current one marked) and revokes one by id; the
// ids of other users' sessions are not theirs to revoke.
func TestListAndRevokeMySessions(t *testing.T) {
	a := startApp(t, nil)
	email, phone := a.customer("sessions")
	laptop := a.login(email, "correct horse battery", "User-Agent", "laptop-browser/1.0")
	ss := a.sessions(laptop)
	if len(ss) != 2 {
		t.Fatalf("%d sessions listed, want 2: %v", len(ss), ss)
	}
	var current, other string
	for _, s := range ss {
		if s["current"] == true {
			current = s["id"].(string)
			if !strings.Contains(s["user_agent"].(string), "laptop-browser") || s["ip"] != "127.0.0.1" {
				t.Fatalf("current session %v: want the laptop's user agent and 127.0.0.1", s)
			}
		} else {
			other = s["id"].(string)
		}
	}
	if current == "" || other == "" {
		t.Fatalf("sessions %v: want one current and one other", ss)
	}
	// Another customer cannot revoke it.
	_, stranger := a.customer("stranger")
	if r := a.req("DELETE", "/api/me/sessions/"+other, nil, "Authorization", stranger); r.Status != 404 || r.errCode(t) != "not_found" {
		t.Fatalf("revoking another user's session: %d %s, want 404 not_found", r.Status, r.Body)
	}
	a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", phone))
	a.expect(204, a.req("DELETE", "/api/me/sessions/"+other, nil, "Authorization", laptop))
	a.expectRevoked(phone, "revoked from another session")
	if ss := a.sessions(laptop); len(ss) != 1 || ss[0]["id"] != current {
		t.Fatalf("after revoking the phone: %v, want only the laptop's session", ss)
	}
	a.expect(404, a.req("DELETE", "/api/me/sessions/"+other, nil, "Authorization", laptop))
	a.expect(401, a.req("GET", "/api/me/sessions", nil))
}

// A token whose session row is gone is refused even though its signature and expiry are good,
// and a token signed for one user cannot ride another user's session.
func TestTokenNeedsItsOwnLiveSession(t *testing.T) {
	a := startApp(t, nil)
	_, bearer := a.customer("expiry")
	_, otherID := a.user("other")
	var sid string
	if err := a.m.DB.Pool().QueryRow(t.Context(), "SELECT id FROM sessions WHERE user_id <> $1 ORDER BY created_at LIMIT 1", otherID).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	other, err := a.m.DB.GetUser(t.Context(), otherID)
	if err != nil {
		t.Fatal(err)
	}
	a.expectRevoked("Bearer "+a.m.Tokens.Issue(other, sid, time.Now().Add(time.Hour)), "a token naming another user's session")
	if _, err := a.m.DB.Pool().Exec(t.Context(), "UPDATE sessions SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	a.expectRevoked(bearer, "session expired in the database")
}
