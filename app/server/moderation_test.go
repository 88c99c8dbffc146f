package server_test

import (
	"fmt"
	"testing"
)

func (a *app) rating(pid int64) map[string]any {
	a.t.Helper()
	// The admin route reads PostgreSQL, not the cache.
	var sum, count int64
	if err := a.m.DB.Pool().QueryRow(a.t.Context(), "SELECT rating_sum, rating_count FROM products WHERE id = $1", pid).Scan(&sum, &count); err != nil {
		a.t.Fatal(err)
	}
	return map[string]any{"sum": sum, "count": count}
}

// A review is verified when its author bought the product; others are accepted, unverified.
func TestReviewsAreVerifiedOnlyForBuyers(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Verified kettle", "kitchen", 3000, 10)
	_, buyer := a.customer("buyer")
	_, pendingBuyer := a.customer("pending")
	_, browser := a.customer("browser")
	a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", buyer, "Idempotency-Key", "v1"))
	a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_pending"), "Authorization", pendingBuyer, "Idempotency-Key", "v2"))
	review := map[string]any{"rating": 4, "title": "Boils", "body": "Fast."}
	for who, want := range map[string]bool{buyer: true, pendingBuyer: false, browser: false} {
		r := a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), review, "Authorization", who)).json(t)
		if r["verified"] != want {
			t.Errorf("review %v: verified %v, want %v", r["id"], r["verified"], want)
		}
	}
	list := items(t, a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d/reviews", pid), nil)))
	verified := 0
	for _, r := range list {
		if r["verified"] == true {
			verified++
		}
	}
	if len(list) != 3 || verified != 1 {
		t.Fatalf("listed %d reviews, %d verified; want 3 and 1", len(list), verified)
	}
}

func TestAdminHidesAndUnhidesReviews(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Moderated lamp", "lighting", 1000, 10)
	_, alice := a.customer("alice")
	_, bob := a.customer("bob")
	a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 5, "title": "Great", "body": "Bright."}, "Authorization", alice))
	spam := a.expect(201, a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 1, "title": "Buy pills", "body": "spam"}, "Authorization", bob)).json(t)
	spamID := int64(spam["id"].(float64))
	if r := a.rating(pid); r["count"] != int64(2) || r["sum"] != int64(6) {
		t.Fatalf("rating before moderation %v", r)
	}
	a.expect(403, a.req("POST", fmt.Sprintf("/api/admin/reviews/%d/hide", spamID), nil, "Authorization", alice))
	for range 2 { // hiding twice counts once
		if r := a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/reviews/%d/hide", spamID), nil, "Authorization", admin)).json(t); r["hidden"] != true {
			t.Fatalf("hide answered %v", r)
		}
	}
	if r := a.rating(pid); r["count"] != int64(1) || r["sum"] != int64(5) {
		t.Fatalf("rating with the spam hidden %v, want count 1 sum 5", r)
	}
	if list := items(t, a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d/reviews", pid), nil))); len(list) != 1 || list[0]["title"] != "Great" {
		t.Fatalf("public reviews with the spam hidden: %v", list)
	}
	if p := a.expect(200, a.req("GET", fmt.Sprintf("/api/products/%d", pid), nil)).json(t)["rating"].(map[string]any); p["count"] != float64(1) {
		t.Fatalf("product detail rating %v after hiding, want count 1 (the cache must be refreshed)", p)
	}
	hidden := items(t, a.expect(200, a.req("GET", "/api/admin/reviews/hidden", nil, "Authorization", admin)))
	if len(hidden) != 1 || int64(hidden[0]["id"].(float64)) != spamID {
		t.Fatalf("hidden reviews %v", hidden)
	}
	// Deleting a hidden review leaves the rating alone.
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/reviews/%d/unhide", spamID), nil, "Authorization", admin))
	if r := a.rating(pid); r["count"] != int64(2) || r["sum"] != int64(6) {
		t.Fatalf("rating after unhiding %v", r)
	}
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/reviews/%d/hide", spamID), nil, "Authorization", admin))
	a.expect(204, a.req("DELETE", fmt.Sprintf("/api/reviews/%d", spamID), nil, "Authorization", bob))
	if r := a.rating(pid); r["count"] != int64(1) || r["sum"] != int64(5) {
		t.Fatalf("rating after deleting the hidden review %v, want count 1 sum 5", r)
	}
	a.expect(404, a.req("POST", "/api/admin/reviews/999999999/hide", nil, "Authorization", admin))
}

func TestCategoriesAndBrands(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	a.product(admin, "Facet chair", "facet-chairs", 1000, 1)
	a.product(admin, "Facet chair 2", "facet-chairs", 1000, 1)
	a.product(admin, "Facet desk", "facet-desks", 1000, 1)
	cats := map[string]float64{}
	for _, f := range items(t, a.expect(200, a.req("GET", "/api/categories", nil))) {
		cats[f["name"].(string)] = f["products"].(float64)
	}
	if cats["facet-chairs"] != 2 || cats["facet-desks"] != 1 {
		t.Fatalf("categories %v", cats)
	}
	brands := items(t, a.expect(200, a.req("GET", "/api/brands", nil)))
	if len(brands) == 0 || brands[0]["name"] != "Acme" || brands[0]["products"].(float64) < 3 {
		t.Fatalf("brands %v", brands)
	}
}
