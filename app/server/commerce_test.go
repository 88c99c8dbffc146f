package server_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

func TestCatalogCacheIsInvalidatedOnWrites(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Walnut Desk", "desks", 25000, 5)
	path := fmt.Sprintf("/api/products/%d", id)

	p := a.expect(200, a.req("GET", path, nil)).json(t)
	if p["name"] != "Walnut Desk" || p["stock_level"] != "low" || p["in_stock"] != true {
		t.Fatalf("product: %v", p)
	}
	a.expect(200, a.req("GET", path, nil)) // now a cache hit
	a.expect(200, a.req("GET", "/api/products?category=desks", nil))
	metrics := a.metrics()
	if !strings.Contains(metrics, `storefront_cache_requests_total{kind="product",result="hit"}`) {
		t.Fatalf("second read was not a cache hit:\n%s", grep(metrics, "cache_requests"))
	}

	a.expect(200, a.req("PATCH", "/api/admin/products/"+fmt.Sprint(id), map[string]any{"price": map[string]any{"amount": 19900, "currency": "USD"}, "category": "tables"}, "Authorization", admin))
	if got := a.expect(200, a.req("GET", path, nil)).json(t)["price"].(map[string]any)["amount"].(float64); got != 19900 {
		t.Fatalf("cached detail not invalidated: price %v", got)
	}
	if items := a.expect(200, a.req("GET", "/api/products?category=desks", nil)).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("old category listing still shows the product: %v", items)
	}
	if items := a.expect(200, a.req("GET", "/api/products?category=tables", nil)).json(t)["items"].([]any); len(items) != 1 {
		t.Fatalf("new category listing: %v", items)
	}

	st := a.expect(200, a.req("POST", "/api/admin/products/"+fmt.Sprint(id)+"/stock", map[string]int{"delta": -5}, "Authorization", admin)).json(t)
	if st["stock"].(float64) != 0 {
		t.Fatalf("stock after adjust: %v", st)
	}
	if a.expect(200, a.req("GET", path, nil)).json(t)["in_stock"] != false {
		t.Fatal("detail not invalidated by stock change")
	}
	if items := a.expect(200, a.req("GET", "/api/products?category=tables&in_stock=true", nil)).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("in-stock listing not invalidated when availability flipped: %v", items)
	}
	if code := a.expect(409, a.req("POST", "/api/admin/products/"+fmt.Sprint(id)+"/stock", map[string]int{"delta": -1}, "Authorization", admin)).errCode(t); code != "out_of_stock" {
		t.Fatalf("negative stock: %s", code)
	}
	a.expect(204, a.req("DELETE", "/api/admin/products/"+fmt.Sprint(id), nil, "Authorization", admin))
	a.expect(404, a.req("GET", path, nil))
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestListingFiltersSortsAndPagesWithoutGapsOrDuplicates(t *testing.T) {
	a := startApp(t, nil)
	ctx := context.Background()
	if _, err := a.m.DB.SeedProducts(ctx, 600, 42); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"sort=newest", "sort=price_asc", "sort=price_desc", "sort=name",
		"category=chairs&sort=price_asc", "brand=Acme&sort=newest", "in_stock=true&sort=price_desc",
		"min_price=5000&max_price=90000&sort=price_asc", "category=lamps&in_stock=true&min_price=1000&sort=name",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			vals, _ := url.ParseQuery(q)
			var where []string
			var args []any
			if c := vals.Get("category"); c != "" {
				args = append(args, c)
				where = append(where, fmt.Sprintf("category = $%d", len(args)))
			}
			if b := vals.Get("brand"); b != "" {
				args = append(args, b)
				where = append(where, fmt.Sprintf("brand = $%d", len(args)))
			}
			if vals.Get("in_stock") == "true" {
				where = append(where, "stock > 0")
			}
			if v := vals.Get("min_price"); v != "" {
				args = append(args, v)
				where = append(where, fmt.Sprintf("price_minor >= $%d::bigint", len(args)))
			}
			if v := vals.Get("max_price"); v != "" {
				args = append(args, v)
				where = append(where, fmt.Sprintf("price_minor <= $%d::bigint", len(args)))
			}
			sql := "SELECT count(*) FROM products"
			if len(where) > 0 {
				sql += " WHERE " + strings.Join(where, " AND ")
			}
			var want int
			if err := a.m.DB.Pool().QueryRow(ctx, sql, args...).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if want == 0 {
				t.Fatalf("fixture has no rows for %s", q)
			}
			seen := map[int64]bool{}
			var items []map[string]any
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 200 {
					t.Fatal("pagination does not terminate")
				}
				path := "/api/products?limit=37&" + q
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				page := a.expect(200, a.req("GET", path, nil)).json(t)
				for _, it := range page["items"].([]any) {
					m := it.(map[string]any)
					id := int64(m["id"].(float64))
					if seen[id] {
						t.Fatalf("product %d appears twice", id)
					}
					seen[id] = true
					items = append(items, m)
				}
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(items) != want {
				t.Fatalf("paged through %d products, database has %d matching", len(items), want)
			}
			price := func(m map[string]any) float64 { return m["price"].(map[string]any)["amount"].(float64) }
			ok := sort.SliceIsSorted(items, func(i, j int) bool {
				x, y := items[i], items[j]
				switch vals.Get("sort") {
				case "price_asc":
					return price(x) < price(y) || price(x) == price(y) && x["id"].(float64) < y["id"].(float64)
				case "price_desc":
					return price(x) > price(y) || price(x) == price(y) && x["id"].(float64) > y["id"].(float64)
				case "name":
					return x["name"].(string) < y["name"].(string) || x["name"] == y["name"] && x["id"].(float64) < y["id"].(float64)
				}
				return x["id"].(float64) > y["id"].(float64)
			})
			if !ok {
				t.Fatalf("items are not in %s order", vals.Get("sort"))
			}
			for _, m := range items {
				if c := vals.Get("category"); c != "" && m["category"] != c {
					t.Fatalf("category filter violated: %v", m)
				}
				if vals.Get("in_stock") == "true" && m["in_stock"] != true {
					t.Fatalf("in_stock filter violated: %v", m)
				}
			}
		})
	}
}

