package opensearch_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"globalstack/app/opensearch"
	"globalstack/app/postgres"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

func TestMappingIsValidJSONAndStrict(t *testing.T) {
	var m struct {
		Mappings struct {
			Dynamic    string                     `json:"dynamic"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal([]byte(opensearch.Mapping), &m); err != nil {
		t.Fatal(err)
	}
	if m.Mappings.Dynamic != "strict" {
		t.Fatalf("dynamic mapping must be strict, got %q", m.Mappings.Dynamic)
	}
	// Every field the indexer writes is mapped (strict mapping would reject the document otherwise).
	b, _ := json.Marshal(opensearch.DocOf(store.Product{ID: 1, Attributes: map[string]string{"a": "b"}}))
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || len(doc) == 0 {
		t.Fatalf("indexed document %s: %v", b, err)
	}
	for k := range doc {
		if _, ok := m.Mappings.Properties[k]; !ok {
			t.Errorf("document field %q is not in the mapping", k)
		}
	}
}

// TestAgainstCluster runs the adapter against a real cluster. No OpenSearch can run on the
// development machines, so it needs OPENSEARCH_URL (and OPENSEARCH_USERNAME/PASSWORD if secured,
// or OPENSEARCH_AUTH=aws-sigv4 with a region and AWS credentials for an Amazon OpenSearch domain).
func TestAgainstCluster(t *testing.T) {
	url := os.Getenv("OPENSEARCH_URL")
	if url == "" {
		t.Skip("OPENSEARCH_URL is not set; the OpenSearch suite needs a real cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, testenv.Postgres(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SeedProducts(ctx, 300, 7); err != nil {
		t.Fatal(err)
	}
	alias := "storefront_test_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")) + "_" + time.Now().Format("150405")
	region := os.Getenv("OPENSEARCH_AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	c, err := opensearch.New(opensearch.Config{URLs: strings.Split(url, ","), Auth: strings.ToLower(os.Getenv("OPENSEARCH_AUTH")),
		Username: os.Getenv("OPENSEARCH_USERNAME"), Password: os.Getenv("OPENSEARCH_PASSWORD"), AWSRegion: region, Alias: alias})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("cluster not reachable: %v", err)
	}
	n, err := c.Reindex(ctx, db)
	if err != nil || n != 300 {
		t.Fatalf("reindex: %d %v", n, err)
	}
	walnut := "Walnut Writing Desk"
	p, err := db.CreateProduct(ctx, store.ProductInput{SKU: ptr("OS-1"), Name: &walnut, Description: ptr("solid walnut"), Price: &store.Money{Amount: 1, Currency: "USD"}, Category: ptr("desks"), Brand: ptr("Acme"), Stock: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := c.Search(ctx, store.SearchQuery{Text: "walnut writing desk", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 || page.Items[0].ID != p.ID {
		t.Fatalf("synced product not found first: %+v", page.Items)
	}
	if _, err := db.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if page, err = c.Search(ctx, store.SearchQuery{Text: "walnut writing desk", Limit: 10}); err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.ID == p.ID {
			t.Fatal("deleted product still in the index")
		}
	}
	// A second re-index swaps the alias to a new index and drops the old one.
	if _, err := c.Reindex(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, store.SearchQuery{Text: "chair", Limit: 5}); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
