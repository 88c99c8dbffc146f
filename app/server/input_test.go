package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"globalstack/app/store"
)

func TestAdminDeletesAnyReview(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Reviewed lamp", "lighting", 1000, 5)
	author, _ := a.user("author")
	rv := a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 1, "title": "Spam", "body": "Buy elsewhere."}, "Authorization", author)).json(t)
	other, _ := a.user("other")
	path := fmt.Sprintf("/api/reviews/%d", int64(rv["id"].(float64)))
	a.expect(404, a.req("DELETE", path, nil, "Authorization", other)) // not theirs
	a.expect(204, a.req("DELETE", path, nil, "Authorization", admin))
	a.expect(404, a.req("DELETE", path, nil, "Authorization", author))
}

// createProduct posts a product body and returns the response.
func (a *app) createProduct(admin string, fields map[string]any) resp {
	a.t.Helper()
	body := map[string]any{"sku": fmt.Sprintf("T-%d", skuSeq.Add(1)), "name": "Item", "description": "An item.",
		"price": map[string]any{"amount": 1000, "currency": "USD"}, "category": "misc", "brand": "Acme", "stock": 5}
	for k, v := range fields {
		body[k] = v
	}
	return a.req("POST", "/api/admin/products", body, "Authorization", admin)
}

func TestMixedCurrencyCartIsInvalid(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	usd := a.product(admin, "Dollar mug", "kitchen", 1000, 5)
	eur := int64(a.expect(201, a.createProduct(admin, map[string]any{"name": "Euro mug", "price": map[string]any{"amount": 900, "currency": "EUR"}})).json(t)["id"].(float64))
	bearer, _ := a.user("mixed")
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": usd, "quantity": 1}, "Authorization", bearer))
	v := a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": eur, "quantity": 1}, "Authorization", bearer)).json(t)
	if v["valid"] != false {
		t.Fatalf("a cart in USD and EUR says valid: %v", v)
	}
	problems := 0
	for _, l := range v["items"].([]any) {
		if l.(map[string]any)["problem"] == "currency_mismatch" {
			problems++
		}
	}
	if problems == 0 {
		t.Fatalf("no line of the mixed cart says currency_mismatch: %v", v)
	}
}

func TestCurrencyMustBeISO4217(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	for _, cur := range []string{"ABC", "XXX", "ZZZ", "usd"} {
		r := a.createProduct(admin, map[string]any{"price": map[string]any{"amount": 100, "currency": cur}})
		if r.Status != 422 || r.json(t)["error"].(map[string]any)["field"] != "price.currency" {
			t.Fatalf("currency %q: %d %s, want 422 on price.currency", cur, r.Status, r.Body)
		}
	}
	for _, cur := range []string{"USD", "EUR", "JPY", "GBP", "CHF", "INR"} {
		a.expect(201, a.createProduct(admin, map[string]any{"price": map[string]any{"amount": 100, "currency": cur}}))
	}
}

func TestStockCannotExceedTheMaximumByDeltas(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Bulk screws", "hardware", 5, store.MaxStock-10)
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/products/%d/stock", pid), map[string]any{"delta": 10}, "Authorization", admin))
	for range 3 {
		r := a.req("POST", fmt.Sprintf("/api/admin/products/%d/stock", pid), map[string]any{"delta": 1}, "Authorization", admin)
		if r.Status != 409 || r.errCode(t) != "stock_limit" {
			t.Fatalf("delta past the maximum: %d %s, want 409 stock_limit", r.Status, r.Body)
		}
	}
	if s := a.stock(pid); s != store.MaxStock {
		t.Fatalf("stock %d, want the maximum %d", s, store.MaxStock)
	}
}

