package store

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OrderQuery filters the admin order list (newest first, keyset by id).
type OrderQuery struct {
	Status   OrderStatus
	From, To *time.Time // created_at >= From, < To
	UserID   int64      // the customer, by id
	Email    string     // or by email (resolved to the id)
	Limit    int
	BeforeID int64
}

// ProductQuery filters the admin product list (newest first, keyset by id): drafts included.
type ProductQuery struct {
	Published *bool // nil: drafts and published
	Limit     int
	BeforeID  int64
}

// ParseProductQuery reads GET /api/admin/products?state=draft|published|all&limit=&cursor=.
func ParseProductQuery(v url.Values) (ProductQuery, error) {
	var q ProductQuery
	var err error
	if err = onlyKeys(v, "state", "limit", "cursor"); err != nil {
		return q, err
	}
	switch v.Get("state") {
	case "", "all":
	case "draft":
		q.Published = new(bool)
	case "published":
		t := true
		q.Published = &t
	default:
		return q, Invalid("state", "state must be draft, published or all")
	}
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	q.BeforeID, err = parseCursor(v, "admin_products")
	return q, err
}

// UserQuery filters the admin user list (newest first, keyset by id).
type UserQuery struct {
	Email    string // substring of the email, case-insensitive
	Limit    int
	BeforeID int64
}

// AdminUser is an account as admins see it.
type AdminUser struct {
	User
	Disabled bool `json:"disabled"`
	Deleted  bool `json:"deleted"`
}

// Facet is a category or brand with the number of its products.
type Facet struct {
	Name     string `json:"name"`
	Products int64  `json:"products"`
}

// AdminRepository holds the queries only admins run, and the catalog facets.
type AdminRepository interface {
	SearchOrders(ctx context.Context, q OrderQuery) (Page[Order], error)
	ListUsers(ctx context.Context, q UserQuery) (Page[AdminUser], error)
	// SetDisabled disables (ending every session) or enables an account.
	SetDisabled(ctx context.Context, userID int64, disabled bool) (AdminUser, error)
	AdminListProducts(ctx context.Context, q ProductQuery) (Page[Product], error)
	// Facets lists the categories ("category") or brands ("brand") with product counts.
	Facets(ctx context.Context, column string) ([]Facet, error)
}

func onlyKeys(v url.Values, keys ...string) error {
	for k := range v {
		found := false
		for _, want := range keys {
			found = found || k == want
		}
		if !found {
			return Invalid(k, "unknown query parameter %q", k)
		}
	}
	return nil
}

func parseCursor(v url.Values, sort Sort) (int64, error) {
	s := v.Get("cursor")
	if s == "" {
		return 0, nil
	}
	c, err := DecodeCursor(s, sort)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

func parseTime(v url.Values, key string) (*time.Time, error) {
	s := v.Get(key)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return &d, nil
	}
	return nil, Invalid(key, "%s must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)", key)
}

// ParseOrderQuery reads GET /api/admin/orders?status=&from=&to=&customer=&limit=&cursor=;
// customer is a user id or an email. A date "to" is exclusive: to=2026-02-01 ends January.
func ParseOrderQuery(v url.Values) (OrderQuery, error) {
	var q OrderQuery
	var err error
	if err = onlyKeys(v, "status", "from", "to", "customer", "limit", "cursor"); err != nil {
		return q, err
	}
	if s := v.Get("status"); s != "" {
		if q.Status, err = ParseStatus(s); err != nil {
			return q, err
		}
	}
	if q.From, err = parseTime(v, "from"); err != nil {
		return q, err
	}
	if q.To, err = parseTime(v, "to"); err != nil {
		return q, err
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return q, Invalid("to", "to must be after from")
	}
	if s := strings.TrimSpace(v.Get("customer")); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			q.UserID = id
		} else if q.Email, err = NormalizeEmail(s); err != nil {
			return q, Invalid("customer", "customer must be a user id or an email address")
		}
	}
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	q.BeforeID, err = parseCursor(v, "admin_orders")
	return q, err
}

// ParseUserQuery reads GET /api/admin/users?email=&limit=&cursor=.
func ParseUserQuery(v url.Values) (UserQuery, error) {
	var q UserQuery
	var err error
	if err = onlyKeys(v, "email", "limit", "cursor"); err != nil {
		return q, err
	}
	q.Email = strings.ToLower(strings.TrimSpace(v.Get("email")))
	if len(q.Email) > 254 || strings.ContainsFunc(q.Email, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return q, Invalid("email", "email must be at most 254 characters without control characters")
	}
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	q.BeforeID, err = parseCursor(v, "admin_users")
	return q, err
}

// ParseAuditQuery reads GET /api/admin/audit?action=&actor=&limit=&cursor=.
func ParseAuditQuery(v url.Values) (AuditQuery, error) {
	var q AuditQuery
	var err error
	if err = onlyKeys(v, "action", "actor", "limit", "cursor"); err != nil {
		return q, err
	}
	q.Action = v.Get("action")
	if len(q.Action) > 200 {
		return q, Invalid("action", "action must be at most 200 characters")
	}
	if s := v.Get("actor"); s != "" {
		if q.ActorID, err = strconv.ParseInt(s, 10, 64); err != nil || q.ActorID <= 0 {
			return q, Invalid("actor", "actor must be a user id")
		}
	}
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	q.BeforeID, err = parseCursor(v, "audit")
	return q, err
}

// ErrDisableSelf refuses an admin disabling their own account (which would lock them out).
var ErrDisableSelf = Conflict("cannot_disable_self", "an admin cannot disable their own account")
