package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The purposes of one-time links.
const (
	PurposePasswordReset     = "password_reset"
	PurposeEmailVerification = "email_verification"
)

// AccountToken is a one-time link's token as stored: its SHA-256, never the token.
type AccountToken struct {
	Hash      []byte
	UserID    int64
	Purpose   string
	Email     string
	ExpiresAt time.Time
}

// AccountTokenRepository stores one-time links and applies them.
type AccountTokenRepository interface {
	// CreateAccountToken stores t unless the user already got MaxLinksPerWindow links of that
	// purpose within LinkWindow; it reports whether it stored it.
	CreateAccountToken(ctx context.Context, t AccountToken) (bool, error)
	// ResetPassword uses a live password_reset token (once), sets the password hash, ends every
	// session and voids the user's other reset links, in one transaction. Not found when the
	// token is unknown, used or expired.
	ResetPassword(ctx context.Context, tokenHash []byte, passwordHash string) (int64, error)
	// VerifyEmail uses a live email_verification token (once) and marks the address verified
	// when it is still the account's. Not found when the token is unknown, used or expired.
	VerifyEmail(ctx context.Context, tokenHash []byte) (int64, error)
	// ChangePassword sets the password hash and ends every session but keep.
	ChangePassword(ctx context.Context, userID int64, passwordHash, keep string) error
}

// One-time links a user can be sent per purpose within LinkWindow; further requests answer
// the same but send nothing, so the endpoint cannot be used to flood an inbox.
const (
	MaxLinksPerWindow = 3
	LinkWindow        = 15 * time.Minute
)

// The errors of the password and verification flows.
var (
	ErrInvalidLink     = &Error{Kind: KindInvalid, Code: "invalid_link", Field: "token", Message: "the link is invalid, expired or already used; request a new one"}
	ErrWrongPassword   = &Error{Kind: KindInvalid, Code: "wrong_password", Field: "current_password", Message: "the current password is wrong"}
	ErrMailUnavailable = &Error{Kind: KindUnavailable, Code: "mail_unavailable", Message: "email is not configured on this server"}
)

// PasswordChange is the body of POST /api/me/password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ResetRequest is the body of POST /api/users/password-reset.
type ResetRequest struct {
	Email string `json:"email"`
}

// ResetConfirm is the body of POST /api/users/password-reset/confirm.
type ResetConfirm struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// EmailToken is the body of POST /api/users/verify-email.
type EmailToken struct {
	Token string `json:"token"`
}

func checkPassword(field, p string) error {
	if n := utf8.RuneCountInString(p); n < 10 || len(p) > 128 {
		return Invalid(field, "password must be 10 to 128 characters")
	}
	return nil
}

// Links says where one-time links point and how long they live.
type Links struct {
	BaseURL   string        // PUBLIC_URL: the shop's web address
	ResetTTL  time.Duration // PASSWORD_RESET_TTL
	VerifyTTL time.Duration // EMAIL_VERIFY_TTL
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// linkToken parses a token as sent back by the client: 64 hex digits.
func linkToken(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 64 {
		return nil, ErrInvalidLink
	}
	if _, err := hex.DecodeString(s); err != nil {
		return nil, ErrInvalidLink
	}
	return tokenHash(strings.ToLower(s)), nil
}

// sendLink creates a one-time token for u and mails its link.
func (a *Accounts) sendLink(ctx context.Context, u User, purpose string) error {
	ttl, path, subject, text := a.Links.ResetTTL, "/account/reset-password", "Reset your password",
		"Someone asked to reset the password of your account. If it was you, open this link within %s:\n\n%s\n\nIf not, ignore this email; your password stays as it is.\n"
	if purpose == PurposeEmailVerification {
		ttl, path, subject, text = a.Links.VerifyTTL, "/account/verify-email", "Confirm your email address",
			"Confirm the email address of your account by opening this link within %s:\n\n%s\n"
	}
	token := newSecret(32)
	stored, err := a.OneTime.CreateAccountToken(ctx, AccountToken{Hash: tokenHash(token), UserID: u.ID, Purpose: purpose, Email: u.Email, ExpiresAt: a.Tokens.now().Add(ttl)})
	if err != nil || !stored {
		return err
	}
	// The token travels in the fragment, which browsers do not send to servers or in Referer.
	link := strings.TrimSuffix(a.Links.BaseURL, "/") + path + "#token=" + token
	a.Mail.Send(Message{To: u.Email, Subject: subject, Text: fmt.Sprintf(text, ttl, link)})
	return nil
}

// RequestPasswordReset mails a reset link when email belongs to an enabled account. The
// answer and the work done before it are the same for unknown emails: one lookup by email;
// the link is stored and mailed in the background.
func (a *Accounts) RequestPasswordReset(ctx context.Context, r ResetRequest) error {
	if a.Mail == nil {
		return ErrMailUnavailable
	}
	email, err := NormalizeEmail(r.Email)
	if err != nil {
		return err
	}
	u, err := a.Users.GetUserByEmail(ctx, email)
	if IsNotFound(err) || err == nil && u.Disabled {
		return nil
	}
	if err != nil {
		return err
	}
	a.Mail.Go("password reset link", func(ctx context.Context) error { return a.sendLink(ctx, u, PurposePasswordReset) })
	return nil
}

// ConfirmPasswordReset sets a new password with a reset link's token and ends every session.
func (a *Accounts) ConfirmPasswordReset(ctx context.Context, r ResetConfirm) error {
	h, err := linkToken(r.Token)
	if err != nil {
		return err
	}
	if err := checkPassword("password", r.Password); err != nil {
		return err
	}
	hash, err := a.hasher().Hash(ctx, r.Password)
	if err != nil {
		return err
	}
	if _, err := a.OneTime.ResetPassword(ctx, h, hash); err != nil {
		if IsNotFound(err) {
			return ErrInvalidLink
		}
		return err
	}
	return nil
}

// ChangePassword checks the current password, sets the new one and ends every other session.
func (a *Accounts) ChangePassword(ctx context.Context, userID int64, session string, p PasswordChange) error {
	if p.CurrentPassword == "" {
		return Invalid("current_password", "current_password is required")
	}
	if err := checkPassword("new_password", p.NewPassword); err != nil {
		return err
	}
	u, err := a.Users.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	// A stolen session must not be able to guess the password faster than a login can.
	if err := a.Throttle.Check(u.Email); err != nil {
		return err
	}
	ok, err := a.hasher().Check(ctx, u.PasswordHash, p.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		a.Throttle.Failed(u.Email)
		return ErrWrongPassword
	}
	a.Throttle.Succeeded(u.Email)
	hash, err := a.hasher().Hash(ctx, p.NewPassword)
	if err != nil {
		return err
	}
	return a.OneTime.ChangePassword(ctx, userID, hash, session)
}

// SendVerification mails an email verification link to the account (a no-op when verified).
func (a *Accounts) SendVerification(ctx context.Context, userID int64) error {
	if a.Mail == nil {
		return ErrMailUnavailable
	}
	u, err := a.Users.GetUser(ctx, userID)
	if err != nil || u.EmailVerified {
		return err
	}
	return a.sendLink(ctx, u, PurposeEmailVerification)
}

// VerifyEmail marks the account's address verified with a verification link's token.
func (a *Accounts) VerifyEmail(ctx context.Context, t EmailToken) error {
	h, err := linkToken(t.Token)
	if err != nil {
		return err
	}
	if _, err := a.OneTime.VerifyEmail(ctx, h); err != nil {
		if IsNotFound(err) {
			return ErrInvalidLink
		}
		return err
	}
	return nil
}
