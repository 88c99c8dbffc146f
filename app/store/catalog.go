package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Cache is a read-through cache of encoded documents grouped for invalidation. A group is a
// unit of invalidation (one product, or all listings of one category); a field names one
// document inside a group ("" for the group's single document).
type Cache interface {
	// Get returns the document, or ok=false and a token to pass to Fill.
	Get(ctx context.Context, group, field string) (val []byte, token string, ok bool, err error)
	// Fill stores val unless the group was invalidated after the Get that returned token, so a
	// slow reader cannot put back a value older than a concurrent write.
	Fill(ctx context.Context, group, field, token string, val []byte, ttl time.Duration) error
	// Invalidate drops the groups and fences out fills that started before.
	Invalidate(ctx context.Context, groups ...string) error
}

// Metrics receives business events; the operations layer turns them into Prometheus series.
type Metrics interface {
	CacheResult(kind, result string) // result: hit, miss, error
	OrderResult(outcome string)      // created, replayed, out_of_stock, declined, failed, ...
	// Business events: a checkout that reached pricing, a charge's result (charged, declined,
	// error), the total of a placed order, a cart's first line.
	CheckoutStarted()
	PaymentResult(result string)
	Revenue(total Money)
	CartCreated()
}

type noMetrics struct{}

func (noMetrics) CacheResult(string, string) {}
func (noMetrics) OrderResult(string)         {}
func (noMetrics) CheckoutStarted()           {}
func (noMetrics) PaymentResult(string)       {}
func (noMetrics) Revenue(Money)              {}
func (noMetrics) CartCreated()               {}

// NoMetrics discards everything.
var NoMetrics Metrics = noMetrics{}

// StockChange reports a product whose stock a write changed, so caches can be invalidated.
type StockChange struct {
	ProductID int64
	Category  string
	Before    int
	After     int
}

// AvailabilityFlipped reports whether in_stock changed (listings show only in_stock).
func (s StockChange) AvailabilityFlipped() bool { return (s.Before > 0) != (s.After > 0) }

func productGroup(id int64) string        { return "product:" + strconv.FormatInt(id, 10) }
func listingGroup(category string) string { return "list:" + category }

// allListings is the group of listings that are not restricted to one category.
const allListings = "list:*"

// searchResults is the group of cached search pages; any product change that can alter a result
// (text, price, category, rating, availability) invalidates all of them.
const searchResults = "search"

// Catalog serves products with a read-through cache; every write invalidates what it changed.
type Catalog struct {
	Products ProductRepository
	Search   Searcher
	Cache    Cache // nil disables caching
	TTL      time.Duration
	// SearchTTL bounds how long a search page is reused; short, because an external search
	// index may lag the database by a moment after an invalidation.
	SearchTTL time.Duration
	Metrics   Metrics
	Log       *slog.Logger
}

// ProductJSON returns the encoded public product document (ProductPage).
func (c *Catalog) ProductJSON(ctx context.Context, id int64) ([]byte, error) {
	if id <= 0 {
		return nil, NotFound("product", id)
	}
	return c.readThrough(ctx, "product", productGroup(id), "", c.TTL, func() (any, error) {
		p, err := c.Products.GetProduct(ctx, id)
		if err != nil {
			return nil, err
		}
		if !p.Published {
			return nil, NotFound("product", id)
		}
		return p.Page(), nil
	})
}

// ListJSON returns an encoded listing page. Listings are cached per category group.
func (c *Catalog) ListJSON(ctx context.Context, q ListQuery) ([]byte, error) {
	group := allListings
	if q.Category != "" {
		group = listingGroup(q.Category)
	}
	return c.readThrough(ctx, "listing", group, q.CacheKey(), c.TTL, func() (any, error) {
		return c.Products.ListProducts(ctx, q)
	})
}

