package server_test

import (
	"strconv"
	"strings"
	"testing"
)

// sample returns the value of series (name and labels exactly as exposed) in the metrics
// text, 0 when it is absent.
func sample(t *testing.T, metrics, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// The business series move as shoppers use the API: carts created, checkouts started,
// payments by result, orders placed and their revenue by currency. Replays move nothing.
func TestBusinessMetricsMoveWithTheAPI(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	mug := a.product(admin, "Mug", "mugs", 1200, 5)
	pen := a.product(admin, "Pen", "pens", 300, 50)
	user, _ := a.user("metrics")

	want := func(step string, expect map[string]float64) {
		t.Helper()
		m := a.metrics()
		for series, v := range expect {
			if got := sample(t, m, series); got != v {
				t.Errorf("%s: %s = %v, want %v", step, series, got, v)
			}
		}
	}
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": mug, "quantity": 1}, "Authorization", user))
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pen, "quantity": 1}, "Authorization", user))
	want("one cart, two lines", map[string]float64{"storefront_carts_created_total": 1, "storefront_checkouts_started_total": 0})

	a.expect(201, a.req("POST", "/api/orders", orderBody(mug, 2, "tok_visa"), "Authorization", user, "Idempotency-Key", "m-1"))
	want("an order paid", map[string]float64{
		"storefront_checkouts_started_total":                   1,
		`storefront_payments_total{result="charged"}`:          1,
		`storefront_orders_total{outcome="created"}`:           1,
		`storefront_revenue_minor_units_total{currency="USD"}`: 2400,
		`storefront_payments_total{result="declined"}`:         0,
	})

	a.expect(402, a.req("POST", "/api/orders", orderBody(pen, 1, "tok_declined"), "Authorization", user, "Idempotency-Key", "m-2"))
	a.expect(402, a.req("POST", "/api/orders", orderBody(pen, 1, "tok_declined"), "Authorization", user, "Idempotency-Key", "m-2"))
	a.expect(201, a.req("POST", "/api/orders", orderBody(mug, 2, "tok_visa"), "Authorization", user, "Idempotency-Key", "m-1"))
	want("a declined payment and two replays", map[string]float64{
		"storefront_checkouts_started_total":                   2,
		`storefront_payments_total{result="charged"}`:          1,
		`storefront_payments_total{result="declined"}`:         1,
		`storefront_orders_total{outcome="created"}`:           1,
		`storefront_revenue_minor_units_total{currency="USD"}`: 2400,
	})
}
