package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// errReplay aborts the transaction of a request whose idempotency key is already taken.
var errReplay = errors.New("idempotency key already used")

// LookupOutcome returns the stored outcome of (user, key), or nil.
func (d *DB) LookupOutcome(ctx context.Context, userID int64, key string) (*store.Outcome, error) {
	var o store.Outcome
	var body, errDoc []byte
	err := d.pool.QueryRow(ctx, "SELECT request_hash, response, error FROM idempotency_keys WHERE user_id = $1 AND key = $2", userID, key).
		Scan(&o.RequestHash, &body, &errDoc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err)
	}
	o.Body = body
	if errDoc != nil {
		var e storedError
		if err := json.Unmarshal(errDoc, &e); err != nil {
			return nil, err
		}
		o.Error = &store.Error{Kind: e.Kind, Code: e.Code, Message: e.Message, Field: e.Field}
	}
	return &o, nil
}

type storedError struct {
	Kind    store.Kind `json:"kind"`
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Field   string     `json:"field,omitempty"`
}

// SaveFailure stores a failure outcome unless the key already has one.
func (d *DB) SaveFailure(ctx context.Context, userID int64, key, hash string, e *store.Error) error {
	doc, _ := json.Marshal(storedError{Kind: e.Kind, Code: e.Code, Message: e.Message, Field: e.Field})
	_, err := d.pool.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, error) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, userID, key, hash, doc)
	return mapErr(err)
}

