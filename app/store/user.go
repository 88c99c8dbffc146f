package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Role is a user's permission level.
type Role string

// The roles.
const (
	RoleCustomer Role = "customer"
	RoleAdmin    Role = "admin"
)

// User is an account. The password hash never leaves the repository layer in responses.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"-"` // cannot log in; its tokens are refused
	// EmailVerified: the owner opened the verification link sent to Email.
	EmailVerified bool `json:"email_verified"`
}

// Registration is the sign-up request.
type Registration struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// Credentials is the login request.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// ProfileUpdate changes the caller's profile.
type ProfileUpdate struct {
	Name *string `json:"name"`
}

// NormalizeEmail validates an address and lowercases it, so lookups are case-insensitive.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalid("email", "email is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", Invalid("email", "email must be a plain address like name@example.com")
	}
	return strings.ToLower(s), nil
}

// Validate checks a registration and normalises the email.
func (r *Registration) Validate() error {
	var err error
	if r.Email, err = NormalizeEmail(r.Email); err != nil {
		return err
	}
	if err := checkPassword("password", r.Password); err != nil {
		return err
	}
	return checkText("name", r.Name, 1, 100)
}

// UserRepository stores accounts.
type UserRepository interface {
	// CreateUser fails with a conflict (code email_taken) when the email is registered.
	CreateUser(ctx context.Context, u User) (User, error)
	GetUser(ctx context.Context, id int64) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	UpdateUser(ctx context.Context, id int64, p ProfileUpdate) (User, error)
	SetRole(ctx context.Context, email string, role Role) (User, error)
}

// Argon2id parameters: the OWASP minimum recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash with a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword compares password with an encoded hash in constant time.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash lets a login for an unknown email spend the same time as a real check, so
// response timing does not reveal which emails are registered.
var dummyHash, _ = HashPassword("not-a-real-password")

// Claims is what a token asserts.
type Claims struct {
	UserID    int64  `json:"sub"`
	Role      Role   `json:"role"`
	Expires   int64  `json:"exp"`
	SessionID string `json:"sid"` // the server-side session; the token is void once it is gone
}

// Tokens signs and verifies session tokens (HMAC-SHA256); each names a server-side session.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens needs a secret of at least 32 bytes.
func NewTokens(secret []byte, ttl time.Duration) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("token secret must be at least 32 bytes, got %d", len(secret))
	}
	return &Tokens{secret: secret, ttl: ttl, now: time.Now}, nil
}

// TTL is how long issued tokens are valid.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue creates a token of session sessionID for u, valid until expires.
func (t *Tokens) Issue(u User, sessionID string, expires time.Time) string {
	payload, _ := json.Marshal(Claims{UserID: u.ID, Role: u.Role, Expires: expires.Unix(), SessionID: sessionID})
	body := tokenVersion + base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(t.sign(body))
}

// tokenVersion prefixes tokens that name a session; v1 tokens (stateless) are refused.
const tokenVersion = "v2."

