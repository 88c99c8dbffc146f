package server_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// mailApp starts the storefront with the directory mail backend and returns the directory.
func mailApp(t *testing.T) (*app, string) {
	dir := t.TempDir()
	return startApp(t, map[string]string{"MAIL_BACKEND": "dir", "MAIL_DIR": dir, "PUBLIC_URL": "http://shop.test"}), dir
}

var linkToken = regexp.MustCompile(`http://shop\.test(/account/[a-z-]+)#token=([0-9a-f]{64})`)

// mails returns the messages to addr whose link path is path, oldest first, as their tokens.
func mails(t *testing.T, dir, addr, path string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var tokens []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s is not an RFC 5322 message: %v", f, err)
		}
		if msg.Header.Get("To") != addr {
			continue
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if m := linkToken.FindStringSubmatch(string(body)); m != nil && m[1] == path {
			tokens = append(tokens, m[2])
		}
	}
	return tokens
}

// waitMail waits for the n-th message to addr with a link to path and returns its token.
func waitMail(t *testing.T, dir, addr, path string, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ts := mails(t, dir, addr, path); len(ts) >= n {
			return ts[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message %d to %s with a %s link within 10s", n, addr, path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPasswordChangeNeedsTheCurrentPasswordAndEndsOtherSessions(t *testing.T) {
	a := startApp(t, nil)
	email, here := a.customer("changer")
	elsewhere := a.login(email, "correct horse battery")
	r := a.req("POST", "/api/me/password", map[string]string{"current_password": "wrong password!", "new_password": "a brand new secret"}, "Authorization", here)
	if r.Status != 422 || r.errCode(t) != "wrong_password" {
		t.Fatalf("wrong current password: %d %s, want 422 wrong_password", r.Status, r.Body)
	}
	r = a.req("POST", "/api/me/password", map[string]string{"current_password": "correct horse battery", "new_password": "short"}, "Authorization", here)
	if r.Status != 422 || r.errCode(t) != "invalid_argument" {
		t.Fatalf("short new password: %d %s, want 422 invalid_argument", r.Status, r.Body)
	}
	a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", elsewhere))
	a.expect(204, a.req("POST", "/api/me/password", map[string]string{"current_password": "correct horse battery", "new_password": "a brand new secret"}, "Authorization", here))
	a.expectRevoked(elsewhere, "other session after a password change")
	a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", here))
	a.expect(401, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"}))
	a.login(email, "a brand new secret")
}

func TestPasswordResetByOneTimeLink(t *testing.T) {
	a, dir := mailApp(t)
	email, bearer := a.customer("forgetful")
	known := a.expect(202, a.req("POST", "/api/users/password-reset", map[string]string{"email": strings.ToUpper(email)}))
	unknown := a.expect(202, a.req("POST", "/api/users/password-reset", map[string]string{"email": "nobody-" + email}))
	if !bytes.Equal(known.Body, unknown.Body) {
		t.Fatalf("answers differ for a registered and an unknown email: %s vs %s", known.Body, unknown.Body)
	}
	token := waitMail(t, dir, email, "/account/reset-password", 1)

	// Only the token's SHA-256 is stored.
	sum := sha256.Sum256([]byte(token))
	var stored []byte
	if err := a.m.DB.Pool().QueryRow(t.Context(), "SELECT token_hash FROM account_tokens WHERE purpose = 'password_reset' AND email = $1", email).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, sum[:]) {
		t.Fatalf("stored %x, want the SHA-256 of the emailed token", stored)
	}
	r := a.req("POST", "/api/users/password-reset/confirm", map[string]string{"token": strings.Repeat("0", 64), "password": "reset to this one"})
	if r.Status != 422 || r.errCode(t) != "invalid_link" {
		t.Fatalf("unknown token: %d %s, want 422 invalid_link", r.Status, r.Body)
	}
	a.expect(204, a.req("POST", "/api/users/password-reset/confirm", map[string]string{"token": token, "password": "reset to this one"}))
	a.expectRevoked(bearer, "session after a password reset")
	a.login(email, "reset to this one")
	r = a.req("POST", "/api/users/password-reset/confirm", map[string]string{"token": token, "password": "and again to this"})
	if r.Status != 422 || r.errCode(t) != "invalid_link" {
		t.Fatalf("second use of the token: %d %s, want 422 invalid_link", r.Status, r.Body)
	}

	// An expired link is refused.
	a.expect(202, a.req("POST", "/api/users/password-reset", map[string]string{"email": email}))
	late := waitMail(t, dir, email, "/account/reset-password", 2)
	if _, err := a.m.DB.Pool().Exec(t.Context(), "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL"); err != nil {
		t.Fatal(err)
	}
	r = a.req("POST", "/api/users/password-reset/confirm", map[string]string{"token": late, "password": "too late for this"})
	if r.Status != 422 || r.errCode(t) != "invalid_link" {
		t.Fatalf("expired token: %d %s, want 422 invalid_link", r.Status, r.Body)
	}
	// At most three links per 15 minutes: the fourth request answers the same and sends nothing.
	a.expect(202, a.req("POST", "/api/users/password-reset", map[string]string{"email": email}))
	waitMail(t, dir, email, "/account/reset-password", 3)
	a.expect(202, a.req("POST", "/api/users/password-reset", map[string]string{"email": email}))
	time.Sleep(300 * time.Millisecond)
	if n := len(mails(t, dir, email, "/account/reset-password")); n != 3 {
		t.Fatalf("%d reset emails after four requests in the window, want 3", n)
	}
	if n := len(mails(t, dir, "nobody-"+email, "/account/reset-password")); n != 0 {
		t.Fatalf("%d emails to an unregistered address", n)
	}
}

func TestEmailVerificationLink(t *testing.T) {
	a, dir := mailApp(t)
	email, bearer := a.customer("verifier")
	if v := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", bearer)).json(t)["email_verified"]; v != false {
		t.Fatalf("email_verified = %v before the link was opened", v)
	}
	token := waitMail(t, dir, email, "/account/verify-email", 1)
	a.expect(204, a.req("POST", "/api/users/verify-email", map[string]string{"token": token}))
	if v := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", bearer)).json(t)["email_verified"]; v != true {
		t.Fatalf("email_verified = %v after the link was opened", v)
	}
	if r := a.req("POST", "/api/users/verify-email", map[string]string{"token": token}); r.Status != 422 || r.errCode(t) != "invalid_link" {
		t.Fatalf("second use: %d %s, want 422 invalid_link", r.Status, r.Body)
	}
	// A verified account is sent nothing more.
	a.expect(202, a.req("POST", "/api/me/verify-email", nil, "Authorization", bearer))
	time.Sleep(200 * time.Millisecond)
	if n := len(mails(t, dir, email, "/account/verify-email")); n != 1 {
		t.Fatalf("%d verification emails, want 1", n)
	}
}

// Without a mail backend the reset endpoint says so, identically for every address.
func TestPasswordResetWithoutMailIsUnavailable(t *testing.T) {
	a := startApp(t, nil)
	email, _ := a.customer("nomail")
	for _, e := range []string{email, "unknown-" + email} {
		if r := a.req("POST", "/api/users/password-reset", map[string]string{"email": e}); r.Status != 503 || r.errCode(t) != "mail_unavailable" {
			t.Fatalf("reset for %s without mail: %d %s, want 503 mail_unavailable", e, r.Status, r.Body)
		}
	}
}
