package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Session is one login of an account: the token names it, and the token is accepted only
// while the session exists, so revoking a session ends its token at once.
type Session struct {
	ID        string    `json:"id"`
	UserID    int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UserAgent string    `json:"user_agent"`
	IP        string    `json:"ip"`
	Current   bool      `json:"current"` // the session of the request that lists it
}

// SessionMeta describes the client a session is created for (shown when listing sessions).
type SessionMeta struct {
	UserAgent string
	IP        string
}

// SessionRepository stores sessions.
type SessionRepository interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns the account of a live session; not found when the session was
	// revoked or expired.
	SessionUser(ctx context.Context, sessionID string) (User, error)
	ListSessions(ctx context.Context, userID int64) ([]Session, error)
	// DeleteSession is not found when the user has no such session.
	DeleteSession(ctx context.Context, userID int64, sessionID string) error
	// DeleteSessions revokes every session of the user but keep ("" keeps none).
	DeleteSessions(ctx context.Context, userID int64, keep string) (int64, error)
}

// newSecret returns n random bytes, hex encoded.
func newSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clip bounds a client-supplied string kept for display.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// StartSession creates a session for u and returns its token.
func (a *Accounts) StartSession(ctx context.Context, u User, meta SessionMeta) (string, error) {
	now := a.Tokens.now()
	s := Session{ID: newSecret(16), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(a.Tokens.ttl),
		UserAgent: clip(meta.UserAgent, 256), IP: clip(meta.IP, 64)}
	if err := a.Sessions.CreateSession(ctx, s); err != nil {
		return "", err
	}
	return a.Tokens.Issue(u, s.ID, s.ExpiresAt), nil
}

// Logout revokes the session of token; an invalid or already revoked token is not an error.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	cl, err := a.Tokens.Verify(token)
	if err != nil {
		return nil
	}
	if err := a.Sessions.DeleteSession(ctx, cl.UserID, cl.SessionID); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// ListSessions returns the caller's live sessions, marking the current one.
func (a *Accounts) ListSessions(ctx context.Context, userID int64, current string) ([]Session, error) {
	ss, err := a.Sessions.ListSessions(ctx, userID)
	for i := range ss {
		ss[i].Current = ss[i].ID == current
	}
	return ss, err
}

// RevokeSession ends one of the caller's sessions (the current one included).
func (a *Accounts) RevokeSession(ctx context.Context, userID int64, sessionID string) error {
	if len(sessionID) != 32 {
		return NotFound("session", sessionID)
	}
	return a.Sessions.DeleteSession(ctx, userID, sessionID)
}
