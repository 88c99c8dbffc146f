package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"globalstack/app/postgres"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testenv.Postgres(t), postgres.Options{MaxConns: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func ptr[T any](v T) *T { return &v }

// placement reserves an order id as checkout does and builds what placing o writes.
func placement(db *postgres.DB, o store.NewOrder) (store.Placement, error) {
	if o.ID == 0 {
		start, err := db.StartCheckout(context.Background(), o.UserID, o.IdempotencyKey, nil)
		if err != nil {
			return store.Placement{}, err
		}
		o.ID, o.CreatedAt = start.OrderID, start.Now
	}
	return o.Placement()
}

// placeOrder places o as checkout does after the charge.
func placeOrder(db *postgres.DB, o store.NewOrder) (store.Placed, error) {
	p, err := placement(db, o)
	if err != nil {
		return store.Placed{}, err
	}
	return db.PlaceOrder(context.Background(), p)
}

func newProduct(t *testing.T, db *postgres.DB, sku string, stock int) store.Product {
	t.Helper()
	p, err := db.CreateProduct(context.Background(), store.ProductInput{SKU: ptr(sku), Name: ptr("Item " + sku), Price: &store.Money{Amount: 1000, Currency: "USD"},
		Category: ptr("misc"), Brand: ptr("Acme"), Stock: ptr(stock)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMigrationsFromEmptyAreIdempotent(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	results := make([][]int, 3)
	errs := make([]error, 3)
	for i := range results { // replicas starting together serialise on the advisory lock
		wg.Add(1)
		go func() { defer wg.Done(); results[i], errs[i] = db.Migrate(ctx) }()
	}
	wg.Wait()
	applied := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		applied += len(results[i])
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	if applied != len(files) {
		t.Fatalf("%d migrations, %d applications across concurrent runs (want each exactly once)", len(files), applied)
	}
	for _, table := range []string{"products", "users", "orders", "order_items", "idempotency_keys", "reviews", "outbox", "outbox_offsets"} {
		var ok bool
		if err := db.Pool().QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing (%v)", table, err)
		}
	}
}

func TestProductRepositoryContract(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	p := newProduct(t, db, "SKU-1", 5)
	if p.ID == 0 || p.Stock != 5 || !p.InStock || p.Attributes == nil {
		t.Fatalf("created: %+v", p)
	}
	if _, err := db.CreateProduct(ctx, store.ProductInput{SKU: ptr("SKU-1"), Name: ptr("x"), Price: &store.Money{Amount: 1, Currency: "USD"}, Category: ptr("misc"), Brand: ptr("b")}); store.KindOf(err) != store.KindConflict {
		t.Fatalf("duplicate sku: %v", err)
	}
	before, after, err := db.UpdateProduct(ctx, p.ID, store.ProductInput{Category: ptr("other"), Attributes: &map[string]string{"color": "red"}})
	if err != nil || before.Category != "misc" || after.Category != "other" || after.Attributes["color"] != "red" || after.Name != p.Name {
		t.Fatalf("update: %+v -> %+v (%v)", before, after, err)
	}
	if _, err := db.AdjustStock(ctx, p.ID, -6); store.KindOf(err) != store.KindConflict {
		t.Fatalf("stock below zero: %v", err)
	}
	if got, _ := db.GetProduct(ctx, p.ID); got.Stock != 5 {
		t.Fatalf("failed adjustment changed stock to %d", got.Stock)
	}
	if _, err := db.GetProduct(ctx, 987654); !store.IsNotFound(err) {
		t.Fatalf("missing product: %v", err)
	}
	m, err := db.GetProducts(ctx, []int64{p.ID, 987654})
	if err != nil || len(m) != 1 {
		t.Fatalf("GetProducts: %v %v", m, err)
	}
	if _, err := db.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteProduct(ctx, p.ID); !store.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestUserRepositoryContract(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	u, err := db.CreateUser(ctx, store.User{Email: "a@example.com", Name: "A", Role: store.RoleCustomer, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, store.User{Email: "a@example.com", Name: "B", Role: store.RoleCustomer, PasswordHash: "h"}); store.KindOf(err) != store.KindConflict {
		t.Fatalf("duplicate email: %v", err)
	}
	got, err := db.GetUserByEmail(ctx, "a@example.com")
	if err != nil || got.ID != u.ID || got.PasswordHash != "h" {
		t.Fatalf("by email: %+v %v", got, err)
	}
	if _, err := db.SetRole(ctx, "nobody@example.com", store.RoleAdmin); !store.IsNotFound(err) {
		t.Fatalf("set role of unknown user: %v", err)
	}
}

// The no-oversell guarantee holds at the repository level, whatever the service checks.
func TestPlaceOrderNeverOversellsUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	p := newProduct(t, db, "HOT", 10)
	u, err := db.CreateUser(ctx, store.User{Email: "b@example.com", Name: "B", Role: store.RoleCustomer, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, soldOut := 0, 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := placeOrder(db, store.NewOrder{UserID: u.ID, IdempotencyKey: fmt.Sprint("k", i), RequestHash: "h", Status: store.StatusPaid, PaymentRef: "ch",
				Items: []store.OrderItem{{ProductID: p.ID, SKU: p.SKU, Name: p.Name, UnitPrice: p.Price, Quantity: 1}}, Total: p.Price,
				ShippingAddress: store.Address{Name: "B", Line1: "x", City: "y", PostalCode: "1", Country: "US"}})
			mu.Lock()
			defer mu.Unlock()
			var se *store.Error
			switch {
			case err == nil:
				placed++
			case errors.As(err, &se) && se.Code == "out_of_stock":
				soldOut++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if placed != 10 || soldOut != 90 {
		t.Fatalf("placed %d, sold out %d", placed, soldOut)
	}
	if got, _ := db.GetProduct(ctx, p.ID); got.Stock != 0 {
		t.Fatalf("stock %d", got.Stock)
	}
	// A changed price is refused inside the transaction.
	q := newProduct(t, db, "PRICED", 10)
	_, err = placeOrder(db, store.NewOrder{UserID: u.ID, IdempotencyKey: "stale", RequestHash: "h", Status: store.StatusPaid, PaymentRef: "ch",
		Items: []store.OrderItem{{ProductID: q.ID, UnitPrice: store.Money{Amount: 999, Currency: "USD"}, Quantity: 1}}, Total: store.Money{Amount: 999, Currency: "USD"}})
	var se *store.Error
	if !errors.As(err, &se) || se.Code != "price_changed" {
		t.Fatalf("stale price: %v", err)
	}
	if got, _ := db.GetProduct(ctx, q.ID); got.Stock != 10 {
		t.Fatalf("stale-price attempt changed stock to %d", got.Stock)
	}
	if out, _ := db.LookupOutcome(ctx, u.ID, "stale"); out != nil {
		t.Fatalf("failed transaction left an idempotency record: %+v", out)
	}
}

func TestOutboxConsumerSeesEveryEventOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for i := 0; i < 25; i++ {
		newProduct(t, db, fmt.Sprint("EV-", i), 1)
	}
	var got []int64
	for {
		n, err := db.ConsumeOutbox(ctx, "test", 10, func(_ context.Context, evs []store.Event) error {
			for _, e := range evs {
				got = append(got, e.ProductIDs()...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if len(got) != 25 {
		t.Fatalf("consumed %d events, want 25", len(got))
	}
	// A failing handler does not advance the position.
	newProduct(t, db, "EV-last", 1)
	if _, err := db.ConsumeOutbox(ctx, "test", 10, func(context.Context, []store.Event) error { return errors.New("boom") }); err == nil {
		t.Fatal("handler error not returned")
	}
	n, err := db.ConsumeOutbox(ctx, "test", 10, func(context.Context, []store.Event) error { return nil })
	if err != nil || n != 1 {
		t.Fatalf("event after failure: n=%d err=%v", n, err)
	}
	if err := db.ResetOutboxConsumer(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.ConsumeOutbox(ctx, "fresh", 10, func(context.Context, []store.Event) error { return nil }); err != nil || n != 0 {
		t.Fatalf("reset consumer sees %d old events (%v)", n, err)
	}
}

func TestSearchRanksNameAboveDescription(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	a, _ := db.CreateProduct(ctx, store.ProductInput{SKU: ptr("A"), Name: ptr("Copper kettle"), Description: ptr("Boils water"), Price: &store.Money{Amount: 1, Currency: "USD"}, Category: ptr("kettles"), Brand: ptr("X")})
	b, _ := db.CreateProduct(ctx, store.ProductInput{SKU: ptr("B"), Name: ptr("Stove"), Description: ptr("Heats a copper kettle nicely"), Price: &store.Money{Amount: 1, Currency: "USD"}, Category: ptr("stoves"), Brand: ptr("X")})
	page, err := db.Search(ctx, store.SearchQuery{Text: "copper kettles", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].ID != a.ID || page.Items[1].ID != b.ID {
		t.Fatalf("ranking: %+v", page.Items)
	}
}

// Checkout reads in one round trip and writes in one implicit transaction: the idempotency
// record (with order id and response), the stock, the order, its items and its events commit
// together, and a failure in any part leaves nothing behind.
func TestStartCheckoutAndPlaceOrderAreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	a, b := newProduct(t, db, "PAIR-A", 5), newProduct(t, db, "PAIR-B", 1)
	u, err := db.CreateUser(ctx, store.User{Email: "pair@example.com", Name: "P", Role: store.RoleCustomer, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	start, err := db.StartCheckout(ctx, u.ID, "two-lines", []int64{a.ID, b.ID, 987654})
	if err != nil {
		t.Fatal(err)
	}
	if start.Outcome != nil || len(start.Products) != 2 || start.Products[b.ID].Stock != 1 || start.Products[a.ID].Price != a.Price || start.OrderID == 0 || start.Now.IsZero() {
		t.Fatalf("start: %+v", start)
	}
	line := func(p store.Product, q int) store.OrderItem {
		return store.OrderItem{ProductID: p.ID, SKU: p.SKU, Name: p.Name, UnitPrice: p.Price, Quantity: q,
			LineTotal: store.Money{Amount: p.Price.Amount * int64(q), Currency: p.Price.Currency}}
	}
	order := store.NewOrder{ID: start.OrderID, CreatedAt: start.Now, UserID: u.ID, IdempotencyKey: "two-lines", RequestHash: "h1",
		Items: []store.OrderItem{line(a, 2), line(b, 2)}, Total: store.Money{Amount: 4000, Currency: "USD"}, Status: store.StatusPaid, PaymentRef: "ch_1",
		ShippingAddress: store.Address{Name: "P", Line1: "x", City: "y", PostalCode: "1", Country: "US"}}
	// The second line has too little stock: the first line's reservation is rolled back too.
	_, err = placeOrder(db, order)
	var se *store.Error
	if !errors.As(err, &se) || se.Code != "out_of_stock" || se.Message != fmt.Sprintf("product %d does not have 2 in stock", b.ID) {
		t.Fatalf("short second line: %v", err)
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Pool().QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, _ := db.GetProduct(ctx, a.ID); got.Stock != 5 {
		t.Fatalf("rolled-back order kept a reservation: stock %d", got.Stock)
	}
	if n := count("SELECT count(*) FROM idempotency_keys WHERE user_id = $1", u.ID) + count("SELECT count(*) FROM orders WHERE id = $1", order.ID) +
		count("SELECT count(*) FROM outbox WHERE key = $1 AND topic LIKE 'order.%'", fmt.Sprint(order.ID)); n != 0 {
		t.Fatalf("rolled-back order left %d rows", n)
	}

	order.Items[1].Quantity, order.Items[1].LineTotal.Amount, order.Total.Amount = 1, 1000, 3000
	placed, err := placeOrder(db, order)
	if err != nil {
		t.Fatal(err)
	}
	if placed.Order.ID != start.OrderID || !placed.Order.CreatedAt.Equal(start.Now) || len(placed.Changes) != 2 ||
		placed.Changes[0] != (store.StockChange{ProductID: a.ID, Category: "misc", Before: 5, After: 3}) ||
		placed.Changes[1] != (store.StockChange{ProductID: b.ID, Category: "misc", Before: 1, After: 0}) {
		t.Fatalf("placed: %+v", placed)
	}
	got, err := db.GetOrder(ctx, order.ID)
	if err != nil || len(got.Items) != 2 || got.Total.Amount != 3000 || got.Status != store.StatusPaid {
		t.Fatalf("stored order: %+v %v", got, err)
	}
	if n := count("SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND order_id = $2 AND response = $3", u.ID, order.ID, string(placed.Body)); n != 1 {
		t.Fatalf("idempotency record with order id and response: %d", n)
	}
	if n := count("SELECT count(*) FROM outbox WHERE key = $1 AND topic IN ('order.created', 'order.paid')", fmt.Sprint(order.ID)); n != 2 {
		t.Fatalf("outbox events: %d", n)
	}

	// The same key again: the stored response comes back, nothing is written twice.
	again, err := placeOrder(db, order)
	if err != nil || again.Replayed == nil || string(again.Replayed.Body) != string(placed.Body) || again.Replayed.RequestHash != "h1" {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if got, _ := db.GetProduct(ctx, a.ID); got.Stock != 3 {
		t.Fatalf("replay changed stock to %d", got.Stock)
	}
	start, err = db.StartCheckout(ctx, u.ID, "two-lines", nil)
	if err != nil || start.Outcome == nil || string(start.Outcome.Body) != string(placed.Body) {
		t.Fatalf("start after the order: %+v %v", start, err)
	}
}
