package store

import (
	"encoding/json"
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
		got := Event{Payload: json.RawMessage(c.payload)}.ProductIDs()
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v", c.payload, got)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %v", c.payload, got)
			}
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
	tok := tk.Issue(User{ID: 7, Role: RoleCustomer})
	if c, err := tk.Verify(tok); err != nil || c.UserID != 7 {
		t.Fatalf("verify: %+v %v", c, err)
	}
	// An admin payload carrying the customer token's signature must not verify.
	forged := tk.Issue(User{ID: 7, Role: RoleAdmin})
	spliced := forged[:strings.LastIndexByte(forged, '.')] + tok[strings.LastIndexByte(tok, '.'):]
	if spliced == tok || spliced == forged {
		t.Fatal("test setup: the splice did not change the token")
	}
	if _, err := tk.Verify(spliced); err == nil {
		t.Fatal("tampered payload accepted")
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
