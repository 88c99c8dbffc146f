package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEntry is one line of the audit log. ActorID 0 is the system (background jobs).
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_id,omitempty"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Details    json.RawMessage `json:"details,omitempty"`
}

// AuditQuery filters the audit log (newest first).
type AuditQuery struct {
	Action   string
	ActorID  int64
	Limit    int
	BeforeID int64
}

// AuditRepository stores the audit log.
type AuditRepository interface {
	Audit(ctx context.Context, e AuditEntry) error
	ListAudit(ctx context.Context, q AuditQuery) (Page[AuditEntry], error)
}

// PrivacyRepository reads everything kept about a user and erases it.
type PrivacyRepository interface {
	AllOrders(ctx context.Context, userID int64) ([]Order, error)
	UserReviews(ctx context.Context, userID int64) ([]Review, error)
	// EraseUser anonymises the account and its orders, deletes its reviews, sessions, links
	// and idempotency records, and writes the audit entry, in one transaction.
	EraseUser(ctx context.Context, userID int64, audit AuditEntry) error
}

// DataExport is everything the shop keeps about a customer (GET /api/me/export).
type DataExport struct {
	ExportedAt time.Time `json:"exported_at"`
	Profile    User      `json:"profile"`
	Sessions   []Session `json:"sessions"`
	Orders     []Order   `json:"orders"`
	Reviews    []Review  `json:"reviews"`
	Cart       *CartView `json:"cart"` // null when the cart service is not configured
}

// AccountDeletion is the body of DELETE /api/me: the password, so a stolen session alone
// cannot erase an account.
type AccountDeletion struct {
	Password string `json:"password"`
}

// Privacy implements the data subject's rights: access (export) and erasure.
type Privacy struct {
	Accounts *Accounts
	Repo     PrivacyRepository
	Audit    AuditRepository
	Carts    *Carts // nil without Redis
}

// userCart returns the caller's cart as a shopper sees it.
func (p *Privacy) userCart(ctx context.Context, userID int64) (*CartView, error) {
	if p.Carts == nil {
		return nil, nil
	}
	v, err := p.Carts.View(ctx, UserCartPrefix+strconv.FormatInt(userID, 10))
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Export gathers the caller's data and records that it was exported.
func (p *Privacy) Export(ctx context.Context, userID int64) (DataExport, error) {
	var out DataExport
	var err error
	if out.Profile, err = p.Accounts.Users.GetUser(ctx, userID); err != nil {
		return out, err
	}
	if out.Sessions, err = p.Accounts.Sessions.ListSessions(ctx, userID); err != nil {
		return out, err
	}
	if out.Orders, err = p.Repo.AllOrders(ctx, userID); err != nil {
		return out, err
	}
	if out.Reviews, err = p.Repo.UserReviews(ctx, userID); err != nil {
		return out, err
	}
	if out.Cart, err = p.userCart(ctx, userID); err != nil {
		return out, err
	}
	out.ExportedAt = time.Now().UTC()
	return out, p.Audit.Audit(ctx, AuditEntry{ActorID: userID, Action: "account.exported", TargetType: "user", TargetID: strconv.FormatInt(userID, 10)})
}

// Delete checks the password and erases the account: personal data is deleted or overwritten,
// orders stay for accounting without the personal fields of their address, every session ends.
func (p *Privacy) Delete(ctx context.Context, userID int64, d AccountDeletion) error {
	if d.Password == "" {
		return Invalid("password", "password is required to delete the account")
	}
	u, err := p.Accounts.Users.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if err := p.Accounts.Throttle.Check(u.Email); err != nil {
		return err
	}
	ok, err := p.Accounts.hasher().Check(ctx, u.PasswordHash, d.Password)
	if err != nil {
		return err
	}
	if !ok {
		p.Accounts.Throttle.Failed(u.Email)
		return &Error{Kind: KindInvalid, Code: "wrong_password", Field: "password", Message: "the password is wrong"}
	}
	if err := p.Repo.EraseUser(ctx, userID, AuditEntry{ActorID: userID, Action: "account.deleted", TargetType: "user", TargetID: strconv.FormatInt(userID, 10)}); err != nil {
		return err
	}
	if p.Carts != nil {
		// The account is already erased; a cart Redis could not drop expires after CART_TTL.
		_ = p.Carts.Clear(ctx, UserCartPrefix+strconv.FormatInt(userID, 10))
	}
	return nil
}
