package server_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"globalstack/app/store"
)

// A token outlives the account it was issued for: every authenticated route must then answer
// 401, before any payment is taken.
func TestTokenOfDeletedOrDisabledUserIsRejected(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Ghost lamp", "lighting", 1500, 10)
	ctx := context.Background()

	deleted, deletedID := a.user("deleted")
	if _, err := a.m.DB.Pool().Exec(ctx, "DELETE FROM users WHERE id = $1", deletedID); err != nil {
		t.Fatal(err)
	}
	disabled, disabledID := a.user("disabled")
	if _, err := a.m.DB.Pool().Exec(ctx, "UPDATE users SET disabled_at = now() WHERE id = $1", disabledID); err != nil {
		t.Fatal(err)
	}
	for name, bearer := range map[string]string{"deleted": deleted, "disabled": disabled} {
		for _, r := range []resp{
			a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "k-"+name),
			a.req("POST", fmt.Sprintf("/api/products/%d/reviews", pid), map[string]any{"rating": 5, "title": "Nice", "body": "Bright enough."}, "Authorization", bearer),
			a.req("GET", "/api/users/me", nil, "Authorization", bearer),
			a.req("GET", "/api/orders", nil, "Authorization", bearer),
			a.req("POST", "/api/cart/items", map[string]any{"product_id": pid, "quantity": 1}, "Authorization", bearer),
		} {
			if r.Status != 401 || r.errCode(t) != "invalid_token" {
				t.Fatalf("%s user's token: %d %s, want 401 invalid_token", name, r.Status, r.Body)
			}
		}
	}
	if kept, refunded := a.m.Payments.Charges(); kept != 0 || refunded != 0 {
		t.Fatalf("%d charges kept and %d refunded; a rejected token must not reach the payment provider", kept, refunded)
	}
	// A disabled account cannot log in again either.
	var email string
	if err := a.m.DB.Pool().QueryRow(ctx, "SELECT email FROM users WHERE id = $1", disabledID).Scan(&email); err != nil {
		t.Fatal(err)
	}
	r := a.req("POST", "/api/users/login", map[string]string{"email": email, "password": "correct horse battery"})
	if r.Status != 401 || r.errCode(t) != "account_disabled" {
		t.Fatalf("login of a disabled account: %d %s, want 401 account_disabled", r.Status, r.Body)
	}
}

// Any failure after the charge gives the money back: here PostgreSQL refuses the order row
// (a trigger stands in for a constraint, a deleted account or a failing disk).
func TestCheckoutFailureAfterChargeRefunds(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Refund kettle", "kitchen", 2500, 5)
	bearer, _ := a.user("refund")
	ctx := context.Background()
	if _, err := a.m.DB.Pool().Exec(ctx, `
		CREATE FUNCTION fail_order_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure after the charge'; END $$;
		CREATE TRIGGER fail_order_insert BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION fail_order_insert();`); err != nil {
		t.Fatal(err)
	}
	r := a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "after-charge")
	if r.Status < 400 {
		t.Fatalf("checkout succeeded (%d) although the order insert fails", r.Status)
	}
	if kept, refunded := a.m.Payments.Charges(); kept != 0 || refunded != 1 {
		t.Fatalf("after a failed order insert: %d charges kept, %d refunded; want 0 kept, 1 refunded (%d %s)", kept, refunded, r.Status, r.Body)
	}
	if a.stock(pid) != 5 || a.countOrders(pid) != 0 {
		t.Fatalf("stock %d, orders %d after a failed checkout; want 5 and 0", a.stock(pid), a.countOrders(pid))
	}
	// The key now holds the failure: a retry neither charges again nor places an order with the refunded charge.
	if _, err := a.m.DB.Pool().Exec(ctx, "DROP TRIGGER fail_order_insert ON orders"); err != nil {
		t.Fatal(err)
	}
	again := a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "after-charge")
	if again.Status != r.Status || again.errCode(t) != r.errCode(t) || a.countOrders(pid) != 0 {
		t.Fatalf("retry with the same key: %d %s, first answer %d %s; want the same failure and no order", again.Status, again.Body, r.Status, r.Body)
	}
	if kept, _ := a.m.Payments.Charges(); kept != 0 {
		t.Fatalf("a retry kept a charge (%d)", kept)
	}
	// A new key places the order.
	a.expect(201, a.req("POST", "/api/orders", orderBody(pid, 1, "tok_visa"), "Authorization", bearer, "Idempotency-Key", "after-charge-2"))
	if kept, refunded := a.m.Payments.Charges(); kept != 1 || refunded != 1 {
		t.Fatalf("after the retry with a new key: %d kept, %d refunded; want 1 and 1", kept, refunded)
	}
}

// lostReply commits the order and then reports a broken connection, as when the database
// answers but the reply is lost: checkout must find the order, not refund it.
type lostReply struct{ store.OrderRepository }

func (l lostReply) PlaceOrder(ctx context.Context, p store.Placement) (store.Placed, error) {
	if _, err := l.OrderRepository.PlaceOrder(ctx, p); err != nil {
		return store.Placed{}, err
	}
	return store.Placed{}, store.Unavailable("database_unavailable", "the database is unavailable; retry shortly", errors.New("connection reset"))
}

func TestCheckoutWhoseReplyIsLostKeepsTheOrderAndItsCharge(t *testing.T) {
	a := startApp(t, nil)
	admin := a.admin()
	pid := a.product(admin, "Lost reply lamp", "lighting", 900, 5)
	_, uid := a.user("lost")
	orders := &store.Orders{Repo: lostReply{a.m.DB}, Payments: a.m.Payments}
	req := store.CheckoutRequest{Items: []store.LineRequest{{ProductID: pid, Quantity: 1}}, PaymentToken: "tok_visa",
		ShippingAddress: store.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}}
	res, err := orders.Checkout(context.Background(), uid, "lost-reply", req)
	if err != nil {
		t.Fatalf("checkout whose order committed: %v; want the order", err)
	}
	if len(res.Body) == 0 || a.countOrders(pid) != 1 {
		t.Fatalf("body %q, %d orders; want the placed order", res.Body, a.countOrders(pid))
	}
	if kept, refunded := a.m.Payments.Charges(); kept != 1 || refunded != 0 {
		t.Fatalf("%d charges kept, %d refunded; the placed order's charge must be kept", kept, refunded)
	}
}
