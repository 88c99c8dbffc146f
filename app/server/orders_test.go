package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"globalstack/app/store"
)

func TestCartAnonymousMergeAndCheckoutFromCart(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	mug := a.product(admin, "Mug", "mugs", 1200, 5)
	pen := a.product(admin, "Pen", "pens", 300, 50)

	empty := a.expect(200, a.req("GET", "/api/cart", nil)).json(t)
	if len(empty["items"].([]any)) != 0 {
		t.Fatalf("empty cart: %v", empty)
	}
	add := a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": mug, "quantity": 2}))
	sid := add.Header.Get("X-Cart-Session")
	if id, _, signed := strings.Cut(sid, "."); len(id) != 32 || !signed {
		t.Fatalf("anonymous cart session not issued: %v", add.Header)
	}
	if code := a.expect(409, a.req("POST", "/api/cart/items", map[string]any{"product_id": mug, "quantity": 4}, "X-Cart-Session", sid)).errCode(t); code != "insufficient_stock" {
		t.Fatal(code)
	}
	a.expect(404, a.req("POST", "/api/cart/items", map[string]any{"product_id": 999999, "quantity": 1}, "X-Cart-Session", sid))
	a.expect(422, a.req("POST", "/api/cart/items", map[string]any{"product_id": pen, "quantity": 0}, "X-Cart-Session", sid))

	user, _ := a.user("cart")
	a.expect(200, a.req("POST", "/api/cart/items", map[string]any{"product_id": pen, "quantity": 3}, "Authorization", user))
	// Logging in with the anonymous session merges it into the user's cart.
	email := a.expect(200, a.req("GET", "/api/users/me", nil, "Authorization", user)).json(t)["email"].(string)
	a.expect(200, a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"}, "X-Cart-Session", sid))
	cart := a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", user)).json(t)
	if items := cart["items"].([]any); len(items) != 2 || cart["valid"] != true {
		t.Fatalf("merged cart: %v", cart)
	}
	sub := cart["subtotal"].([]any)[0].(map[string]any)
	if sub["amount"].(float64) != 2*1200+3*300 {
		t.Fatalf("subtotal: %v", sub)
	}
	if anon := a.expect(200, a.req("GET", "/api/cart", nil, "X-Cart-Session", sid)).json(t); len(anon["items"].([]any)) != 0 {
		t.Fatalf("anonymous cart not emptied by the merge: %v", anon)
	}
	// A price change shows in the cart at the current price, flagged until the shopper accepts it.
	a.expect(200, a.req("PATCH", fmt.Sprintf("/api/admin/products/%d", pen), map[string]any{"price": map[string]any{"amount": 400, "currency": "USD"}}, "Authorization", admin))
	cart = a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", user)).json(t)
	if sub := cart["subtotal"].([]any)[0].(map[string]any); sub["amount"].(float64) != 2*1200+3*400 || cart["valid"] != false {
		t.Fatalf("cart not repriced and flagged: %v", cart)
	}

	body := orderBody(0, 0, "tok_visa")
	delete(body, "items")
	if code := a.expect(409, a.req("POST", "/api/orders", body, "Authorization", user, "Idempotency-Key", "cart-0")).errCode(t); code != "price_changed" {
		t.Fatalf("checkout of a cart with a price the shopper did not see: %s", code)
	}
	a.expect(200, a.req("PUT", fmt.Sprintf("/api/cart/items/%d", pen), map[string]any{"quantity": 3}, "Authorization", user))
	o := a.expect(201, a.req("POST", "/api/orders", body, "Authorization", user, "Idempotency-Key", "cart-1")).json(t)
	if o["status"] != "paid" || o["total"].(map[string]any)["amount"].(float64) != 2*1200+3*400 {
		t.Fatalf("order from cart: %v", o)
	}
	if items := a.expect(200, a.req("GET", "/api/cart", nil, "Authorization", user)).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("cart not cleared after checkout: %v", items)
	}
	if a.stock(mug) != 3 || a.stock(pen) != 47 {
		t.Fatalf("stock after order: mug %d pen %d", a.stock(mug), a.stock(pen))
	}
	if code := a.expect(422, a.req("POST", "/api/orders", body, "Authorization", user, "Idempotency-Key", "cart-2")).errCode(t); code != "invalid_argument" {
		t.Fatalf("empty cart checkout: %s", code)
	}
	// The cart is empty now, but a retry of the first checkout still gets its order back.
	again := a.expect(201, a.req("POST", "/api/orders", body, "Authorization", user, "Idempotency-Key", "cart-1"))
	if again.Header.Get("Idempotent-Replayed") != "true" || again.json(t)["id"] != o["id"] {
		t.Fatalf("retry of the cart checkout after the cart was cleared: %s", again.Body)
	}
}

