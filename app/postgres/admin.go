package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// SearchOrders returns one page of orders matching q, newest first.
func (d *DB) SearchOrders(ctx context.Context, q store.OrderQuery) (store.Page[store.Order], error) {
	page := store.Page[store.Order]{Items: []store.Order{}}
	if q.Email != "" {
		if err := d.pool.QueryRow(ctx, "SELECT id FROM users WHERE email = $1", q.Email).Scan(&q.UserID); errors.Is(err, pgx.ErrNoRows) {
			return page, nil
		} else if err != nil {
			return page, mapErr(err)
		}
	}
	var a args
	where := []string{"true"}
	if q.Status != "" {
		where = append(where, "status = "+a.add(string(q.Status)))
	}
	if q.From != nil {
		where = append(where, "created_at >= "+a.add(*q.From))
	}
	if q.To != nil {
		where = append(where, "created_at < "+a.add(*q.To))
	}
	if q.UserID > 0 {
		where = append(where, "user_id = "+a.add(q.UserID))
	}
	if q.BeforeID > 0 {
		where = append(where, "id < "+a.add(q.BeforeID))
	}
	rows, err := d.pool.Query(ctx, "SELECT "+orderCols+" FROM orders WHERE "+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT "+a.add(q.Limit+1), a...)
	if err != nil {
		return page, mapErr(err)
	}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return page, mapErr(err)
		}
		page.Items = append(page.Items, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, mapErr(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextCursor = store.Cursor{Sort: "admin_orders", ID: page.Items[q.Limit-1].ID}.Encode()
	}
	return page, mapErr(attachItems(ctx, d.pool, page.Items))
}

const adminUserCols = userCols + ", deleted_at IS NOT NULL"

func scanAdminUser(row pgx.Row) (store.AdminUser, error) {
	var u store.AdminUser
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.User.Disabled, &u.EmailVerified, &u.Deleted)
	u.CreatedAt, u.Disabled = u.CreatedAt.UTC(), u.User.Disabled
	return u, err
}

// ListUsers returns one page of accounts, newest first, optionally by email substring.
func (d *DB) ListUsers(ctx context.Context, q store.UserQuery) (store.Page[store.AdminUser], error) {
	page := store.Page[store.AdminUser]{Items: []store.AdminUser{}}
	if q.BeforeID <= 0 {
		q.BeforeID = 1<<63 - 1
	}
	// The email is matched literally: LIKE wildcards in it are escaped.
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q.Email) + "%"
	rows, err := d.pool.Query(ctx, "SELECT "+adminUserCols+" FROM users WHERE id < $1 AND email LIKE $2 ORDER BY id DESC LIMIT $3", q.BeforeID, pattern, q.Limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanAdminUser(rows)
		if err != nil {
			return page, mapErr(err)
		}
		page.Items = append(page.Items, u)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextCursor = store.Cursor{Sort: "admin_users", ID: page.Items[q.Limit-1].ID}.Encode()
	}
	return page, mapErr(rows.Err())
}

// SetDisabled disables an account and ends its sessions, or enables it again.
func (d *DB) SetDisabled(ctx context.Context, userID int64, disabled bool) (store.AdminUser, error) {
	var u store.AdminUser
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanAdminUser(tx.QueryRow(ctx, `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
			WHERE id = $1 AND deleted_at IS NULL RETURNING `+adminUserCols, userID, disabled))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("user", userID)
		}
		if err != nil || !disabled {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", userID)
		return err
	})
	return u, mapErr(err)
}

// Facets returns the categories (column "category") or brands ("brand") with their product
// counts, by name. It runs as a read query (DB_MAX_READ_QUERIES): it scans an index of
// every product.
func (d *DB) Facets(ctx context.Context, column string) ([]store.Facet, error) {
	if column != "category" && column != "brand" {
		return nil, fmt.Errorf("facets of %q: only category and brand", column)
	}
	release, err := d.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := d.pool.Query(ctx, "SELECT "+column+", count(*) FROM products WHERE published GROUP BY 1 ORDER BY 1")
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.Facet{}
	for rows.Next() {
		var f store.Facet
		if err := rows.Scan(&f.Name, &f.Products); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// AdminListProducts pages products newest first, drafts included unless filtered.
func (d *DB) AdminListProducts(ctx context.Context, q store.ProductQuery) (store.Page[store.Product], error) {
	page := store.Page[store.Product]{Items: []store.Product{}}
	if q.BeforeID <= 0 {
		q.BeforeID = 1<<63 - 1
	}
	rows, err := d.pool.Query(ctx, "SELECT "+productCols+" FROM products WHERE id < $1 AND ($2::boolean IS NULL OR published = $2) ORDER BY id DESC LIMIT $3",
		q.BeforeID, q.Published, q.Limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return page, mapErr(err)
		}
		page.Items = append(page.Items, p)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextCursor = store.Cursor{Sort: "admin_products", ID: page.Items[q.Limit-1].ID}.Encode()
	}
	return page, mapErr(rows.Err())
}