func TestInvalidUTF8AndHiddenCharactersAreRefused(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	r := a.req("POST", "/api/users", []byte("{\"email\":\"utf@example.com\",\"password\":\"correct horse battery\",\"name\":\"Bad \xff name\"}"))
	if r.Status != 400 || r.errCode(t) != "invalid_utf8" {
		t.Fatalf("invalid UTF-8 body: %d %s, want 400 invalid_utf8", r.Status, r.Body)
	}
	field := func(r resp) string { return fmt.Sprint(r.json(t)["error"].(map[string]any)["field"]) }
	for _, name := range []string{"Evil\u202Egnp.exe", "Bell\u0007", "Two\nlines", "Iso\u2066late"} {
		r := a.req("POST", "/api/users", map[string]string{"email": fmt.Sprintf("n%d@example.com", emailSeq.Add(1)), "password": "correct horse battery", "name": name})
		if r.Status != 422 || field(r) != "name" {
			t.Fatalf("user name %q: %d %s, want 422 on name", name, r.Status, r.Body)
		}
		if r := a.createProduct(admin, map[string]any{"name": name}); r.Status != 422 || field(r) != "name" {
			t.Fatalf("product name %q: %d %s, want 422 on name", name, r.Status, r.Body)
		}
	}
	pid := a.product(admin, "Text lamp", "lighting", 1000, 5)
	bearer, _ := a.user("texter")
	path := fmt.Sprintf("/api/products/%d/reviews", pid)
	if r := a.req("POST", path, map[string]any{"rating": 4, "title": "Nice\u202E", "body": "ok"}, "Authorization", bearer); r.Status != 422 || field(r) != "title" {
		t.Fatalf("review title with a bidi override: %d %s", r.Status, r.Body)
	}
	if r := a.req("POST", path, map[string]any{"rating": 4, "title": "Nice", "body": "ok\u202Edone"}, "Authorization", bearer); r.Status != 422 || field(r) != "body" {
		t.Fatalf("review body with a bidi override: %d %s", r.Status, r.Body)
	}
	// Line breaks and non-Latin text are fine where text has paragraphs.
	a.expect(201, a.req("POST", path, map[string]any{"rating": 4, "title": "Très bien 很好", "body": "First.\n\nSecond, שלום."}, "Authorization", bearer))
}

func TestSortByNameFollowsACollation(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	for _, n := range []string{"Zz top", "Éclair", "aardvark", "edam", "eagle"} {
		a.expect(201, a.createProduct(admin, map[string]any{"name": n, "brand": "Collate"}))
	}
	var got []string
	cursor := ""
	for {
		v := a.expect(200, a.req("GET", "/api/products?brand=Collate&sort=name&limit=2"+cursor, nil)).json(t)
		for _, it := range v["items"].([]any) {
			got = append(got, it.(map[string]any)["name"].(string))
		}
		next, _ := v["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + url.QueryEscape(next)
	}
	if want := "aardvark,eagle,Éclair,edam,Zz top"; strings.Join(got, ",") != want {
		t.Fatalf("sort=name pages give %s, want %s", strings.Join(got, ","), want)
	}
}

func TestHeadAnswersLikeGetWithoutABody(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Head lamp", "lighting", 1000, 5)
	for _, path := range []string{fmt.Sprintf("/api/products/%d", pid), "/api/products?limit=2", "/healthz", "/api/products/99999999"} {
		get := a.req("GET", path, nil)
		head := a.req("HEAD", path, nil)
		if head.Status != get.Status || len(head.Body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Fatalf("HEAD %s: %d %q (%s), GET: %d (%s)", path, head.Status, head.Body, head.Header.Get("Content-Type"), get.Status, get.Header.Get("Content-Type"))
		}
	}
	if r := a.req("HEAD", "/api/users/login", nil); r.Status != 405 {
		t.Fatalf("HEAD of a POST-only route: %d, want 405", r.Status)
	}
}

func TestSearchToleratesTyposAndPrefixes(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	a.product(admin, "Walnut Chair", "furniture", 12000, 5)
	a.product(admin, "Steel Shelf", "furniture", 8000, 5)
	a.product(admin, "Teak Bench Beta", "furniture", 9000, 5)
	a.product(admin, "Teak Bench Alfa", "furniture", 9000, 5)
	names := func(q string) []string {
		v := a.expect(200, a.req("GET", "/api/search?q="+url.QueryEscape(q), nil)).json(t)
		var out []string
		for _, it := range v["items"].([]any) {
			out = append(out, it.(map[string]any)["name"].(string))
		}
		return out
	}
	for _, q := range []string{"walnot chiar", "wal", "walnut ch", "Walnut chair"} {
		if got := names(q); len(got) != 1 || got[0] != "Walnut Chair" {
			t.Fatalf("search %q: %v, want [Walnut Chair]", q, got)
		}
	}
	if got := names("teak bench"); strings.Join(got, ",") != "Teak Bench Alfa,Teak Bench Beta" {
		t.Fatalf("equal scores: %v, want name order", got)
	}
}

func TestMalformedCursorIsABadRequest(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Cursor lamp", "lighting", 1000, 5)
	for _, path := range []string{
		"/api/products?cursor=garbage!",
		"/api/products?sort=name&cursor=" + store.Cursor{Sort: "name", ID: 3}.Encode(),      // no name position
		"/api/products?cursor=" + store.Cursor{Sort: "price_asc", ID: 3, Price: 5}.Encode(), // another sort's cursor
		"/api/search?q=lamp&cursor=bm90IGpzb24",
		fmt.Sprintf("/api/products/%d/reviews?cursor=%%7B%%7D", pid),
	} {
		if r := a.req("GET", path, nil); r.Status != 400 || r.errCode(t) != "malformed_cursor" {
			t.Fatalf("GET %s: %d %s, want 400 malformed_cursor", path, r.Status, r.Body)
		}
	}
}

func TestRawTokenWithoutBearerIsRejected(t *testing.T) {
	a := startApp(t, nil)
	bearer, _ := a.user("raw")
	raw := strings.TrimPrefix(bearer, "Bearer ")
	a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", bearer))
	for _, h := range []string{raw, "Token " + raw, "Basic " + raw} {
		if r := a.req("GET", "/api/users/me", nil, "Authorization", h); r.Status != 401 {
			t.Fatalf("Authorization %q: %d %s, want 401", h[:8], r.Status, r.Body)
		}
	}
}

func TestClientsCannotChooseTheirAnonymousCartID(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Cart lamp", "lighting", 1000, 5)
	chosen := strings.Repeat("ab", 16)
	r := a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 1}, "X-Cart-Session", chosen))
	issued := r.Header.Get("X-Cart-Session")
	if issued == "" || issued == chosen {
		t.Fatalf("the server kept the client's cart id %q (issued %q)", chosen, issued)
	}
	opts, err := redis.ParseURL(a.m.Config.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	n, err := rdb.Exists(context.Background(), "sf:cart:{"+store.AnonCartPrefix+chosen+"}").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a cart was stored under the id the client chose")
	}
	// The issued id works; a forged one does not reach it.
	v := a.expect(200, a.req("GET", "/api/cart", nil, "X-Cart-Session", issued)).json(t)
	if len(v["items"].([]any)) != 1 {
		t.Fatalf("the issued cart id does not find the cart: %v", v)
	}
	forged := issued[:len(issued)-1] + "A"
	if strings.HasSuffix(issued, "A") {
		forged = issued[:len(issued)-1] + "B"
	}
	if v := a.expect(200, a.req("GET", "/api/cart", nil, "X-Cart-Session", forged)).json(t); len(v["items"].([]any)) != 0 {
		t.Fatalf("a forged cart id reads the cart: %v", v)
	}
}

