// Package opensearch is the search adapter for OpenSearch: an explicit index mapping, bulk
// indexing, a zero-downtime re-index (new index + atomic alias swap), and an outbox consumer
// that keeps the index in sync with PostgreSQL.
package opensearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	opensearch "github.com/opensearch-project/opensearch-go/v2"
	"github.com/opensearch-project/opensearch-go/v2/opensearchapi"

	"globalstack/app/store"
)

// Mapping is the explicit index definition; dynamic mapping is off so a stray field can never
// change the index schema.
const Mapping = `{
  "settings": {
    "number_of_shards": 1,
    "analysis": {"analyzer": {"product_text": {"type": "standard", "stopwords": "_english_"}}}
  },
  "mappings": {
    "dynamic": "strict",
    "properties": {
      "id":           {"type": "long"},
      "sku":          {"type": "keyword"},
      "name":         {"type": "text", "analyzer": "english", "fields": {"raw": {"type": "keyword"}}},
      "description":  {"type": "text", "analyzer": "english"},
      "brand":        {"type": "text", "analyzer": "english", "fields": {"raw": {"type": "keyword"}}},
      "category":     {"type": "keyword"},
      "category_text":{"type": "text", "analyzer": "english"},
      "price_minor":  {"type": "long"},
      "currency":     {"type": "keyword"},
      "in_stock":     {"type": "boolean"},
      "rating_avg":   {"type": "float"},
      "rating_count": {"type": "integer"},
      "attributes":   {"type": "object", "enabled": false},
      "updated_at":   {"type": "date"}
    }
  }
}`

// Doc is the indexed form of a product.
type Doc struct {
	ID           int64             `json:"id"`
	SKU          string            `json:"sku"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Brand        string            `json:"brand"`
	Category     string            `json:"category"`
	CategoryText string            `json:"category_text"`
	PriceMinor   int64             `json:"price_minor"`
	Currency     string            `json:"currency"`
	InStock      bool              `json:"in_stock"`
	RatingAvg    float64           `json:"rating_avg"`
	RatingCount  int               `json:"rating_count"`
	Attributes   map[string]string `json:"attributes"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// DocOf converts a product.
func DocOf(p store.Product) Doc {
	return Doc{ID: p.ID, SKU: p.SKU, Name: p.Name, Description: p.Description, Brand: p.Brand, Category: p.Category,
		CategoryText: strings.ReplaceAll(p.Category, "-", " "), PriceMinor: p.Price.Amount, Currency: p.Price.Currency,
		InStock: p.InStock, RatingAvg: p.Rating.Average, RatingCount: p.Rating.Count, Attributes: p.Attributes, UpdatedAt: p.UpdatedAt}
}

// Client talks to one OpenSearch cluster; Alias is the name searches use.
type Client struct {
	os    *opensearch.Client
	Alias string
	log   *slog.Logger
}

// Authentication modes of the client (OPENSEARCH_AUTH).
const (
	// AuthNone sends no credentials.
	AuthNone = "none"
	// AuthBasic sends HTTP basic auth with Username and Password (self-managed clusters,
	// the internal user database of the security plugin).
	AuthBasic = "basic"
	// AuthAWSSigV4 signs every request with AWS Signature Version 4 for the service "es",
	// using the default AWS credential chain (environment, web identity token for IAM roles
	// for service accounts, shared files, container and instance roles).
	AuthAWSSigV4 = "aws-sigv4"
)

// Config of the client.
type Config struct {
	URLs     []string
	Auth     string // AuthBasic, AuthAWSSigV4 or AuthNone; empty: AuthBasic if Username is set, else AuthNone
	Username string
	Password string
	// AWSRegion is the region of the domain, required with AuthAWSSigV4.
	AWSRegion string
	Alias     string
	Log       *slog.Logger
}

// New creates a client; it does not contact the cluster. With AuthAWSSigV4 it resolves the
// AWS credential chain lazily: credentials are fetched (and refreshed) when requests are signed.
func New(c Config) (*Client, error) {
	oc := opensearch.Config{
		Addresses:  c.URLs,
		Transport:  &http.Transport{MaxIdleConnsPerHost: 32, ResponseHeaderTimeout: 10 * time.Second},
		MaxRetries: 1,
	}
	auth := c.Auth
	if auth == "" {
		auth = AuthNone
		if c.Username != "" {
			auth = AuthBasic
		}
	}
	switch auth {
	case AuthBasic:
		if c.Username == "" || c.Password == "" {
			return nil, errors.New("OPENSEARCH_AUTH: basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
		}
		oc.Username, oc.Password = c.Username, c.Password
	case AuthNone:
		if c.Username != "" || c.Password != "" {
			return nil, errors.New("OPENSEARCH_AUTH: none sends no credentials, but OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD are set")
		}
	case AuthAWSSigV4:
		if c.Username != "" || c.Password != "" {
			return nil, errors.New("OPENSEARCH_AUTH: aws-sigv4 signs with AWS credentials; OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD must not be set")
		}
		if c.AWSRegion == "" {
			return nil, errors.New("OPENSEARCH_AWS_REGION: required with OPENSEARCH_AUTH=aws-sigv4 (or set AWS_REGION)")
		}
		s, err := newAWSSigner(context.Background(), c.AWSRegion)
		if err != nil {
			return nil, err
		}
		oc.Signer = s
	default:
		return nil, fmt.Errorf("OPENSEARCH_AUTH: must be basic, aws-sigv4 or none, got %q", auth)
	}
	client, err := opensearch.NewClient(oc)
	if err != nil {
		return nil, fmt.Errorf("OPENSEARCH_URL: %w", err)
	}
	if c.Alias == "" {
		c.Alias = "products"
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return &Client{os: client, Alias: c.Alias, log: c.Log}, nil
}

// Name identifies the backend.
func (c *Client) Name() string { return "opensearch" }

func unavailable(err error) error {
	return store.Unavailable("search_unavailable", "search is temporarily unavailable", err)
}

// do performs a request and decodes a 2xx JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, req opensearchapi.Request, out any) error {
	res, err := req.Do(ctx, c.os)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unavailable(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return unavailable(err)
	}
	if res.IsError() {
		err := fmt.Errorf("opensearch %s: %s", res.Status(), truncate(body, 500))
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			return unavailable(err)
		}
		return &httpError{status: res.StatusCode, err: err}
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}

type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }

func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return 0
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// Ping checks the cluster.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, opensearchapi.PingRequest{}, nil)
}