func TestFullTextSearchRelevanceAndHostileInput(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	exact := a.product(admin, "Walnut Writing Desk", "desks", 30000, 3)
	a.product(admin, "Oak Desk", "desks", 20000, 3)
	descOnly := a.product(admin, "Side Table", "tables", 9000, 3)
	a.expect(200, a.req("PATCH", fmt.Sprintf("/api/admin/products/%d", descOnly), map[string]any{"description": "Pairs with any walnut desk."}, "Authorization", admin))
	a.product(admin, "Lamp", "lamps", 5000, 0)

	r := a.expect(200, a.req("GET", "/api/search?q="+url.QueryEscape("walnut desk"), nil)).json(t)
	items := r["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("want 2 matches for 'walnut desk', got %v", items)
	}
	if first := int64(items[0].(map[string]any)["id"].(float64)); first != exact {
		t.Fatalf("name match must rank above description match: %v", items)
	}
	if s0, s1 := items[0].(map[string]any)["score"].(float64), items[1].(map[string]any)["score"].(float64); s0 <= s1 {
		t.Fatalf("scores not descending: %v %v", s0, s1)
	}
	r = a.expect(200, a.req("GET", "/api/search?q=desk&category=tables", nil)).json(t)
	if len(r["items"].([]any)) != 1 {
		t.Fatalf("category filter: %v", r)
	}
	for _, hostile := range []string{"'; DROP TABLE products; --", "desk' OR '1'='1", `"unterminated`, "!!&|<->:*", "\\x00", "Robert'); DELETE FROM users;--"} {
		a.expect(200, a.req("GET", "/api/search?q="+url.QueryEscape(hostile), nil))
		a.expect(422, a.req("GET", "/api/products?category="+url.QueryEscape(hostile), nil))
	}
	a.expect(200, a.req("GET", "/api/products?brand="+url.QueryEscape("Acme' OR 1=1 --"), nil))
	var n int
	if err := a.m.DB.Pool().QueryRow(context.Background(), "SELECT count(*) FROM products").Scan(&n); err != nil || n != 4 {
		t.Fatalf("products table after hostile input: %d %v", n, err)
	}
}

func TestReviewsAggregateOnProduct(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Kettle", "kettles", 3000, 10)
	u1, _ := a.user("rev1")
	u2, _ := a.user("rev2")
	path := fmt.Sprintf("/api/products/%d", id)
	a.req("GET", path, nil) // cache the product before reviews change it
	r1 := a.expect(201, a.req("POST", path+"/reviews", map[string]any{"rating": 5, "title": "Great", "body": "Boils fast"}, "Authorization", u1)).json(t)
	if code := a.expect(409, a.req("POST", path+"/reviews", map[string]any{"rating": 1}, "Authorization", u1)).errCode(t); code != "review_exists" {
		t.Fatal(code)
	}
	a.expect(422, a.req("POST", path+"/reviews", map[string]any{"rating": 6}, "Authorization", u2))
	a.expect(401, a.req("POST", path+"/reviews", map[string]any{"rating": 4}))
	a.expect(404, a.req("POST", "/api/products/987654/reviews", map[string]any{"rating": 4}, "Authorization", u2))
	r2 := a.expect(201, a.req("POST", path+"/reviews", map[string]any{"rating": 2}, "Authorization", u2)).json(t)
	rating := a.expect(200, a.req("GET", path, nil)).json(t)["rating"].(map[string]any)
	if rating["average"].(float64) != 3.5 || rating["count"].(float64) != 2 {
		t.Fatalf("rating after two reviews: %v", rating)
	}
	list := a.expect(200, a.req("GET", path+"/reviews", nil)).json(t)["items"].([]any)
	if len(list) != 2 {
		t.Fatalf("reviews: %v", list)
	}
	// Someone else's review cannot be deleted (and is not revealed).
	a.expect(404, a.req("DELETE", fmt.Sprintf("/api/reviews/%d", int64(r1["id"].(float64))), nil, "Authorization", u2))
	a.expect(204, a.req("DELETE", fmt.Sprintf("/api/reviews/%d", int64(r2["id"].(float64))), nil, "Authorization", u2))
	rating = a.expect(200, a.req("GET", path, nil)).json(t)["rating"].(map[string]any)
	if rating["average"].(float64) != 5 || rating["count"].(float64) != 1 {
		t.Fatalf("rating after delete: %v", rating)
	}
}
