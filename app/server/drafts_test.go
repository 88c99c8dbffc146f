package server_test

import (
	"fmt"
	"net/url"
	"testing"
)

// A draft is invisible and unpurchasable for shoppers until published; admins list it.
func TestDraftProductsStayHiddenUntilPublished(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	body := map[string]any{"sku": "DRAFT-1", "name": "Draftwood cabinet", "description": "Unreleased.",
		"price": map[string]any{"amount": 9900, "currency": "USD"}, "category": "draft-cabinets", "brand": "Acme", "stock": 10, "published": false}
	created := a.expect(201, a.req("POST", "/api/admin/products", body, "Authorization", admin)).json(t)
	if created["published"] != false {
		t.Fatalf("created %v, want published false", created)
	}
	pid := int64(created["id"].(float64))
	live := a.product(admin, "Live cabinet", "draft-cabinets", 9900, 10)
	_, shopper := a.customer("shopper")

	hidden := func(why string) {
		t.Helper()
		if r := a.req("GET", fmt.Sprintf("/api/products/%d", pid), nil); r.Status != 404 {
			t.Fatalf("%s: product page %d, want 404", why, r.Status)
		}
		list := items(t, a.expect(200, a.req("GET", "/api/products?category=draft-cabinets", nil)))
		if len(list) != 1 || int64(list[0]["id"].(float64)) != live {
			t.Fatalf("%s: listing %v, want only the live cabinet", why, list)
		}
		if found := items(t, a.expect(200, a.req("GET", "/api/search?q="+url.QueryEscape("draftwood"), nil))); len(found) != 0 {
			t.Fatalf("%s: search found %v", why, found)
		}
		if r := a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 1}, "Authorization", shopper); r.Status != 404 {
			t.Fatalf("%s: adding to the cart %d %s, want 404", why, r.Status, r.Body)
		}
		if r := a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", shopper, "Idempotency-Key", "draft-"+why); r.Status != 404 {
			t.Fatalf("%s: checkout %d %s, want 404", why, r.Status, r.Body)
		}
		if r := a.req("GET", fmt.Sprintf("/api/products/%d/reviews", pid), nil); r.Status != 404 {
			t.Fatalf("%s: reviews of the draft %d, want 404", why, r.Status)
		}
		if r := a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 3, "title": "Early", "body": "x"}, "Authorization", shopper); r.Status != 404 {
			t.Fatalf("%s: reviewing the draft %d %s, want 404", why, r.Status, r.Body)
		}
		for _, f := range items(t, a.expect(200, a.req("GET", "/api/categories", nil))) {
			if f["name"] == "draft-cabinets" && f["products"] != float64(1) {
				t.Fatalf("%s: category count %v, want 1 (drafts not counted)", why, f)
			}
		}
	}
	hidden("draft")
	drafts := items(t, a.expect(200, a.req("GET", "/api/admin/products?state=draft", nil, "Authorization", admin)))
	if len(drafts) != 1 || int64(drafts[0]["id"].(float64)) != pid || drafts[0]["stock"] != float64(10) {
		t.Fatalf("admin drafts %v, want the cabinet with its stock", drafts)
	}
	if all := items(t, a.expect(200, a.req("GET", "/api/admin/products?state=all&limit=2", nil, "Authorization", admin))); len(all) != 2 {
		t.Fatalf("admin all products: %d, want 2", len(all))
	}
	a.expect(403, a.req("GET", "/api/admin/products", nil, "Authorization", shopper))

	a.expect(200, a.req("PATCH", fmt.Sprintf("/api/admin/products/%d", pid), map[string]any{"published": true}, "Authorization", admin))
	a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", pid), nil))
	if list := items(t, a.expect(200, a.req("GET", "/api/products?category=draft-cabinets", nil))); len(list) != 2 {
		t.Fatalf("listing after publishing: %v", list)
	}
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 1}, "Authorization", shopper))

	// Back to draft: hidden again (caches included), and the cart line shows not_found.
	a.expect(200, a.req("PATCH", fmt.Sprintf("/api/admin/products/%d", pid), map[string]any{"published": false}, "Authorization", admin))
	hidden("unpublished")
	cart := a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", shopper)).json(t)
	if line := cart["items"].([]any)[0].(map[string]any); line["problem"] != "not_found" || cart["valid"] != false {
		t.Fatalf("cart with an unpublished product: %v", cart)
	}
}