// Search runs a relevance-ordered query with the same semantics as the PostgreSQL fallback:
// all terms must match (in name, brand, category or description), filters are exact.
func (c *Client) Search(ctx context.Context, q store.SearchQuery) (store.Page[store.ProductSummary], error) {
	filters := []any{}
	if q.Category != "" {
		filters = append(filters, map[string]any{"term": map[string]any{"category": q.Category}})
	}
	if q.Brand != "" {
		filters = append(filters, map[string]any{"term": map[string]any{"brand.raw": q.Brand}})
	}
	if q.InStock {
		filters = append(filters, map[string]any{"term": map[string]any{"in_stock": true}})
	}
	body, _ := json.Marshal(map[string]any{
		"from": q.Offset, "size": q.Limit, "track_total_hits": false,
		"query": map[string]any{"bool": map[string]any{
			"must": map[string]any{"simple_query_string": map[string]any{
				"query": q.Text, "fields": []string{"name^4", "brand^2", "category_text^2", "description"},
				"default_operator": "and", "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE",
			}},
			"filter": filters,
		}},
		"sort": []any{map[string]any{"_score": "desc"}, map[string]any{"id": "asc"}},
	})
	var res struct {
		Hits struct {
			Hits []struct {
				Score  float64 `json:"_score"`
				Source Doc     `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	err := c.do(ctx, opensearchapi.SearchRequest{Index: []string{c.Alias}, Body: bytes.NewReader(body)}, &res)
	if err != nil {
		return store.Page[store.ProductSummary]{}, err
	}
	page := store.Page[store.ProductSummary]{Items: make([]store.ProductSummary, 0, len(res.Hits.Hits))}
	for _, h := range res.Hits.Hits {
		d := h.Source
		page.Items = append(page.Items, store.ProductSummary{ID: d.ID, SKU: d.SKU, Name: d.Name, Price: store.Money{Amount: d.PriceMinor, Currency: d.Currency},
			Category: d.Category, Brand: d.Brand, InStock: d.InStock, Rating: store.Rating{Average: d.RatingAvg, Count: d.RatingCount}, Score: h.Score})
	}
	page.NextCursor = q.NextSearchCursor(len(page.Items))
	return page, nil
}

// Bulk indexes docs and deletes deleteIDs in index with one _bulk request, failing if any
// item failed.
func (c *Client) Bulk(ctx context.Context, index string, docs []Doc, deleteIDs []int64) error {
	if len(docs) == 0 && len(deleteIDs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, d := range docs {
		_ = enc.Encode(map[string]any{"index": map[string]any{"_index": index, "_id": strconv.FormatInt(d.ID, 10)}})
		_ = enc.Encode(d)
	}
	for _, id := range deleteIDs {
		_ = enc.Encode(map[string]any{"delete": map[string]any{"_index": index, "_id": strconv.FormatInt(id, 10)}})
	}
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"items"`
	}
	if err := c.do(ctx, opensearchapi.BulkRequest{Body: &buf}, &res); err != nil {
		return err
	}
	if res.Errors {
		for _, it := range res.Items {
			for op, r := range it {
				if r.Error != nil && !(op == "delete" && r.Status == http.StatusNotFound) {
					return fmt.Errorf("opensearch bulk %s failed (%d): %s", op, r.Status, truncate(r.Error, 300))
				}
			}
		}
	}
	return nil
}

// ProductSource is what indexing reads from PostgreSQL.
type ProductSource interface {
	ScanProducts(ctx context.Context, afterID int64, limit int) ([]store.Product, error)
	GetProducts(ctx context.Context, ids []int64) (map[int64]store.Product, error)
	ConsumeOutbox(ctx context.Context, consumer string, limit int, fn func(context.Context, []store.Event) error) (int, error)
	ResetOutboxConsumer(ctx context.Context, consumer string) error
}

// Consumer is the outbox consumer name of the indexer.
const Consumer = "opensearch-indexer"

// Reindex builds a fresh index from PostgreSQL and swaps the alias to it atomically, so searches
// never see a half-built index. Events from before the start are made redundant by the copy;
// events after it are replayed by Sync.
func (c *Client) Reindex(ctx context.Context, src ProductSource) (int, error) {
	if err := src.ResetOutboxConsumer(ctx, Consumer); err != nil {
		return 0, err
	}
	index := fmt.Sprintf("%s_%d", c.Alias, time.Now().UnixNano())
	if err := c.do(ctx, opensearchapi.IndicesCreateRequest{Index: index, Body: strings.NewReader(Mapping)}, nil); err != nil {
		return 0, fmt.Errorf("create index %s: %w", index, err)
	}
	total := 0
	var after int64
	for {
		products, err := src.ScanProducts(ctx, after, 1000)
		if err != nil {
			return total, err
		}
		if len(products) == 0 {
			break
		}
		docs := make([]Doc, 0, len(products))
		for _, p := range products {
			if p.Published { // drafts are not searchable
				docs = append(docs, DocOf(p))
			}
		}
		if err := c.Bulk(ctx, index, docs, nil); err != nil {
			return total, err
		}
		total += len(products)
		after = products[len(products)-1].ID
	}
	if err := c.do(ctx, opensearchapi.IndicesRefreshRequest{Index: []string{index}}, nil); err != nil {
		return total, err
	}
	old, err := c.aliasIndices(ctx)
	if err != nil {
		return total, err
	}
	actions := []any{map[string]any{"add": map[string]any{"index": index, "alias": c.Alias}}}
	for _, o := range old {
		actions = append(actions, map[string]any{"remove": map[string]any{"index": o, "alias": c.Alias}})
	}
	body, _ := json.Marshal(map[string]any{"actions": actions})
	if err := c.do(ctx, opensearchapi.IndicesUpdateAliasesRequest{Body: bytes.NewReader(body)}, nil); err != nil {
		return total, fmt.Errorf("swap alias %s: %w", c.Alias, err)
	}
	if len(old) > 0 {
		if err := c.do(ctx, opensearchapi.IndicesDeleteRequest{Index: old}, nil); err != nil {
			c.log.Warn("old search indices not deleted", "indices", old, "err", err)
		}
	}
	return total, nil
}

// aliasIndices lists the indices the alias points to (none if it does not exist).
func (c *Client) aliasIndices(ctx context.Context) ([]string, error) {
	var res map[string]json.RawMessage
	err := c.do(ctx, opensearchapi.IndicesGetAliasRequest{Name: []string{c.Alias}}, &res)
	if statusOf(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(res))
	for idx := range res {
		out = append(out, idx)
	}
	return out, nil
}

// EnsureIndex builds the index if the alias does not exist yet.
func (c *Client) EnsureIndex(ctx context.Context, src ProductSource) error {
	idx, err := c.aliasIndices(ctx)
	if err != nil || len(idx) > 0 {
		return err
	}
	n, err := c.Reindex(ctx, src)
	if err == nil {
		c.log.Info("search index built", "alias", c.Alias, "products", n)
	}
	return err
}

// Sync applies pending outbox events to the index and returns how many it consumed. It
// re-reads the current rows, so replaying an event is harmless.
func (c *Client) Sync(ctx context.Context, src ProductSource) (int, error) {
	return src.ConsumeOutbox(ctx, Consumer, 500, func(ctx context.Context, events []store.Event) error {
		seen := map[int64]bool{}
		var ids []int64
		for _, e := range events {
			for _, id := range e.ProductIDs() {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		if len(ids) == 0 {
			return nil
		}
		products, err := src.GetProducts(ctx, ids)
		if err != nil {
			return err
		}
		var docs []Doc
		var deleted []int64
		for _, id := range ids {
			if p, ok := products[id]; ok && p.Published {
				docs = append(docs, DocOf(p))
			} else {
				deleted = append(deleted, id)
			}
		}
		return c.Bulk(ctx, c.Alias, docs, deleted)
	})
}

// Refresh makes recent writes searchable (tests).
func (c *Client) Refresh(ctx context.Context) error {
	return c.do(ctx, opensearchapi.IndicesRefreshRequest{Index: []string{c.Alias}}, nil)
}