func TestCheckoutIdempotencyAndStateMachine(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Lamp", "lamps", 4500, 5)
	user, uid := a.user("buyer")
	other, _ := a.user("other")

	if code := a.expect(422, a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", user)).errCode(t); code != "invalid_argument" {
		t.Fatalf("missing Idempotency-Key: %s", code)
	}
	if code := a.expect(422, a.req("POST", "/api/orders", orderBody(id, 1, "4242424242424242"), "Authorization", user, "Idempotency-Key", "k0")).errCode(t); code != "invalid_argument" {
		t.Fatalf("card number accepted: %s", code)
	}
	first := a.expect(201, a.req("POST", "/api/orders", orderBody(id, 2, "tok_visa"), "Authorization", user, "Idempotency-Key", "k1"))
	again := a.expect(201, a.req("POST", "/api/orders", orderBody(id, 2, "tok_visa"), "Authorization", user, "Idempotency-Key", "k1"))
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry did not return the first response:\n%s\n%s", first.Body, again.Body)
	}
	if code := a.expect(422, a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", user, "Idempotency-Key", "k1")).errCode(t); code != "idempotency_key_reused" {
		t.Fatal(code)
	}
	// Keys are per user: another user may use the same key.
	a.expect(201, a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", other, "Idempotency-Key", "k1"))
	if a.stock(id) != 2 || a.countOrders(id) != 2 {
		t.Fatalf("stock %d orders %d", a.stock(id), a.countOrders(id))
	}

	// Declined payment: no order, stock unchanged, and the retry gets the same answer.
	if code := a.expect(402, a.req("POST", "/api/orders", orderBody(id, 1, "tok_declined"), "Authorization", user, "Idempotency-Key", "k2")).errCode(t); code != "payment_declined" {
		t.Fatal(code)
	}
	a.expect(402, a.req("POST", "/api/orders", orderBody(id, 1, "tok_declined"), "Authorization", user, "Idempotency-Key", "k2"))
	if code := a.expect(409, a.req("POST", "/api/orders", orderBody(id, 3, "tok_visa"), "Authorization", user, "Idempotency-Key", "k3")).errCode(t); code != "out_of_stock" {
		t.Fatal(code)
	}
	if a.stock(id) != 2 || a.countOrders(id) != 2 {
		t.Fatalf("failed checkouts changed state: stock %d orders %d", a.stock(id), a.countOrders(id))
	}
	if kept, _ := a.m.Payments.Charges(); kept != 2 {
		t.Fatalf("charges kept: %d, want 2 (one per order)", kept)
	}

	order := first.json(t)
	oid := int64(order["id"].(float64))
	if order["status"] != "paid" || int64(order["user_id"].(float64)) != uid || order["payment_ref"] == "" {
		t.Fatalf("order: %v", order)
	}
	a.expect(200, a.req("GET", fmt.Sprintf("/api/orders/%d", oid), nil, "Authorization", user))
	a.expect(404, a.req("GET", fmt.Sprintf("/api/orders/%d", oid), nil, "Authorization", other))
	if n := len(a.expect(200, a.req("GET", "/api/orders", nil, "Authorization", user)).json(t)["items"].([]any)); n != 1 {
		t.Fatalf("order list: %d", n)
	}
	// paid -> shipped -> delivered; delivered cannot be cancelled.
	status := func(to string, want int) {
		t.Helper()
		a.expect(want, a.req("POST", fmt.Sprintf("/api/admin/orders/%d/status", oid), map[string]string{"status": to}, "Authorization", admin))
	}
	status("pending", 409)
	status("shipped", 200)
	status("paid", 409)
	status("delivered", 200)
	if code := a.expect(409, a.req("POST", fmt.Sprintf("/api/orders/%d/cancel", oid), nil, "Authorization", user)).errCode(t); code != "invalid_transition" {
		t.Fatal(code)
	}
	a.expect(422, a.req("POST", fmt.Sprintf("/api/admin/orders/%d/status", oid), map[string]string{"status": "lost"}, "Authorization", admin))

	// A pending payment leaves the order pending; failing it releases the stock.
	p := a.expect(201, a.req("POST", "/api/orders", orderBody(id, 2, "tok_pending"), "Authorization", user, "Idempotency-Key", "k4")).json(t)
	if p["status"] != "pending" || a.stock(id) != 0 {
		t.Fatalf("pending order: %v stock %d", p, a.stock(id))
	}
	pid := int64(p["id"].(float64))
	a.expect(200, a.req("POST", fmt.Sprintf("/api/admin/orders/%d/status", pid), map[string]string{"status": "failed"}, "Authorization", admin))
	if a.stock(id) != 2 {
		t.Fatalf("failed order did not release stock: %d", a.stock(id))
	}
	// Cancelling a paid order releases stock and refunds.
	c := a.expect(201, a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", user, "Idempotency-Key", "k5")).json(t)
	cancelled := a.expect(200, a.req("POST", fmt.Sprintf("/api/orders/%d/cancel", int64(c["id"].(float64))), nil, "Authorization", user)).json(t)
	if cancelled["status"] != "cancelled" || a.stock(id) != 2 || !a.m.Payments.Refunded(c["payment_ref"].(string)) {
		t.Fatalf("cancel: %v stock %d", cancelled, a.stock(id))
	}
	var events []string
	rows, err := a.m.DB.Pool().Query(context.Background(), "SELECT topic FROM outbox WHERE key = $1 AND topic LIKE 'order.%' ORDER BY id", fmt.Sprint(oid))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		events = append(events, s)
	}
	rows.Close()
	if fmt.Sprint(events) != "[order.created order.paid order.shipped order.delivered]" {
		t.Fatalf("outbox events: %v", events)
	}
}