// PlaceOrder runs the checkout transaction: claim the idempotency key, reserve stock at the
// quoted prices, insert the order, its items and outbox events, and store the response.
// Round trips: BEGIN, claim+id, one pipelined batch, COMMIT.
func (d *DB) PlaceOrder(ctx context.Context, o store.NewOrder) (store.Placed, error) {
	var placed store.Placed
	// Safe to retry on a broken connection: if the first attempt committed, the retry finds the
	// idempotency key taken and returns the stored order instead of placing a second one.
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		placed = store.Placed{}
		b := &pgx.Batch{}
		b.Queue("INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			o.UserID, o.IdempotencyKey, o.RequestHash)
		b.Queue("SELECT nextval(pg_get_serial_sequence('orders', 'id')), now()")
		br := tx.SendBatch(ctx, b)
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return err
		}
		var order store.Order
		var now time.Time
		if err := br.QueryRow().Scan(&order.ID, &now); err != nil {
			br.Close()
			return err
		}
		if err := br.Close(); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errReplay
		}
		now = now.UTC().Truncate(time.Microsecond)
		order.UserID, order.Status, order.Items, order.Total = o.UserID, o.Status, o.Items, o.Total
		order.PaymentRef, order.ShippingAddress, order.CreatedAt, order.UpdatedAt = o.PaymentRef, o.ShippingAddress, now, now
		body, err := json.Marshal(order)
		if err != nil {
			return err
		}

		b = &pgx.Batch{}
		for _, it := range o.Items {
			b.Queue(`UPDATE products SET stock = stock - $2, updated_at = $5 WHERE id = $1 AND price_minor = $3 AND currency = $4
				RETURNING stock, category`, it.ProductID, it.Quantity, it.UnitPrice.Amount, it.UnitPrice.Currency, now)
		}
		addr, _ := json.Marshal(o.ShippingAddress)
		b.Queue(`INSERT INTO orders (id, user_id, status, total_minor, currency, payment_ref, shipping_address, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, order.ID, o.UserID, o.Status, o.Total.Amount, o.Total.Currency, o.PaymentRef, addr, now)
		n := len(o.Items)
		pids, skus, names, prices, qtys := make([]int64, n), make([]string, n), make([]string, n), make([]int64, n), make([]int32, n)
		for i, it := range o.Items {
			pids[i], skus[i], names[i], prices[i], qtys[i] = it.ProductID, it.SKU, it.Name, it.UnitPrice.Amount, int32(it.Quantity)
		}
		b.Queue(`INSERT INTO order_items (order_id, product_id, sku, name, unit_price_minor, quantity)
			SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::int[])`, order.ID, pids, skus, names, prices, qtys)
		topics := []string{"order.created"}
		if o.Status == store.StatusPaid {
			topics = append(topics, "order.paid")
		}
		b.Queue("INSERT INTO outbox (topic, key, payload) SELECT t, $1, $2 FROM unnest($3::text[]) AS t", strconv.FormatInt(order.ID, 10), body, topics)
		b.Queue("UPDATE idempotency_keys SET order_id = $3, response = $4 WHERE user_id = $1 AND key = $2", o.UserID, o.IdempotencyKey, order.ID, string(body))
		br = tx.SendBatch(ctx, b)
		defer br.Close()
		for _, it := range o.Items {
			var after int
			var category string
			err := br.QueryRow().Scan(&after, &category)
			if errors.Is(err, pgx.ErrNoRows) {
				return store.Conflict("price_changed", "product %d changed price or was removed since it was quoted; review the cart and retry", it.ProductID)
			}
			if code, constraint := pgCode(err); code == "23514" && constraint == "products_stock_nonnegative" {
				return store.Conflict("out_of_stock", "product %d does not have %d in stock", it.ProductID, it.Quantity)
			}
			if err != nil {
				return err
			}
			placed.Changes = append(placed.Changes, store.StockChange{ProductID: it.ProductID, Category: category, Before: after + it.Quantity, After: after})
		}
		for i := 0; i < 4; i++ {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		placed.Order, placed.Body = order, body
		return br.Close()
	})
	if errors.Is(err, errReplay) {
		prev, lerr := d.LookupOutcome(ctx, o.UserID, o.IdempotencyKey)
		if lerr != nil {
			return store.Placed{}, lerr
		}
		if prev == nil { // the other request rolled back between our claim and lookup
			return store.Placed{}, store.ErrInProgress
		}
		return store.Placed{Replayed: prev}, nil
	}
	return placed, mapErr(err)
}

const orderCols = "id, user_id, status, total_minor, currency, payment_ref, shipping_address, created_at, updated_at"

func scanOrder(row pgx.Row) (store.Order, error) {
	var o store.Order
	err := row.Scan(&o.ID, &o.UserID, &o.Status, &o.Total.Amount, &o.Total.Currency, &o.PaymentRef, &o.ShippingAddress, &o.CreatedAt, &o.UpdatedAt)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// attachItems loads the items of orders.
func attachItems(ctx context.Context, q querier, orders []store.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]int64, len(orders))
	idx := make(map[int64]int, len(orders))
	for i, o := range orders {
		ids[i], idx[o.ID] = o.ID, i
		orders[i].Items = []store.OrderItem{}
	}
	rows, err := q.Query(ctx, `SELECT order_id, product_id, sku, name, unit_price_minor, quantity FROM order_items
		WHERE order_id = ANY($1) ORDER BY order_id, product_id`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		var it store.OrderItem
		if err := rows.Scan(&oid, &it.ProductID, &it.SKU, &it.Name, &it.UnitPrice.Amount, &it.Quantity); err != nil {
			return err
		}
		o := &orders[idx[oid]]
		it.UnitPrice.Currency = o.Total.Currency
		it.LineTotal = store.Money{Amount: it.UnitPrice.Amount * int64(it.Quantity), Currency: o.Total.Currency}
		o.Items = append(o.Items, it)
	}
	return rows.Err()
}

// GetOrder returns an order with its items.
func (d *DB) GetOrder(ctx context.Context, id int64) (store.Order, error) {
	o, err := scanOrder(d.pool.QueryRow(ctx, "SELECT "+orderCols+" FROM orders WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return o, store.NotFound("order", id)
	}
	if err != nil {
		return o, mapErr(err)
	}
	list := []store.Order{o}
	if err := attachItems(ctx, d.pool, list); err != nil {
		return o, mapErr(err)
	}
	return list[0], nil
}

// ListOrders returns a user's orders, newest first.
func (d *DB) ListOrders(ctx context.Context, userID int64, limit int, beforeID int64) (store.Page[store.Order], error) {
	page := store.Page[store.Order]{Items: []store.Order{}}
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := d.pool.Query(ctx, "SELECT "+orderCols+" FROM orders WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3", userID, beforeID, limit+1)
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
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = store.Cursor{Sort: "orders", ID: page.Items[limit-1].ID}.Encode()
	}
	return page, mapErr(attachItems(ctx, d.pool, page.Items))
}

// Transition moves an order to status to, releasing stock for cancelled/failed.
func (d *DB) Transition(ctx context.Context, id int64, to store.OrderStatus) (before, after store.Order, changes []store.StockChange, err error) {
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		changes = nil
		var err error
		before, err = scanOrder(tx.QueryRow(ctx, "SELECT "+orderCols+" FROM orders WHERE id = $1 FOR UPDATE", id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("order", id)
		}
		if err != nil {
			return err
		}
		if !store.CanTransition(before.Status, to) {
			return store.Conflict("invalid_transition", "order %d is %s and cannot become %s", id, before.Status, to)
		}
		list := []store.Order{before}
		if err := attachItems(ctx, tx, list); err != nil {
			return err
		}
		before = list[0]
		if to.ReleasesStock() {
			// Items are sorted by product id: the same lock order as checkout, so no deadlocks.
			for _, it := range before.Items {
				var stock int
				var category string
				if err := tx.QueryRow(ctx, "UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 RETURNING stock, category",
					it.ProductID, it.Quantity).Scan(&stock, &category); err != nil {
					return err
				}
				changes = append(changes, store.StockChange{ProductID: it.ProductID, Category: category, Before: stock - it.Quantity, After: stock})
			}
		}
		after = before
		if err := tx.QueryRow(ctx, "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 RETURNING updated_at", id, to).Scan(&after.UpdatedAt); err != nil {
			return err
		}
		after.Status, after.UpdatedAt = to, after.UpdatedAt.UTC()
		body, _ := json.Marshal(after)
		_, err = tx.Exec(ctx, "INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3)", "order."+string(to), strconv.FormatInt(id, 10), body)
		return err
	})
	return before, after, changes, mapErr(err)
}