// Verify checks signature and expiry (the session is checked by Accounts.Authenticate).
func (t *Tokens) Verify(token string) (Claims, error) {
	bad := ErrInvalidToken
	i := strings.LastIndexByte(token, '.')
	if i < len(tokenVersion) || !strings.HasPrefix(token, tokenVersion) || len(token) > 1024 {
		return Claims{}, bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || !hmac.Equal(sig, t.sign(token[:i])) {
		return Claims{}, bad
	}
	payload, err := base64.RawURLEncoding.DecodeString(token[len(tokenVersion):i])
	if err != nil {
		return Claims{}, bad
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.UserID <= 0 || c.SessionID == "" || t.now().Unix() >= c.Expires {
		return Claims{}, bad
	}
	return c, nil
}

// NewCartSession issues an anonymous cart session: a random id and its signature, so that
// clients can present only ids the server issued and cannot pick one (and with it another
// shopper's cart, or a key of their choosing).
func (t *Tokens) NewCartSession() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	return id + "." + t.cartSignature(id)
}

// CartSession returns the id of a session NewCartSession issued, and false for anything else.
func (t *Tokens) CartSession(s string) (string, bool) {
	id, sig, ok := strings.Cut(s, ".")
	if !ok || len(id) != 32 || len(s) > 128 {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	if !hmac.Equal([]byte(sig), []byte(t.cartSignature(id))) {
		return "", false
	}
	return id, true
}

func (t *Tokens) cartSignature(id string) string {
	return base64.RawURLEncoding.EncodeToString(t.sign("cart." + id))
}

func (t *Tokens) sign(s string) []byte {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Accounts implements registration, login and profiles.
type Accounts struct {
	Users    UserRepository
	Sessions SessionRepository
	OneTime  AccountTokenRepository // password reset and email verification links
	Links    Links
	Mail     *Mailer // nil: no email (password reset and verification answer 503 mail_unavailable)
	Tokens   *Tokens
	Hasher   *Hasher // bounds argon2id hashes in flight; nil: unbounded
	// Throttle slows password guessing per account; nil: none.
	Throttle *LoginThrottle
}

func (a *Accounts) hasher() *Hasher {
	if a.Hasher == nil {
		return unboundedHasher
	}
	return a.Hasher
}

var unboundedHasher = NewHasher(0, 0, 0)

// Register creates a customer account.
func (a *Accounts) Register(ctx context.Context, r Registration) (User, error) {
	if err := r.Validate(); err != nil {
		return User{}, err
	}
	hash, err := a.hasher().Hash(ctx, r.Password)
	if err != nil {
		return User{}, err
	}
	u, err := a.Users.CreateUser(ctx, User{Email: r.Email, Name: strings.TrimSpace(r.Name), Role: RoleCustomer, PasswordHash: hash})
	if err != nil || a.Mail == nil {
		return u, err
	}
	// The account exists; a failed verification email can be requested again.
	if err := a.sendLink(ctx, u, PurposeEmailVerification); err != nil && a.Mail.Log != nil {
		a.Mail.Log.Warn("email verification link not sent", "user_id", u.ID, "err", err)
	}
	return u, nil
}

// Login checks credentials, starts a session and returns the user and its token.
func (a *Accounts) Login(ctx context.Context, c Credentials, meta SessionMeta) (User, string, error) {
	email, err := NormalizeEmail(c.Email)
	if err != nil {
		return User{}, "", err
	}
	if c.Password == "" {
		return User{}, "", Invalid("password", "password is required")
	}
	if err := a.Throttle.Check(email); err != nil {
		return User{}, "", err
	}
	u, err := a.Users.GetUserByEmail(ctx, email)
	if IsNotFound(err) {
		if _, err := a.hasher().Check(ctx, dummyHash, c.Password); err != nil {
			return User{}, "", err
		}
		a.Throttle.Failed(email)
		return User{}, "", ErrBadCredentials
	}
	if err != nil {
		return User{}, "", err
	}
	ok, err := a.hasher().Check(ctx, u.PasswordHash, c.Password)
	if err != nil {
		return User{}, "", err
	}
	if !ok {
		a.Throttle.Failed(email)
		return User{}, "", ErrBadCredentials
	}
	a.Throttle.Succeeded(email)
	if u.Disabled {
		return User{}, "", ErrAccountDisabled
	}
	tok, err := a.StartSession(ctx, u, meta)
	if err != nil {
		return User{}, "", err
	}
	return u, tok, nil
}

// Authenticate verifies a session token, that its session is live and that its account still
// exists and is enabled (one lookup), so a token does not outlive its session (logout,
// password change, revocation) nor a deleted or disabled account. The user returned carries
// the current role, not the one in the token; the session id comes with it.
func (a *Accounts) Authenticate(ctx context.Context, token string) (User, string, error) {
	cl, err := a.Tokens.Verify(token)
	if err != nil {
		return User{}, "", err
	}
	u, err := a.Sessions.SessionUser(ctx, cl.SessionID)
	if IsNotFound(err) || err == nil && (u.Disabled || u.ID != cl.UserID) {
		return User{}, "", ErrInvalidToken
	}
	return u, cl.SessionID, err
}

// UpdateProfile validates and applies a profile change.
func (a *Accounts) UpdateProfile(ctx context.Context, userID int64, p ProfileUpdate) (User, error) {
	if p.Name != nil {
		if err := checkText("name", *p.Name, 1, 100); err != nil {
			return User{}, err
		}
		n := strings.TrimSpace(*p.Name)
		p.Name = &n
	}
	return a.Users.UpdateUser(ctx, userID, p)
}