// buyers creates n customers directly in the database (hashing 200 passwords would dominate
// the test) and returns their bearer headers.
func buyers(t *testing.T, a *app, n int) []string {
	t.Helper()
	hash, err := store.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, n)
	for i := range out {
		u, err := a.m.DB.CreateUser(context.Background(), store.User{Email: fmt.Sprintf("buyer%d-%d@example.com", i, time.Now().UnixNano()), Name: "Buyer", Role: store.RoleCustomer, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.m.Accounts.StartSession(context.Background(), u, store.SessionMeta{UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = "Bearer " + tok
	}
	return out
}

func TestConcurrentBuyersNeverOversell(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Limited Sneaker", "sneakers", 15000, 10)
	tokens := buyers(t, a, 220)
	var wg sync.WaitGroup
	statuses := make([]int, len(tokens))
	codes := make([]string, len(tokens))
	start := make(chan struct{})
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := a.req("POST", "/api/orders", orderBody(id, 1, "tok_visa"), "Authorization", tok, "Idempotency-Key", fmt.Sprintf("buy-%d", i))
			statuses[i] = r.Status
			if r.Status != 201 {
				codes[i] = r.errCode(t)
			}
		}()
	}
	close(start)
	wg.Wait()
	created, soldOut := 0, 0
	for i, s := range statuses {
		switch {
		case s == 201:
			created++
		case s == 409 && codes[i] == "out_of_stock":
			soldOut++
		default:
			t.Errorf("buyer %d: status %d code %s", i, s, codes[i])
		}
	}
	if created != 10 || soldOut != len(tokens)-10 {
		t.Fatalf("created %d orders and refused %d; want exactly 10 and %d", created, soldOut, len(tokens)-10)
	}
	if s := a.stock(id); s != 0 {
		t.Fatalf("stock %d, want 0", s)
	}
	if n := a.countOrders(id); n != 10 {
		t.Fatalf("%d orders in the database, want 10", n)
	}
	if kept, _ := a.m.Payments.Charges(); kept != 10 {
		t.Fatalf("%d charges kept, want 10 (losers must be refunded)", kept)
	}
}

func TestSameIdempotencyKeyConcurrentlyMakesOneOrder(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	id := a.product(admin, "Tent", "tents", 99000, 100)
	user, _ := a.user("racer")
	var wg sync.WaitGroup
	bodies := make([]string, 30)
	statuses := make([]int, 30)
	start := make(chan struct{})
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := a.req("POST", "/api/orders", orderBody(id, 3, "tok_visa"), "Authorization", user, "Idempotency-Key", "same-key")
			statuses[i], bodies[i] = r.Status, string(r.Body)
		}()
	}
	close(start)
	wg.Wait()
	// A request that arrives while the first is between its checks may be told to retry
	// (409 request_in_progress); every success must be the same order.
	first := ""
	for i := range bodies {
		switch statuses[i] {
		case 201:
			if first == "" {
				first = bodies[i]
			} else if bodies[i] != first {
				t.Fatalf("different responses for one key:\n%s\n%s", first, bodies[i])
			}
		case 409:
			if !strings.Contains(bodies[i], `"request_in_progress"`) {
				t.Fatalf("409 other than request_in_progress: %s", bodies[i])
			}
		default:
			t.Fatalf("status %d: %s", statuses[i], bodies[i])
		}
	}
	if first == "" {
		t.Fatal("no request succeeded")
	}
	if n := a.countOrders(id); n != 1 {
		t.Fatalf("%d orders for one idempotency key", n)
	}
	if s := a.stock(id); s != 97 {
		t.Fatalf("stock %d, want 97", s)
	}
	if kept, _ := a.m.Payments.Charges(); kept != 1 {
		t.Fatalf("%d charges kept, want 1", kept)
	}
}
