package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"globalstack/app/store"
)

const lookupOutcomeSQL = "SELECT request_hash, response, error FROM idempotency_keys WHERE user_id = $1 AND key = $2"

// LookupOutcome returns the stored outcome of (user, key), or nil.
func (d *DB) LookupOutcome(ctx context.Context, userID int64, key string) (*store.Outcome, error) {
	o, err := scanOutcome(d.pool.QueryRow(ctx, lookupOutcomeSQL, userID, key))
	return o, mapErr(err)
}

func scanOutcome(row pgx.Row) (*store.Outcome, error) {
	var o store.Outcome
	var body, errDoc []byte
	err := row.Scan(&o.RequestHash, &body, &errDoc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
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

// FenceKey stores e under (user, key) unless the key holds an outcome, and returns that outcome.
// The insert waits for a transaction that holds the key uncommitted; the lookup runs after it,
// in a new snapshot, so it sees the outcome that transaction committed.
func (d *DB) FenceKey(ctx context.Context, userID int64, key, hash string, e *store.Error) (*store.Outcome, error) {
	doc, _ := json.Marshal(storedError{Kind: e.Kind, Code: e.Code, Message: e.Message, Field: e.Field})
	tag, err := d.pool.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, error) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, userID, key, hash, doc)
	if code, constraint := pgCode(err); code == "23503" && constraint == "idempotency_keys_user_id_fkey" {
		return nil, nil // the account is gone, and no order can reference it
	}
	if err != nil {
		return nil, mapErr(err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	prev, err := d.LookupOutcome(ctx, userID, key)
	if err == nil && prev == nil {
		return nil, errors.New("idempotency key neither inserted nor found")
	}
	return prev, err
}

const nextOrderSQL = "SELECT nextval('orders_id_seq'), now()" // the sequence of the identity column orders.id

// StartCheckout reads everything checkout needs before it charges, in one pipelined round trip
// and without a transaction of its own: the outcome stored under (user, key), the current price
// and stock of the products, and a new order id with the creation time. An id taken by a
// checkout that then fails is simply not used (sequences have gaps after rollbacks anyway).
func (d *DB) StartCheckout(ctx context.Context, userID int64, key string, productIDs []int64) (store.CheckoutStart, error) {
	var s store.CheckoutStart
	b := &pgx.Batch{}
	b.Queue(lookupOutcomeSQL, userID, key)
	// Drafts are not for sale: they are missing from the quote (not found).
	b.Queue("SELECT id, sku, name, price_minor, currency, stock FROM products WHERE id = ANY($1) AND published", productIDs)
	b.Queue(nextOrderSQL)
	br := d.pool.SendBatch(ctx, b)
	defer br.Close()
	out, err := scanOutcome(br.QueryRow())
	if err != nil {
		return s, mapErr(err)
	}
	s.Outcome = out
	rows, err := br.Query()
	if err != nil {
		return s, mapErr(err)
	}
	s.Products = make(map[int64]store.Product, len(productIDs))
	for rows.Next() {
		var p store.Product
		if err := rows.Scan(&p.ID, &p.SKU, &p.Name, &p.Price.Amount, &p.Price.Currency, &p.Stock); err != nil {
			rows.Close()
			return s, mapErr(err)
		}
		p.InStock = p.Stock > 0
		s.Products[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, mapErr(err)
	}
	if err := br.QueryRow().Scan(&s.OrderID, &s.Now); err != nil {
		return s, mapErr(err)
	}
	s.Now = s.Now.UTC().Truncate(time.Microsecond)
	return s, mapErr(br.Close())
}

// PlaceOrder runs the checkout transaction: claim the idempotency key (storing the response),
// reserve stock at the quoted prices, insert the order, its items and its outbox events. The
// three statements are pipelined in one round trip and run as one implicit transaction (a
// single Sync): any error rolls all of them back.
func (d *DB) PlaceOrder(ctx context.Context, p store.Placement) (store.Placed, error) {
	o := p.Order
	addr, err := json.Marshal(o.ShippingAddress)
	if err != nil {
		return store.Placed{}, err
	}
	n := len(o.Items)
	pids, skus, names, prices, qtys := make([]int64, n), make([]string, n), make([]string, n), make([]int64, n), make([]int32, n)
	for i, it := range o.Items {
		pids[i], skus[i], names[i], prices[i], qtys[i] = it.ProductID, it.SKU, it.Name, it.UnitPrice.Amount, int32(it.Quantity)
	}
	topics, keys, payloads := make([]string, len(p.Events)), make([]string, len(p.Events)), make([]string, len(p.Events))
	for i, e := range p.Events {
		topics[i], keys[i], payloads[i] = e.Topic, e.Key, string(e.Payload)
	}

	b := &pgx.Batch{}
	// Claim first: a concurrent request with the same key waits here, before taking any row
	// lock on products, and fails with a unique violation once this transaction commits.
	b.Queue(`INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, response) VALUES ($1, $2, $3, $4, $5)`,
		o.UserID, p.IdempotencyKey, p.RequestHash, o.ID, string(p.Body))
	b.Queue("SELECT reserved_id, stock_after, product_category FROM storefront_reserve_stock($1, $2, $3, $4, $5)",
		pids, qtys, prices, o.Total.Currency, o.CreatedAt)
	b.Queue(`WITH o AS (
			INSERT INTO orders (id, user_id, status, total_minor, currency, payment_ref, shipping_address, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		), i AS (
			INSERT INTO order_items (order_id, product_id, sku, name, unit_price_minor, quantity)
			SELECT $1, * FROM unnest($9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::int[])
		)
		INSERT INTO outbox (topic, key, payload) SELECT * FROM unnest($14::text[], $15::text[], $16::jsonb[])`,
		o.ID, o.UserID, o.Status, o.Total.Amount, o.Total.Currency, o.PaymentRef, addr, o.CreatedAt,
		pids, skus, names, prices, qtys, topics, keys, payloads)

	var changes []store.StockChange
	send := func() error {
		changes = changes[:0]
		br := d.pool.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			var ch store.StockChange
			if err := rows.Scan(&ch.ProductID, &ch.After, &ch.Category); err != nil {
				rows.Close()
				return err
			}
			changes = append(changes, ch)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
		return br.Close()
	}
	// Safe to repeat on a broken connection: if the first attempt committed, the repeat finds
	// the key taken and returns the stored order instead of placing a second one.
	err = send()
	if err != nil && retryable(err) && ctx.Err() == nil {
		d.log.Warn("retrying checkout after connection failure", "err", err)
		err = send()
	}
	var pe *pgconn.PgError
	_ = errors.As(err, &pe)
	switch code, constraint := pgCode(err); {
	case err == nil:
	case code == "23505" && constraint == "idempotency_keys_pkey":
		prev, lerr := d.LookupOutcome(ctx, o.UserID, p.IdempotencyKey)
		if lerr != nil {
			return store.Placed{}, lerr
		}
		if prev == nil { // the other request rolled back between our claim and lookup
			return store.Placed{}, store.ErrInProgress
		}
		return store.Placed{Replayed: prev}, nil
	case code == "P0001" && constraint == "products_price_unchanged":
		return store.Placed{}, store.Conflict("price_changed", "%s; review the cart and retry", pe.Message)
	case code == "23514" && constraint == "products_stock_available":
		return store.Placed{}, store.Conflict("out_of_stock", "%s", pe.Message)
	case code == "23514" && constraint == "products_stock_nonnegative": // the CHECK, as a backstop
		return store.Placed{}, store.Conflict("out_of_stock", "an item does not have the requested quantity in stock")
	default:
		return store.Placed{}, mapErr(err)
	}
	qty := make(map[int64]int, n)
	for _, it := range o.Items {
		qty[it.ProductID] = it.Quantity
	}
	for i := range changes {
		changes[i].Before = changes[i].After + qty[changes[i].ProductID]
	}
	return store.Placed{Order: o, Body: p.Body, Changes: changes}, nil
}

const orderCols = "id, user_id, status, total_minor, currency, payment_ref, shipping_address, created_at, updated_at"

// scanOrder reads orderCols, then any extra columns into extra.
func scanOrder(row pgx.Row, extra ...any) (store.Order, error) {
	var o store.Order
	err := row.Scan(append([]any{&o.ID, &o.UserID, &o.Status, &o.Total.Amount, &o.Total.Currency, &o.PaymentRef, &o.ShippingAddress, &o.CreatedAt, &o.UpdatedAt}, extra...)...)
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

// UpdateOrder locks order id and runs update on it (with its items and the transaction's time),
// then stores the status and update time, gives back the released stock and writes the events
// update returns, in the same transaction.
func (d *DB) UpdateOrder(ctx context.Context, id int64, update func(*store.Order, time.Time) (store.OrderUpdate, error)) (after store.Order, changes []store.StockChange, err error) {
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		changes = nil
		// now() is the transaction's start time: the time every row below is stamped with.
		var now time.Time
		o, err := scanOrder(tx.QueryRow(ctx, "SELECT "+orderCols+", now() FROM orders WHERE id = $1 FOR UPDATE", id), &now)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("order", id)
		}
		if err != nil {
			return err
		}
		list := []store.Order{o}
		if err := attachItems(ctx, tx, list); err != nil {
			return err
		}
		after = list[0]
		u, err := update(&after, now)
		if err != nil {
			return err
		}
		// Items are sorted by product id: the same lock order as checkout, so no deadlocks.
		for _, it := range u.Release {
			var stock int
			var category string
			if err := tx.QueryRow(ctx, "UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 RETURNING stock, category",
				it.ProductID, it.Quantity).Scan(&stock, &category); err != nil {
				return err
			}
			changes = append(changes, store.StockChange{ProductID: it.ProductID, Category: category, Before: stock - it.Quantity, After: stock})
		}
		if _, err := tx.Exec(ctx, "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1", id, after.Status, after.UpdatedAt); err != nil {
			return err
		}
		for _, e := range u.Events {
			if _, err := tx.Exec(ctx, "INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3)", e.Topic, e.Key, []byte(e.Payload)); err != nil {
				return err
			}
		}
		return nil
	})
	return after, changes, mapErr(err)
}

// StalePendingOrders returns ids of orders pending since before cutoff, oldest first.
func (d *DB) StalePendingOrders(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	rows, err := d.pool.Query(ctx, "SELECT id FROM orders WHERE status = 'pending' AND created_at < $1 ORDER BY id LIMIT $2", cutoff, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err)
}