func TestProductDetailShowsAStockLevelAndReviewsNoUserIDs(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	plenty := a.product(admin, "Plenty lamp", "lighting", 1000, 500)
	few := a.product(admin, "Few lamp", "lighting", 1000, 3)
	none := a.product(admin, "No lamp", "lighting", 1000, 0)
	for id, want := range map[int64]string{plenty: "in_stock", few: "low", none: "out_of_stock"} {
		p := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", id), nil)).json(t)
		if _, exact := p["stock"]; exact || p["stock_level"] != want {
			t.Fatalf("product %d: stock %v, stock_level %v; want no count and %s", id, p["stock"], p["stock_level"], want)
		}
	}
	email := fmt.Sprintf("lovelace-%d@example.com", emailSeq.Add(1))
	a.expect(201, a.req("POST", "/api/users", map[string]string{"email": email, "password": "correct horse battery", "name": "Ada Lovelace"}))
	lr := a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"})).json(t)
	bearer := "Bearer " + lr["token"].(string)
	a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", plenty), map[string]any{"rating": 5, "title": "Bright", "body": "Yes."}, "Authorization", bearer))
	page := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d/reviews", plenty), nil)).json(t)
	rv := page["items"].([]any)[0].(map[string]any)
	if _, leaked := rv["user_id"]; leaked || rv["author"] != "Ada L." {
		t.Fatalf("review shows user_id %v and author %v; want no id and \"Ada L.\"", rv["user_id"], rv["author"])
	}
}

func TestMetricsAreServedOnlyOnTheMetricsListener(t *testing.T) {
	a := startApp(t, nil)
	if r := a.req("GET", "/metrics", nil); r.Status != 404 {
		t.Fatalf("GET /metrics on the API port: %d, want 404", r.Status)
	}
	res, err := http.Get("http://" + a.m.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("metrics listener: %d", res.StatusCode)
	}
}
