package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"globalstack/app/postgres"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

// seedGrid creates products over two categories and two brands with few distinct prices, so
// pages end in the middle of runs of equal prices.
func seedGrid(t *testing.T, db *postgres.DB) []store.Product {
	t.Helper()
	var out []store.Product
	for i := 0; i < 40; i++ {
		cat, brand := []string{"desks", "chairs"}[i%2], []string{"Globex", "Acme"}[i/2%2]
		p, err := db.CreateProduct(context.Background(), store.ProductInput{SKU: ptr(fmt.Sprintf("G-%02d", i)), Name: ptr(fmt.Sprintf("Item %d", i%5)),
			Price: &store.Money{Amount: int64(100 * (i % 3)), Currency: "USD"}, Category: ptr(cat), Brand: ptr(brand), Stock: ptr(i % 4)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// pageThrough follows next cursors and returns the ids in the order served.
func pageThrough(t *testing.T, db *postgres.DB, q store.ListQuery) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
		page, err := db.ListProducts(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		if q.After, err = store.DecodeCursor(page.NextCursor, q.Sort); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListingFiltersAndKeysetPagesAcrossTies(t *testing.T) {
	db := open(t)
	all := seedGrid(t, db)
	cases := []struct {
		name  string
		q     store.ListQuery
		match func(store.Product) bool
		less  func(a, b store.Product) bool
	}{
		{"category+brand newest", store.ListQuery{Category: "desks", Brand: "Globex", Sort: store.SortNewest},
			func(p store.Product) bool { return p.Category == "desks" && p.Brand == "Globex" },
			func(a, b store.Product) bool { return a.ID > b.ID }},
		{"category+brand in stock newest", store.ListQuery{Category: "chairs", Brand: "Acme", InStock: true, Sort: store.SortNewest},
			func(p store.Product) bool { return p.Category == "chairs" && p.Brand == "Acme" && p.Stock > 0 },
			func(a, b store.Product) bool { return a.ID > b.ID }},
		{"category price asc", store.ListQuery{Category: "desks", Sort: store.SortPriceAsc},
			func(p store.Product) bool { return p.Category == "desks" },
			func(a, b store.Product) bool {
				return a.Price.Amount < b.Price.Amount || a.Price.Amount == b.Price.Amount && a.ID < b.ID
			}},
		{"brand price desc", store.ListQuery{Brand: "Acme", Sort: store.SortPriceDesc},
			func(p store.Product) bool { return p.Brand == "Acme" },
			func(a, b store.Product) bool {
				return a.Price.Amount > b.Price.Amount || a.Price.Amount == b.Price.Amount && a.ID > b.ID
			}},
		{"price range price asc", store.ListQuery{MinPrice: ptr(int64(100)), MaxPrice: ptr(int64(200)), Sort: store.SortPriceAsc},
			func(p store.Product) bool { return p.Price.Amount >= 100 && p.Price.Amount <= 200 },
			func(a, b store.Product) bool {
				return a.Price.Amount < b.Price.Amount || a.Price.Amount == b.Price.Amount && a.ID < b.ID
			}},
		{"in stock by name", store.ListQuery{InStock: true, Sort: store.SortName},
			func(p store.Product) bool { return p.Stock > 0 },
			func(a, b store.Product) bool { return a.Name < b.Name || a.Name == b.Name && a.ID < b.ID }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []int64
			var matched []store.Product
			for _, p := range all {
				if tc.match(p) {
					matched = append(matched, p)
				}
			}
			sort.Slice(matched, func(i, j int) bool { return tc.less(matched[i], matched[j]) })
			for _, p := range matched {
				want = append(want, p.ID)
			}
			q := tc.q
			q.Limit = 3
			got := pageThrough(t, db, q)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("pages served %v, want %v", got, want)
			}
		})
	}
}

func TestSearchRelevanceThenNameThenIDAcrossPages(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	mk := func(sku, name, desc string) int64 {
		p, err := db.CreateProduct(ctx, store.ProductInput{SKU: ptr(sku), Name: ptr(name), Description: ptr(desc),
			Price: &store.Money{Amount: 1, Currency: "USD"}, Category: ptr("lamps"), Brand: ptr("Y")})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	var tied []int64
	for i := 0; i < 5; i++ { // equal scores and names: served by id
		tied = append(tied, mk(fmt.Sprintf("T%d", i), "Brass lamp", "A lamp"))
	}
	top := mk("TOP", "Brass lamp", "A brass lamp, brass base") // more occurrences: ranked first
	low := mk("LOW", "Desk light", "Has a brass switch")       // description only: ranked last
	want := append(append([]int64{top}, tied...), low)
	var got []int64
	q := store.SearchQuery{Text: "brass", Limit: 2}
	for {
		page, err := db.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range page.Items {
			got = append(got, it.ID)
			if i > 0 && it.Score > page.Items[i-1].Score {
				t.Fatalf("scores not descending: %+v", page.Items)
			}
		}
		if page.NextCursor == "" {
			break
		}
		c, err := store.DecodeCursor(page.NextCursor, "relevance")
		if err != nil {
			t.Fatal(err)
		}
		q.Offset = c.Offset
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("search order %v, want %v", got, want)
	}
}

func TestReadQueriesWaitForASlot(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), postgres.Options{MaxConns: 8, MaxReadQueries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	newProduct(t, db, "R1", 1)

	release, err := postgres.AcquireRead(db, ctx)
	if err != nil {
		t.Fatal(err)
	}
	// While the only slot is taken a listing waits, and gives up with its context.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := db.ListProducts(short, store.ListQuery{Sort: store.SortNewest, Limit: 5}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("listing with the slot taken: got %v, want deadline exceeded", err)
	}
	release()

	// Many concurrent reads all complete through one slot.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = db.ListProducts(ctx, store.ListQuery{Sort: store.SortNewest, Limit: 5})
			} else {
				_, err = db.Search(ctx, store.SearchQuery{Text: "item", Limit: 5})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
