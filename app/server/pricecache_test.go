package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"globalstack/tests/testenv"
)

// TestPriceShownAfterRedisStallIsThePriceCharged stalls Redis writes (CLIENT PAUSE WRITE: reads
// still answer, the invalidation times out and is dropped by Redis) during an admin price change.
func TestPriceShownAfterRedisStallIsThePriceCharged(t *testing.T) {
	rs := testenv.NewRedis(t)
	a := startApp(t, map[string]string{"REDIS_URL": rs.URL(0)})
	admin := a.admin()
	id := a.product(admin, "Lamp", "lamps", 1000, 20)
	path := fmt.Sprintf("/api/products/%d", id)
	price := func() float64 {
		p := a.expect(200, a.req("GET", path, nil)).json(t)
		return p["price"].(map[string]any)["amount"].(float64)
	}
	if got := price(); got != 1000 {
		t.Fatalf("price %v", got)
	}
	user, _ := a.user("shopper")
	seen := map[string]any{"amount": 1000, "currency": "USD"}
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": id, "quantity": 1, "unit_price": seen}, "Authorization", user))

	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rc.Close()
	ctx := context.Background()
	if err := rc.Do(ctx, "CLIENT", "PAUSE", "10000", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	a.expect(200, a.req("PATCH", fmt.Sprintf("/api/admin/products/%d", id),
		map[string]any{"price": map[string]any{"amount": 1500, "currency": "USD"}}, "Authorization", admin))
	time.Sleep(300 * time.Millisecond) // Redis has seen the timed-out connections close
	if err := rc.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}

	// Wait until the app uses Redis again (its breaker serves reads from PostgreSQL meanwhile).
	deadline := time.Now().Add(10 * time.Second)
	for a.req("GET", "/api/cart", nil, "Authorization", user).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("cart did not recover after Redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	deadline = time.Now().Add(5 * time.Second)
	for price() != 1500 {
		if time.Now().After(deadline) {
			t.Fatalf("product page still shows %v five seconds after Redis came back; the price is 1500", price())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The cart says the price changed, and checkout refuses to charge a price the shopper did
	// not see.
	cart := a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", user)).json(t)
	line := cart["items"].([]any)[0].(map[string]any)
	if cart["valid"] != false || line["problem"] != "price_changed" {
		t.Fatalf("cart after the price change: %v", cart)
	}
	addr := orderBody(id, 1, "tok_visa")["shipping_address"]
	fromCart := map[string]any{"payment_token": "tok_visa", "shipping_address": addr}
	r := a.expect(409, a.req("POST", "/api/orders", fromCart, "Authorization", user, "Idempotency-Key", "cart-1"))
	if code := r.errCode(t); code != "price_changed" {
		t.Fatalf("checkout of a cart seen at the old price: %s", code)
	}
	explicit := orderBody(id, 1, "tok_visa")
	explicit["items"] = []map[string]any{{"product_id": id, "quantity": 1, "unit_price": seen}}
	if code := a.expect(409, a.req("POST", "/api/orders", explicit, "Authorization", user, "Idempotency-Key", "items-1")).errCode(t); code != "price_changed" {
		t.Fatalf("checkout of items seen at the old price: %s", code)
	}
	if kept, refunded := a.m.Payments.Charges(); kept != 0 || refunded != 0 {
		t.Fatalf("price_changed checkouts reached the payment provider: %d kept, %d refunded", kept, refunded)
	}
	// Setting the line again accepts the current price; then checkout charges it.
	a.expect(200, a.req("PUT", fmt.Sprintf("/api/cart/items/%d", id), map[string]any{"quantity": 1}, "Authorization", user))
	o := a.expect(201, a.req("POST", "/api/orders", fromCart, "Authorization", user, "Idempotency-Key", "cart-2")).json(t)
	if total := o["total"].(map[string]any)["amount"].(float64); total != 1500 {
		t.Fatalf("charged %v, the price shown is 1500", total)
	}
}
