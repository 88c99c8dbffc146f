package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Rating aggregates the reviews of a product.
type Rating struct {
	Average float64 `json:"average"`
	Count   int     `json:"count"`
}

// Product is the full catalog entry.
type Product struct {
	ID          int64             `json:"id"`
	SKU         string            `json:"sku"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Price       Money             `json:"price"`
	Category    string            `json:"category"`
	Brand       string            `json:"brand"`
	Attributes  map[string]string `json:"attributes"`
	Stock       int               `json:"stock"`
	InStock     bool              `json:"in_stock"`
	Rating      Rating            `json:"rating"`
	// Published: shown to shoppers; a draft (false) is visible to admins only.
	Published bool      `json:"published"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LowStock is the stock at or below which product pages say "low" instead of "in_stock".
const LowStock = 5

// The stock levels product pages show instead of the count, which is the shop's business
// (and a competitor's or scalper's signal).
const (
	StockIn  = "in_stock"
	StockLow = "low"
	StockOut = "out_of_stock"
)

// StockLevel is what shoppers see of a stock count.
func StockLevel(stock int) string {
	switch {
	case stock <= 0:
		return StockOut
	case stock <= LowStock:
		return StockLow
	}
	return StockIn
}

// ProductPage is the public product document: the product with a stock level, not the count
// (admin routes answer the Product with its count).
type ProductPage struct {
	ID          int64             `json:"id"`
	SKU         string            `json:"sku"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Price       Money             `json:"price"`
	Category    string            `json:"category"`
	Brand       string            `json:"brand"`
	Attributes  map[string]string `json:"attributes"`
	StockLevel  string            `json:"stock_level"`
	InStock     bool              `json:"in_stock"`
	Rating      Rating            `json:"rating"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// Page is the public document of p.
func (p Product) Page() ProductPage {
	return ProductPage{ID: p.ID, SKU: p.SKU, Name: p.Name, Description: p.Description, Price: p.Price, Category: p.Category,
		Brand: p.Brand, Attributes: p.Attributes, StockLevel: StockLevel(p.Stock), InStock: p.InStock, Rating: p.Rating,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// ProductSummary is a listing or search row. It carries in_stock rather than the stock count
// so that listings only change when availability flips, not on every sale.
type ProductSummary struct {
	ID       int64   `json:"id"`
	SKU      string  `json:"sku"`
	Name     string  `json:"name"`
	Price    Money   `json:"price"`
	Category string  `json:"category"`
	Brand    string  `json:"brand"`
	InStock  bool    `json:"in_stock"`
	Rating   Rating  `json:"rating"`
	Score    float64 `json:"score,omitempty"` // search relevance
}

// Page is one page of a keyset-paginated result.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ProductInput creates a product or, with pointers left nil, patches one.
type ProductInput struct {
	SKU         *string            `json:"sku"`
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Price       *Money             `json:"price"`
	Category    *string            `json:"category"`
	Brand       *string            `json:"brand"`
	Attributes  *map[string]string `json:"attributes"`
	Stock       *int               `json:"stock"`
	Published   *bool              `json:"published"` // default true on creation; false makes a draft
}

var (
	skuRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// MaxStock bounds stock counts and quantities to keep arithmetic far from overflow; the
// products_stock_max CHECK (migration 0005) holds the database to the same bound.
const MaxStock = 1_000_000_000

// ValidateCreate checks a new product; every field but attributes and stock is required.
func (in ProductInput) ValidateCreate() error {
	for _, f := range []struct {
		name    string
		missing bool
	}{{"sku", in.SKU == nil}, {"name", in.Name == nil}, {"price", in.Price == nil}, {"category", in.Category == nil}, {"brand", in.Brand == nil}} {
		if f.missing {
			return Invalid(f.name, "%s is required", f.name)
		}
	}
	return in.ValidatePatch()
}

// ValidatePatch checks the fields that are present.
func (in ProductInput) ValidatePatch() error {
	if in.SKU != nil && !skuRe.MatchString(*in.SKU) {
		return Invalid("sku", "sku must be 1-64 letters, digits, '.', '_' or '-'")
	}
	if in.Name != nil {
		if err := checkText("name", *in.Name, 1, 200); err != nil {
			return err
		}
	}
	if in.Description != nil {
		if err := checkParagraphs("description", *in.Description, 0, 10000); err != nil {
			return err
		}
	}
	if in.Price != nil {
		if err := checkMoney("price", *in.Price); err != nil {
			return err
		}
	}
	if in.Category != nil && !slugRe.MatchString(*in.Category) {
		return Invalid("category", "category must be a lowercase slug (a-z, 0-9, '-'; max 64)")
	}
	if in.Brand != nil {
		if err := checkText("brand", *in.Brand, 1, 100); err != nil {
			return err
		}
	}
	if in.Attributes != nil {
		if len(*in.Attributes) > 50 {
			return Invalid("attributes", "at most 50 attributes")
		}
		for k, v := range *in.Attributes {
			if err := checkText("attributes", k, 1, 64); err != nil {
				return err
			}
			if err := checkText("attributes."+k, v, 0, 500); err != nil {
				return err
			}
		}
	}
	if in.Stock != nil && (*in.Stock < 0 || *in.Stock > MaxStock) {
		return Invalid("stock", "stock must be between 0 and %d", MaxStock)
	}
	return nil
}

func checkMoney(field string, m Money) error {
	if m.Amount < 0 || m.Amount > 1_000_000_000_00 {
		return Invalid(field+".amount", "amount must be between 0 and 100000000000 minor units")
	}
	if !IsCurrency(m.Currency) {
		return Invalid(field+".currency", "currency must be an active ISO 4217 code in upper case, such as USD, EUR or JPY")
	}
	return nil
}

// checkText checks a one-line text field (a name, a title, an address line): valid UTF-8, no
// control characters (line breaks and tabs included) and no bidirectional-formatting characters,
// which could make a name display as something else (U+202E turns "gnp.exe" around), and a
// length of minLen to maxLen characters.
func checkText(field, s string, minLen, maxLen int) error {
	return checkChars(field, s, minLen, maxLen, false)
}

// checkParagraphs checks free text (a description, a review body): as checkText, but line
// breaks and tabs are allowed.
func checkParagraphs(field, s string, minLen, maxLen int) error {
	return checkChars(field, s, minLen, maxLen, true)
}

func checkChars(field, s string, minLen, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "%s must be valid UTF-8", field)
	}
	for i, r := range []rune(s) {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
			return Invalid(field, "%s must not contain control or bidirectional-formatting characters (U+%04X at character %d)", field, r, i+1)
		}
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < minLen || utf8.RuneCountInString(s) > maxLen {
		return Invalid(field, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	return nil
}

// isBidiControl reports the Unicode bidirectional formatting characters (UAX #9, table 4):
// ALM, LRM, RLM, the embeddings and overrides LRE..RLO with PDF, and the isolates LRI..PDI.
func isBidiControl(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// Sort orders a product listing.
type Sort string

// The listing orders.
const (
	SortNewest    Sort = "newest"
	SortPriceAsc  Sort = "price_asc"
	SortPriceDesc Sort = "price_desc"
	SortName      Sort = "name"
)

// ListQuery filters and pages the catalog.
type ListQuery struct {
	Category string
	Brand    string
	MinPrice *int64
	MaxPrice *int64
	InStock  bool
	Sort     Sort
	Limit    int
	After    *Cursor
}

// Cursor is the keyset position after the last row of a page.
type Cursor struct {
	Sort  Sort   `json:"s"`
	ID    int64  `json:"i"`
	Price int64  `json:"p,omitempty"`
	Name  string `json:"n,omitempty"`
	// Offset is used by relevance-ordered search, whose order has no stable key.
	Offset int `json:"o,omitempty"`
}

// Encode makes the cursor opaque to clients.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrMalformedCursor is the answer to a cursor that Encode did not produce for this query.
var ErrMalformedCursor = &Error{Kind: KindMalformed, Code: "malformed_cursor", Field: "cursor",
	Message: "cursor is malformed or belongs to another query; send next_cursor of the previous page as it is"}

// DecodeCursor parses a cursor produced by Encode for sort s, and refuses anything else: bad
// base64 or JSON, unknown fields, another query's sort, or no position for that sort.
func DecodeCursor(s string, sort Sort) (*Cursor, error) {
	if len(s) > 512 {
		return nil, ErrMalformedCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrMalformedCursor
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Cursor
	if err := dec.Decode(&c); err != nil || dec.More() || c.Sort != sort || c.ID < 0 || c.Offset < 0 || c.Price < 0 {
		return nil, ErrMalformedCursor
	}
	positioned := c.ID > 0
	switch sort {
	case "relevance":
		positioned = c.Offset > 0
	case SortName:
		positioned = positioned && c.Name != ""
	}
	if !positioned {
		return nil, ErrMalformedCursor
	}
	return &c, nil
}

// Page sizes and paging bounds of listings and searches.
const (
	DefaultLimit = 24
	MaxLimit     = 100
	// MaxSearchOffset bounds relevance paging (the same bound as OpenSearch's result window).
	MaxSearchOffset = 10000
)

// ParseListQuery reads and validates listing parameters from a URL query.
func ParseListQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Sort: SortNewest, Limit: DefaultLimit}
	for key := range v {
		switch key {
		case "category", "brand", "min_price", "max_price", "in_stock", "sort", "limit", "cursor":
		default:
			return q, Invalid(key, "unknown query parameter %q", key)
		}
	}
	if s := v.Get("category"); s != "" {
		if !slugRe.MatchString(s) {
			return q, Invalid("category", "category must be a lowercase slug")
		}
		q.Category = s
	}
	if s := v.Get("brand"); s != "" {
		if err := checkText("brand", s, 1, 100); err != nil {
			return q, err
		}
		q.Brand = s
	}
	var err error
	if q.MinPrice, err = parseOptInt("min_price", v.Get("min_price")); err != nil {
		return q, err
	}
	if q.MaxPrice, err = parseOptInt("max_price", v.Get("max_price")); err != nil {
		return q, err
	}
	if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
		return q, Invalid("min_price", "min_price must not exceed max_price")
	}
	switch s := v.Get("in_stock"); s {
	case "":
	case "true", "1":
		q.InStock = true
	case "false", "0":
	default:
		return q, Invalid("in_stock", "in_stock must be true or false")
	}
	if s := v.Get("sort"); s != "" {
		switch Sort(s) {
		case SortNewest, SortPriceAsc, SortPriceDesc, SortName:
			q.Sort = Sort(s)
		default:
			return q, Invalid("sort", "sort must be one of newest, price_asc, price_desc, name")
		}
	}
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	if s := v.Get("cursor"); s != "" {
		if q.After, err = DecodeCursor(s, q.Sort); err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, Invalid("limit", "limit must be an integer from 1 to %d", MaxLimit)
	}
	return n, nil
}

func parseOptInt(field, s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return nil, Invalid(field, "%s must be a non-negative integer amount in minor units", field)
	}
	return &n, nil
}

// CacheKey identifies the listing in the cache; queries that differ only in cursor position
// are different pages and get different keys.
func (q ListQuery) CacheKey() string {
	var b strings.Builder
	fmt.Fprintf(&b, "b=%s|s=%s|l=%d|st=%t", q.Brand, q.Sort, q.Limit, q.InStock)
	if q.MinPrice != nil {
		fmt.Fprintf(&b, "|min=%d", *q.MinPrice)
	}
	if q.MaxPrice != nil {
		fmt.Fprintf(&b, "|max=%d", *q.MaxPrice)
	}
	if q.After != nil {
		b.WriteString("|c=" + q.After.Encode())
	}
	return b.String()
}

// SearchQuery is a full-text query with optional filters.
type SearchQuery struct {
	Text     string
	Category string
	Brand    string
	InStock  bool
	Limit    int
	Offset   int
}

// ParseSearchQuery reads and validates search parameters.
func ParseSearchQuery(v url.Values) (SearchQuery, error) {
	q := SearchQuery{Limit: DefaultLimit}
	for key := range v {
		switch key {
		case "q", "category", "brand", "in_stock", "limit", "cursor":
		default:
			return q, Invalid(key, "unknown query parameter %q", key)
		}
	}
	q.Text = strings.TrimSpace(v.Get("q"))
	if q.Text == "" {
		return q, Invalid("q", "q (the search text) is required")
	}
	if err := checkText("q", q.Text, 1, 200); err != nil {
		return q, err
	}
	lq, err := ParseListQuery(url.Values{"category": {v.Get("category")}, "brand": {v.Get("brand")}, "in_stock": {v.Get("in_stock")}})
	if err != nil {
		return q, err
	}
	q.Category, q.Brand, q.InStock = lq.Category, lq.Brand, lq.InStock
	if q.Limit, err = parseLimit(v.Get("limit")); err != nil {
		return q, err
	}
	if s := v.Get("cursor"); s != "" {
		c, err := DecodeCursor(s, "relevance")
		if err != nil {
			return q, err
		}
		q.Offset = c.Offset
	}
	if q.Offset+q.Limit > MaxSearchOffset {
		return q, Invalid("cursor", "search results are limited to the first %d matches; refine the query", MaxSearchOffset)
	}
	return q, nil
}

// CacheKey identifies the search page in the cache.
func (q SearchQuery) CacheKey() string {
	return fmt.Sprintf("q=%s|c=%s|b=%s|st=%t|l=%d|o=%d", q.Text, q.Category, q.Brand, q.InStock, q.Limit, q.Offset)
}

// NextSearchCursor returns the cursor for the page after one with n items.
func (q SearchQuery) NextSearchCursor(n int) string {
	if n < q.Limit || q.Offset+n+q.Limit > MaxSearchOffset {
		return ""
	}
	return Cursor{Sort: "relevance", Offset: q.Offset + n}.Encode()
}

// ProductRepository stores the catalog. Writes that change stock or products also append
// outbox events in the same transaction.
type ProductRepository interface {
	GetProduct(ctx context.Context, id int64) (Product, error)
	ListProducts(ctx context.Context, q ListQuery) (Page[ProductSummary], error)
	CreateProduct(ctx context.Context, in ProductInput) (Product, error)
	// UpdateProduct returns the product before and after the change.
	UpdateProduct(ctx context.Context, id int64, in ProductInput) (before, after Product, err error)
	DeleteProduct(ctx context.Context, id int64) (Product, error)
	// AdjustStock adds delta (may be negative) and fails with a conflict if stock would go below 0.
	AdjustStock(ctx context.Context, id int64, delta int) (Product, error)
}

// Searcher answers full-text queries, ordered by relevance.
type Searcher interface {
	Search(ctx context.Context, q SearchQuery) (Page[ProductSummary], error)
	// Ping reports whether the search backend is reachable (for readiness).
	Ping(ctx context.Context) error
	Name() string
}
