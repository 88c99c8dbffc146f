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
		for _, v := range []any{&store.CheckoutRequest{}, &store.ProductInput{}, &store.Registration{}, &store.LineRequest{}} {
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
			if !errors.As(err, &se) {
				t.Fatalf("unclassified decode error: %v", err)
			}
			if k := se.Kind; k != store.KindMalformed && k != store.KindInvalid {
				t.Fatalf("decode error of kind %d: %v", k, err)
			}
		}
	})
}
