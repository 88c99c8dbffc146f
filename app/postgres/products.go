package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

const productCols = `id, sku, name, description, price_minor, currency, category, brand, attributes, stock,
	rating_sum, rating_count, published, created_at, updated_at`

const summaryCols = `id, sku, name, price_minor, currency, category, brand, stock > 0, rating_sum, rating_count`

func rating(sum int64, count int) store.Rating {
	if count == 0 {
		return store.Rating{}
	}
	return store.Rating{Average: math.Round(float64(sum)/float64(count)*100) / 100, Count: count}
}

func scanProduct(row pgx.Row) (store.Product, error) {
	var p store.Product
	var sum int64
	err := row.Scan(&p.ID, &p.SKU, &p.Name, &p.Description, &p.Price.Amount, &p.Price.Currency, &p.Category, &p.Brand,
		&p.Attributes, &p.Stock, &sum, &p.Rating.Count, &p.Published, &p.CreatedAt, &p.UpdatedAt)
	if p.Attributes == nil {
		p.Attributes = map[string]string{}
	}
	p.Rating = rating(sum, p.Rating.Count)
	p.InStock = p.Stock > 0
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

func scanSummary(rows pgx.Rows, extra ...any) (store.ProductSummary, error) {
	var s store.ProductSummary
	var sum int64
	dest := append([]any{&s.ID, &s.SKU, &s.Name, &s.Price.Amount, &s.Price.Currency, &s.Category, &s.Brand, &s.InStock, &sum, &s.Rating.Count}, extra...)
	err := rows.Scan(dest...)
	s.Rating = rating(sum, s.Rating.Count)
	return s, err
}

// GetProduct returns one product.
func (d *DB) GetProduct(ctx context.Context, id int64) (store.Product, error) {
	p, err := scanProduct(d.pool.QueryRow(ctx, "SELECT "+productCols+" FROM products WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, store.NotFound("product", id)
	}
	return p, mapErr(err)
}

// GetProducts returns the products that exist among ids.
func (d *DB) GetProducts(ctx context.Context, ids []int64) (map[int64]store.Product, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+productCols+" FROM products WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := make(map[int64]store.Product, len(ids))
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out[p.ID] = p
	}
	return out, mapErr(rows.Err())
}

// ScanProducts returns up to limit products with id > afterID in id order (for re-indexing).
func (d *DB) ScanProducts(ctx context.Context, afterID int64, limit int) ([]store.Product, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+productCols+" FROM products WHERE id > $1 ORDER BY id LIMIT $2", afterID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// args builds positional parameters.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// nameCollated is the name in the order sort=name lists it, the ICU root collation.
const nameCollated = `(name COLLATE "und-x-icu")`

// ListProducts returns one keyset page.
func (d *DB) ListProducts(ctx context.Context, q store.ListQuery) (store.Page[store.ProductSummary], error) {
	var a args
	where := []string{"published"}
	if q.Category != "" {
		where = append(where, "category = "+a.add(q.Category))
	}
	if q.Brand != "" {
		where = append(where, "brand = "+a.add(q.Brand))
	}
	if q.MinPrice != nil {
		where = append(where, "price_minor >= "+a.add(*q.MinPrice))
	}
	if q.MaxPrice != nil {
		where = append(where, "price_minor <= "+a.add(*q.MaxPrice))
	}
	if q.InStock {
		where = append(where, "stock > 0")
	}
	var order string
	switch q.Sort {
	case store.SortPriceAsc:
		order = "price_minor, id"
		if c := q.After; c != nil {
			where = append(where, fmt.Sprintf("(price_minor, id) > (%s, %s)", a.add(c.Price), a.add(c.ID)))
		}
	case store.SortPriceDesc:
		order = "price_minor DESC, id DESC"
		if c := q.After; c != nil {
			where = append(where, fmt.Sprintf("(price_minor, id) < (%s, %s)", a.add(c.Price), a.add(c.ID)))
		}
	case store.SortName:
		// The collation of the products_name indexes (migration 0006): a collation, not bytes.
		order = nameCollated + ", id"
		if c := q.After; c != nil {
			where = append(where, fmt.Sprintf("(%s, id) > (%s, %s)", nameCollated, a.add(c.Name), a.add(c.ID)))
		}
	default:
		order = "id DESC"
		if c := q.After; c != nil {
			where = append(where, "id < "+a.add(c.ID))
		}
	}
	sql := "SELECT " + summaryCols + " FROM products"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + order + " LIMIT " + a.add(q.Limit+1)
	release, err := d.acquireRead(ctx)
	if err != nil {
		return store.Page[store.ProductSummary]{}, err
	}
	defer release()
	rows, err := d.pool.Query(ctx, sql, a...)
	if err != nil {
		return store.Page[store.ProductSummary]{}, mapErr(err)
	}
	defer rows.Close()
	page := store.Page[store.ProductSummary]{Items: make([]store.ProductSummary, 0, q.Limit)}
	for rows.Next() {
		s, err := scanSummary(rows)
		if err != nil {
			return page, mapErr(err)
		}
		page.Items = append(page.Items, s)
	}
	if err := rows.Err(); err != nil {
		return page, mapErr(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.NextCursor = store.Cursor{Sort: q.Sort, ID: last.ID, Price: last.Price.Amount, Name: last.Name}.Encode()
	}
	return page, nil
}

// productEvent records a product change; categories are those whose listings showed or now
// show the product, for the cache invalidation consumer.
func productEvent(ctx context.Context, tx pgx.Tx, topic string, id int64, categories ...string) error {
	payload, _ := json.Marshal(struct {
		ProductID  int64    `json:"product_id"`
		Categories []string `json:"categories,omitempty"`
	}{id, categories})
	_, err := tx.Exec(ctx, "INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3)", topic, strconv.FormatInt(id, 10), payload)
	return err
}

func productWriteErr(err error, in store.ProductInput) error {
	switch code, constraint := pgCode(err); {
	case code == "23505" && constraint == "products_sku_key":
		return store.Conflict("sku_taken", "a product with sku %q already exists", deref(in.SKU))
	case code == "23514" && constraint == "products_stock_nonnegative":
		return store.Conflict("out_of_stock", "stock cannot go below zero")
	case code == "23514" && constraint == "products_stock_max", code == "22003":
		return store.Conflict("stock_limit", "stock cannot exceed %d", store.MaxStock)
	case code == "23503":
		return store.Conflict("product_has_orders", "the product is referenced by orders; set its stock to 0 instead of deleting it")
	}
	return mapErr(err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateProduct inserts a product.
func (d *DB) CreateProduct(ctx context.Context, in store.ProductInput) (store.Product, error) {
	var p store.Product
	stock, attrs, published := 0, map[string]string{}, true
	if in.Published != nil {
		published = *in.Published
	}
	if in.Stock != nil {
		stock = *in.Stock
	}
	if in.Attributes != nil {
		attrs = *in.Attributes
	}
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanProduct(tx.QueryRow(ctx, `INSERT INTO products (sku, name, description, price_minor, currency, category, brand, attributes, stock, published)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+productCols,
			*in.SKU, *in.Name, deref(in.Description), in.Price.Amount, in.Price.Currency, *in.Category, *in.Brand, attrs, stock, published))
		if err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.created", p.ID, p.Category)
	})
	return p, productWriteErr(err, in)
}

// UpdateProduct applies the fields present in in.
func (d *DB) UpdateProduct(ctx context.Context, id int64, in store.ProductInput) (before, after store.Product, err error) {
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		before, err = scanProduct(tx.QueryRow(ctx, "SELECT "+productCols+" FROM products WHERE id = $1 FOR UPDATE", id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("product", id)
		}
		if err != nil {
			return err
		}
		var a args
		sets := []string{"updated_at = now()"}
		set := func(col string, v any) { sets = append(sets, col+" = "+a.add(v)) }
		if in.SKU != nil {
			set("sku", *in.SKU)
		}
		if in.Name != nil {
			set("name", *in.Name)
		}
		if in.Description != nil {
			set("description", *in.Description)
		}
		if in.Price != nil {
			set("price_minor", in.Price.Amount)
			set("currency", in.Price.Currency)
		}
		if in.Category != nil {
			set("category", *in.Category)
		}
		if in.Brand != nil {
			set("brand", *in.Brand)
		}
		if in.Attributes != nil {
			set("attributes", *in.Attributes)
		}
		if in.Stock != nil {
			set("stock", *in.Stock)
		}
		if in.Published != nil {
			set("published", *in.Published)
		}
		after, err = scanProduct(tx.QueryRow(ctx, "UPDATE products SET "+strings.Join(sets, ", ")+" WHERE id = "+a.add(id)+" RETURNING "+productCols, a...))
		if err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.updated", id, before.Category, after.Category)
	})
	return before, after, productWriteErr(err, in)
}

// DeleteProduct deletes a product without orders.
func (d *DB) DeleteProduct(ctx context.Context, id int64) (store.Product, error) {
	var p store.Product
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanProduct(tx.QueryRow(ctx, "DELETE FROM products WHERE id = $1 RETURNING "+productCols, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("product", id)
		}
		if err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.deleted", id, p.Category)
	})
	return p, productWriteErr(err, store.ProductInput{})
}

// AdjustStock adds delta to stock; the CHECK constraints refuse negative stock and stock above
// store.MaxStock (products_stock_max, the same bound as the API's).
func (d *DB) AdjustStock(ctx context.Context, id int64, delta int) (store.Product, error) {
	var p store.Product
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanProduct(tx.QueryRow(ctx, "UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 RETURNING "+productCols, id, delta))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("product", id)
		}
		if err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.stock_changed", id, p.Category)
	})
	return p, productWriteErr(err, store.ProductInput{})
}

// searchWords are the words of a query that typo and prefix matching look at.
const searchWords = 8

// fuzzyQuerySQL turns the query words (%s, a text[] parameter) into a tsquery that tolerates a
// typo and a prefix: a word of three or more letters that is neither a known term nor the
// start of one is replaced by the nearest term by trigram distance when they share enough
// trigrams; words of two or more letters then match as prefixes (word:*), single letters as
// they are. All words must match.
const fuzzyQuerySQL = `(SELECT to_tsquery('english', string_agg(quote_literal(coalesce(fixed, w)) || CASE WHEN length(w) >= 2 THEN ':*' ELSE '' END, ' & ' ORDER BY i))
	FROM (SELECT w, i, CASE
			WHEN length(w) < 3 OR EXISTS (SELECT 1 FROM search_terms WHERE term >= w AND term < w || chr(1114111)) THEN w
			ELSE (SELECT term FROM (SELECT term FROM search_terms ORDER BY term <-> w LIMIT 1) best WHERE similarity(term, w) >= 0.2)
		END AS fixed
		FROM unnest(%s::text[]) WITH ORDINALITY AS u(w, i)) words)`

// queryWords lowercases the letters and digits of a query into at most searchWords words.
func queryWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > searchWords {
		words = words[:searchWords]
	}
	return words
}

// Search is the PostgreSQL full-text search (tsvector + GIN): the query as written
// (websearch_to_tsquery: quotes, OR, -word) or with typos corrected and words matched as
// prefixes (fuzzyQuerySQL). Ranked by ts_rank as shown (four decimals), equal scores by name
// in the listing's collation, then id.
func (d *DB) Search(ctx context.Context, q store.SearchQuery) (store.Page[store.ProductSummary], error) {
	var a args
	where := []string{"(search @@ query OR search @@ fuzzy)", "published"}
	qp := a.add(q.Text)
	fuzzy := fmt.Sprintf(fuzzyQuerySQL, a.add(queryWords(q.Text)))
	if q.Category != "" {
		where = append(where, "category = "+a.add(q.Category))
	}
	if q.Brand != "" {
		where = append(where, "brand = "+a.add(q.Brand))
	}
	if q.InStock {
		where = append(where, "stock > 0")
	}
	sql := "SELECT " + summaryCols + ", score FROM (SELECT *, round(greatest(ts_rank(search, query), ts_rank(search, fuzzy))::numeric, 4)::real AS score" +
		" FROM products, websearch_to_tsquery('english', " + qp + ") query, coalesce(" + fuzzy + ", ''::tsquery) fuzzy WHERE " +
		strings.Join(where, " AND ") + ") matches ORDER BY score DESC, " + nameCollated + ", id LIMIT " + a.add(q.Limit) + " OFFSET " + a.add(q.Offset)
	release, err := d.acquireRead(ctx)
	if err != nil {
		return store.Page[store.ProductSummary]{}, err
	}
	defer release()
	rows, err := d.pool.Query(ctx, sql, a...)
	if err != nil {
		return store.Page[store.ProductSummary]{}, mapErr(err)
	}
	defer rows.Close()
	page := store.Page[store.ProductSummary]{Items: make([]store.ProductSummary, 0, q.Limit)}
	for rows.Next() {
		var score float32
		s, err := scanSummary(rows, &score)
		if err != nil {
			return page, mapErr(err)
		}
		s.Score = math.Round(float64(score)*1e4) / 1e4
		page.Items = append(page.Items, s)
	}
	if err := rows.Err(); err != nil {
		return page, mapErr(err)
	}
	page.NextCursor = q.NextSearchCursor(len(page.Items))
	return page, nil
}

// Name identifies this search backend.
func (d *DB) Name() string { return "postgres" }
