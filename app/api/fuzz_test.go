package api

import (
	"errors"
	"testing"

	"globalstack/app/store"
)

// Decoding never panics, and every rejection is a classified client error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"items":[{"product_id":1,"quantity":2}],"payment_token":"tok_visa"}`, `{"sku":1}`, `[]`, `{"a":1}`,
		`{"items":null}`, `{"shipping_address":{"country":"US"}} x`, "\x00", `{"price":{"amount":1e400}}`, `{"name":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&store.CheckoutRequest{}, &store.ProductInput{}, &store.Registration{}, &store.LineRequest{},
			&store.PasswordChange{}, &store.ResetRequest{}, &store.ResetConfirm{}, &store.EmailToken{}, &store.AccountDeletion{}} {
			err := decodeBytes(body, v)
			if err == nil {
				// A decoded value must survive validation without panicking.
				switch x := v.(type) {
				case *store.CheckoutRequest:
					_ = x.Validate()
				case *store.ProductInput:
					_ = x.ValidateCreate()
				case *store.Registration:
					_ = x.Validate()
				}
				continue
			}
			var se *store.Error
			var re *requestError
			switch {
			case errors.As(err, &re):
				if re.Kind != kindMalformed {
					t.Fatalf("decode error of request kind %d: %v", re.Kind, err)
				}
			case errors.As(err, &se):
				if se.Kind != store.KindInvalid {
					t.Fatalf("decode error of kind %d: %v", se.Kind, err)
				}
			default:
				t.Fatalf("unclassified decode error: %v", err)
			}
		}
	})
}
