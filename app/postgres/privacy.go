package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// AllOrders returns every order of a user with its items, newest first.
func (d *DB) AllOrders(ctx context.Context, userID int64) ([]store.Order, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+orderCols+" FROM orders WHERE user_id = $1 ORDER BY id DESC", userID)
	if err != nil {
		return nil, mapErr(err)
	}
	out := []store.Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, mapErr(attachItems(ctx, d.pool, out))
}

// UserReviews returns every review a user wrote, newest first.
func (d *DB) UserReviews(ctx context.Context, userID int64) ([]store.Review, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+reviewCols+" FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.user_id = $1 ORDER BY r.id DESC", userID)
	if err != nil {
		return nil, mapErr(err)
	}
	return scanReviews(rows)
}

// EraseUser anonymises an account in one transaction. The user row stays (orders reference it)
// with a placeholder email and name, no usable password, disabled and marked deleted. Orders
// keep items, amounts, status, payment reference and the country of the address (tax
// records); the name, street, city and postal code go, from the orders and from the order
// events still in the outbox. Reviews are deleted and taken out of the products' ratings;
// sessions, one-time links and idempotency records (which hold order documents) are deleted.
func (d *DB) EraseUser(ctx context.Context, userID int64, audit store.AuditEntry) error {
	return mapErr(d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', name = 'Deleted user',
			password_hash = '!', disabled_at = coalesce(disabled_at, now()), deleted_at = now(), email_verified_at = NULL
			WHERE id = $1 AND deleted_at IS NULL`, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.NotFound("user", userID)
		}
		if _, err := tx.Exec(ctx, `UPDATE orders SET shipping_address = jsonb_build_object('country', shipping_address->'country')
			WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET payload = payload - 'shipping_address'
			WHERE topic LIKE 'order.%' AND key IN (SELECT id::text FROM orders WHERE user_id = $1)`, userID); err != nil {
			return err
		}
		// Hidden reviews are not in the ratings.
		rows, err := tx.Query(ctx, `WITH gone AS (DELETE FROM reviews WHERE user_id = $1 AND hidden_at IS NULL RETURNING product_id, rating)
			UPDATE products p SET rating_sum = p.rating_sum - g.s, rating_count = p.rating_count - g.n, updated_at = now()
			FROM (SELECT product_id, sum(rating) AS s, count(*) AS n FROM gone GROUP BY product_id) g
			WHERE p.id = g.product_id RETURNING p.id`, userID)
		if err != nil {
			return err
		}
		products, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range products {
			if err := productEvent(ctx, tx, "product.updated", id); err != nil {
				return err
			}
		}
		for _, q := range []string{"DELETE FROM reviews WHERE user_id = $1", "DELETE FROM sessions WHERE user_id = $1", "DELETE FROM account_tokens WHERE user_id = $1",
			"DELETE FROM idempotency_keys WHERE user_id = $1"} {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, audit)
	}))
}

func insertAudit(ctx context.Context, tx pgx.Tx, e store.AuditEntry) error {
	details := e.Details
	if len(details) == 0 {
		details = json.RawMessage("{}")
	}
	var actor *int64
	if e.ActorID > 0 {
		actor = &e.ActorID
	}
	_, err := tx.Exec(ctx, "INSERT INTO audit_log (actor_id, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5)",
		actor, e.Action, e.TargetType, e.TargetID, []byte(details))
	return err
}

// Audit appends an entry to the audit log.
func (d *DB) Audit(ctx context.Context, e store.AuditEntry) error {
	return mapErr(pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return insertAudit(ctx, tx, e) }))
}

// ListAudit returns audit entries newest first, filtered by action and actor.
func (d *DB) ListAudit(ctx context.Context, q store.AuditQuery) (store.Page[store.AuditEntry], error) {
	page := store.Page[store.AuditEntry]{Items: []store.AuditEntry{}}
	if q.BeforeID <= 0 {
		q.BeforeID = 1<<63 - 1
	}
	rows, err := d.pool.Query(ctx, `SELECT id, at, coalesce(actor_id, 0), action, target_type, target_id, details FROM audit_log
		WHERE id < $1 AND ($2 = '' OR action = $2) AND ($3 = 0 OR actor_id = $3) ORDER BY id DESC LIMIT $4`,
		q.BeforeID, q.Action, q.ActorID, q.Limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID, &e.Details); err != nil {
			return page, mapErr(err)
		}
		e.At = e.At.UTC()
		page.Items = append(page.Items, e)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextCursor = store.Cursor{Sort: "audit", ID: page.Items[q.Limit-1].ID}.Encode()
	}
	return page, mapErr(rows.Err())
}
