package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEventProductIDs(t *testing.T) {
	o, _ := json.Marshal(Order{ID: 1, Items: []OrderItem{{ProductID: 4}, {ProductID: 9}}})
	for _, c := range []struct {
		payload string
		want    []int64
	}{{`{"product_id":3}`, []int64{3}}, {string(o), []int64{4, 9}}, {`not json`, nil}} {
		if got := (Event{Payload: json.RawMessage(c.payload)}).ProductIDs(); !slices.Equal(got, c.want) {
			t.Fatalf("%s: %v", c.payload, got)
		}
	}
}

func TestStateMachine(t *testing.T) {
	allowed := map[[2]OrderStatus]bool{
		{StatusPending, StatusPaid}: true, {StatusPending, StatusCancelled}: true, {StatusPending, StatusFailed}: true,
		{StatusPaid, StatusShipped}: true, {StatusPaid, StatusCancelled}: true, {StatusShipped, StatusDelivered}: true,
	}
	all := []OrderStatus{StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled, StatusFailed}
	for _, from := range all {
		for _, to := range all {
			if CanTransition(from, to) != allowed[[2]OrderStatus{from, to}] {
				t.Errorf("%s -> %s: got %v", from, to, CanTransition(from, to))
			}
		}
	}
}

func TestTokensRejectTamperingAndExpiry(t *testing.T) {
	tk, err := NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	tok := tk.Issue(User{ID: 7, Role: RoleCustomer}, "s1", exp)
	if c, err := tk.Verify(tok); err != nil || c.UserID != 7 || c.SessionID != "s1" {
		t.Fatalf("verify: %+v %v", c, err)
	}
	// An admin payload carrying the customer token's signature must not verify.
	forged := tk.Issue(User{ID: 7, Role: RoleAdmin}, "s1", exp)
	spliced := forged[:strings.LastIndexByte(forged, '.')] + tok[strings.LastIndexByte(tok, '.'):]
	if spliced == tok || spliced == forged {
		t.Fatal("test setup: the splice did not change the token")
	}
	if _, err := tk.Verify(spliced); err == nil {
		t.Fatal("tampered payload accepted")
	}
	// A token without a session (the stateless v1 format) is refused.
	if _, err := tk.Verify(tk.Issue(User{ID: 7}, "", exp)); err == nil {
		t.Fatal("token without a session accepted")
	}
	other, _ := NewTokens([]byte("another-secret-another-secret-xx"), time.Hour)
	if _, err := other.Verify(tok); err == nil {
		t.Fatal("token from another secret accepted")
	}
	tk.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := tk.Verify(tok); err == nil {
		t.Fatal("expired token accepted")
	}
	if _, err := NewTokens([]byte("short"), time.Hour); err == nil {
		t.Fatal("short secret accepted")
	}
}

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "correct horse batterY") || CheckPassword("garbage", "x") {
		t.Fatal("password check wrong")
	}
}

func TestPlacementCarriesTheOrderDocumentAndItsEvents(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("UTC+1", 3600))
	o := NewOrder{ID: 42, CreatedAt: created, UserID: 7, IdempotencyKey: "k", RequestHash: "h", Status: StatusPaid, PaymentRef: "ch_1",
		Items: []OrderItem{{ProductID: 3, Quantity: 1}}, Total: Money{Amount: 5, Currency: "USD"}}
	p, err := o.Placement()
	if err != nil {
		t.Fatal(err)
	}
	stored := created.UTC().Truncate(time.Microsecond)
	if p.Order.ID != 42 || p.Order.UserID != 7 || !p.Order.CreatedAt.Equal(stored) || p.Order.CreatedAt.Location() != time.UTC ||
		p.Order.UpdatedAt != p.Order.CreatedAt || p.IdempotencyKey != "k" || p.RequestHash != "h" {
		t.Fatalf("placement: %+v", p)
	}
	if doc, _ := json.Marshal(p.Order); string(doc) != string(p.Body) {
		t.Fatalf("body %s is not the order %s", p.Body, doc)
	}
	var topics []string
	for _, e := range p.Events {
		if e.Key != "42" || string(e.Payload) != string(p.Body) {
			t.Fatalf("event %+v", e)
		}
		topics = append(topics, e.Topic)
	}
	if strings.Join(topics, ",") != "order.created,order.paid" {
		t.Fatalf("paid order events: %v", topics)
	}
	o.Status = StatusPending
	if p, err := o.Placement(); err != nil || len(p.Events) != 1 || p.Events[0].Topic != "order.created" {
		t.Fatalf("pending order events: %+v %v", p.Events, err)
	}
	o.ID = 0
	if _, err := o.Placement(); err == nil {
		t.Fatal("an order without a reserved id was placed")
	}
}

func TestTransitionReleasesStockAndCarriesTheOrder(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.FixedZone("UTC+9", 9*3600))
	items := []OrderItem{{ProductID: 1, Quantity: 2}, {ProductID: 5, Quantity: 1}}
	o := Order{ID: 9, Status: StatusPaid, Items: items}
	u, err := o.Transition(StatusCancelled, now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != StatusCancelled || !o.UpdatedAt.Equal(now) || o.UpdatedAt.Location() != time.UTC || len(u.Release) != 2 || u.Release[1] != items[1] {
		t.Fatalf("cancel: order %+v, update %+v", o, u)
	}
	doc, _ := json.Marshal(o)
	if len(u.Events) != 1 || u.Events[0].Topic != "order.cancelled" || u.Events[0].Key != "9" || string(u.Events[0].Payload) != string(doc) {
		t.Fatalf("cancel events: %+v", u.Events)
	}

	o = Order{ID: 9, Status: StatusPaid, Items: items}
	if u, err := o.Transition(StatusShipped, now); err != nil || len(u.Release) != 0 || u.Events[0].Topic != "order.shipped" {
		t.Fatalf("ship: %+v %v", u, err)
	}
	var se *Error
	if _, err := o.Transition(StatusPaid, now); !errors.As(err, &se) || se.Code != "invalid_transition" || o.Status != StatusShipped {
		t.Fatalf("shipped -> paid: %v, order %+v", err, o)
	}
}

// Client-supplied session labels are cut on a rune boundary and stay valid UTF-8.
func TestClipKeepsValidUTF8(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"aé", 2, "a"}, {"日本語", 4, "日"}, {"a\xffb", 5, "ab"}} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