func (c *Catalog) readThrough(ctx context.Context, kind, group, field string, ttl time.Duration, load func() (any, error)) ([]byte, error) {
	var token string
	if c.Cache != nil {
		val, tok, ok, err := c.Cache.Get(ctx, group, field)
		switch {
		case err != nil:
			// Degraded: the database still answers; the cache outage shows in metrics and /readyz.
			c.metrics().CacheResult(kind, "error")
		case ok:
			c.metrics().CacheResult(kind, "hit")
			return val, nil
		default:
			c.metrics().CacheResult(kind, "miss")
			token = tok
		}
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if c.Cache != nil && token != "" {
		if err := c.Cache.Fill(ctx, group, field, token, b, ttl); err != nil {
			c.metrics().CacheResult(kind, "error")
		}
	}
	return b, nil
}

// SearchJSON runs a full-text query and returns the encoded page (cached briefly).
func (c *Catalog) SearchJSON(ctx context.Context, q SearchQuery) ([]byte, error) {
	ttl := c.SearchTTL
	if ttl <= 0 || ttl > c.TTL {
		ttl = c.TTL
	}
	return c.readThrough(ctx, "search", searchResults, q.CacheKey(), ttl, func() (any, error) {
		return c.Search.Search(ctx, q)
	})
}

// CreateProduct validates and stores a new product.
func (c *Catalog) CreateProduct(ctx context.Context, in ProductInput) (Product, error) {
	if err := in.ValidateCreate(); err != nil {
		return Product{}, err
	}
	p, err := c.Products.CreateProduct(ctx, in)
	if err != nil {
		return Product{}, err
	}
	c.invalidate(ctx, productGroup(p.ID), listingGroup(p.Category), allListings, searchResults)
	return p, nil
}

// UpdateProduct applies a partial update.
func (c *Catalog) UpdateProduct(ctx context.Context, id int64, in ProductInput) (Product, error) {
	if err := in.ValidatePatch(); err != nil {
		return Product{}, err
	}
	before, after, err := c.Products.UpdateProduct(ctx, id, in)
	if err != nil {
		return Product{}, err
	}
	c.invalidate(ctx, productGroup(id), listingGroup(before.Category), listingGroup(after.Category), allListings, searchResults)
	return after, nil
}

// DeleteProduct removes a product that no order references.
func (c *Catalog) DeleteProduct(ctx context.Context, id int64) error {
	p, err := c.Products.DeleteProduct(ctx, id)
	if err != nil {
		return err
	}
	c.invalidate(ctx, productGroup(id), listingGroup(p.Category), allListings, searchResults)
	return nil
}

// AdjustStock adds delta to the stock of a product.
func (c *Catalog) AdjustStock(ctx context.Context, id int64, delta int) (Product, error) {
	if delta == 0 || delta > MaxStock || delta < -MaxStock {
		return Product{}, Invalid("delta", "delta must be a non-zero integer between -%d and %d", MaxStock, MaxStock)
	}
	p, err := c.Products.AdjustStock(ctx, id, delta)
	if err != nil {
		return Product{}, err
	}
	c.StockChanged(ctx, []StockChange{{ProductID: id, Category: p.Category, Before: p.Stock - delta, After: p.Stock}})
	return p, nil
}

// StockChanged invalidates product documents, and listings where availability flipped.
func (c *Catalog) StockChanged(ctx context.Context, changes []StockChange) {
	groups := make([]string, 0, len(changes)+2)
	flipped := false
	for _, ch := range changes {
		groups = append(groups, productGroup(ch.ProductID))
		if ch.AvailabilityFlipped() {
			groups = append(groups, listingGroup(ch.Category))
			flipped = true
		}
	}
	if flipped {
		groups = append(groups, allListings, searchResults)
	}
	c.invalidate(ctx, groups...)
}

// ProductChanged invalidates everything that shows the product (rating, details).
func (c *Catalog) ProductChanged(ctx context.Context, id int64, category string) {
	c.invalidate(ctx, productGroup(id), listingGroup(category), allListings, searchResults)
}

// InvalidateEvents drops what the outbox events changed and returns the cache's error, so the
// outbox consumer retries until Redis has taken the invalidation: an invalidation that fails
// at write time (Redis stalled) is applied once Redis answers again, instead of leaving the
// old document for the rest of its TTL.
func (c *Catalog) InvalidateEvents(ctx context.Context, events []Event) error {
	if c.Cache == nil {
		return nil
	}
	seen := map[string]bool{}
	var groups []string
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	for _, e := range events {
		ids := e.ProductIDs()
		for _, id := range ids {
			add(productGroup(id))
		}
		if !strings.HasPrefix(e.Topic, "product.") {
			continue // order events change stock; listings follow availability flips at write time
		}
		var p struct {
			Categories []string `json:"categories"`
		}
		_ = json.Unmarshal(e.Payload, &p)
		for _, cat := range p.Categories {
			add(listingGroup(cat))
		}
		add(allListings)
		add(searchResults)
	}
	if len(groups) == 0 {
		return nil
	}
	return c.Cache.Invalidate(ctx, groups...)
}

func (c *Catalog) invalidate(ctx context.Context, groups ...string) {
	if c.Cache == nil || len(groups) == 0 {
		return
	}
	// The write is committed; a failed invalidation is applied again by the outbox consumer
	// (InvalidateEvents) once Redis answers. Use a fresh context so a client disconnect does
	// not skip it.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.Cache.Invalidate(ictx, groups...); err != nil {
		c.metrics().CacheResult("invalidate", "error")
		c.logger().Warn("cache invalidation failed; the outbox consumer retries it", "groups", groups, "err", err)
	}
}

func (c *Catalog) metrics() Metrics {
	if c.Metrics == nil {
		return NoMetrics
	}
	return c.Metrics
}

func (c *Catalog) logger() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// FallbackSearcher uses Primary and falls back to Secondary when Primary is unavailable.
type FallbackSearcher struct {
	Primary, Secondary Searcher
	Log                *slog.Logger
}

// Search asks Primary, and Secondary only when Primary is unavailable and ctx is still live.
func (f *FallbackSearcher) Search(ctx context.Context, q SearchQuery) (Page[ProductSummary], error) {
	p, err := f.Primary.Search(ctx, q)
	if err == nil || KindOf(err) != KindUnavailable || ctx.Err() != nil {
		return p, err
	}
	if f.Log != nil {
		f.Log.Warn("search backend unavailable, using fallback", "primary", f.Primary.Name(), "err", err)
	}
	return f.Secondary.Search(ctx, q)
}

// Ping reports Primary's health.
func (f *FallbackSearcher) Ping(ctx context.Context) error { return f.Primary.Ping(ctx) }

// Name is Primary's name.
func (f *FallbackSearcher) Name() string { return f.Primary.Name() }

// Event is an outbox event. Position is the opaque place of the event in the outbox.
type Event struct {
	ID        int64           `json:"id"`
	Topic     string          `json:"topic"`
	Key       string          `json:"key"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
	Position  string          `json:"-"`
}

// ProductIDs returns the products an event concerns: the product of product.* events and the
// items of order events (their stock changed).
func (e Event) ProductIDs() []int64 {
	var p struct {
		ProductID int64 `json:"product_id"`
		Items     []struct {
			ProductID int64 `json:"product_id"`
		} `json:"items"`
	}
	if json.Unmarshal(e.Payload, &p) != nil {
		return nil
	}
	var ids []int64
	if p.ProductID > 0 {
		ids = append(ids, p.ProductID)
	}
	for _, it := range p.Items {
		ids = append(ids, it.ProductID)
	}
	return ids
}
