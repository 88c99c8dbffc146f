// Package payment holds payment providers. TestProvider is an in-process provider for local
// runs and tests; it stores no card data and only understands test tokens.
package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"globalstack/app/store"
)

// Test tokens, in the style of card processors' test modes.
const (
	TokenOK       = "tok_visa"     // succeeds
	TokenDeclined = "tok_declined" // declined by the issuer
	TokenPending  = "tok_pending"  // accepted, confirmation arrives later (order stays pending)
)

type charge struct {
	store.Charge
	amount   store.Money
	refunded bool
	at       time.Time
}

// TestProvider implements store.PaymentProvider in memory. Charges are idempotent per key for
// 24 hours, like real providers' idempotency windows.
type TestProvider struct {
	mu     sync.Mutex
	byKey  map[string]*charge
	byID   map[string]*charge
	pruned time.Time
}

// NewTestProvider returns an empty provider.
func NewTestProvider() *TestProvider {
	return &TestProvider{byKey: map[string]*charge{}, byID: map[string]*charge{}, pruned: time.Now()}
}

// Charge takes a payment for a test token.
func (p *TestProvider) Charge(ctx context.Context, r store.ChargeRequest) (store.Charge, error) {
	if err := ctx.Err(); err != nil {
		return store.Charge{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune()
	if c, ok := p.byKey[r.IdempotencyKey]; ok {
		if c.amount != r.Amount {
			return store.Charge{}, store.Invalid("payment", "payment idempotency key reused with a different amount")
		}
		return c.Charge, nil
	}
	var status store.ChargeStatus
	switch r.Token {
	case TokenDeclined:
		return store.Charge{}, &store.Error{Kind: store.KindPaymentDeclined, Code: "payment_declined", Message: "the card was declined by the issuer"}
	case TokenPending:
		status = store.ChargePending
	default:
		status = store.ChargeSucceeded
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	c := &charge{Charge: store.Charge{ID: "ch_" + hex.EncodeToString(b), Status: status}, amount: r.Amount, at: time.Now()}
	p.byKey[r.IdempotencyKey], p.byID[c.ID] = c, c
	return c.Charge, nil
}

// Refund gives a charge back; refunding twice is a no-op.
func (p *TestProvider) Refund(ctx context.Context, chargeID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.byID[chargeID]
	if !ok {
		return store.NotFound("charge", chargeID)
	}
	c.refunded = true
	return nil
}

// Refunded reports whether a charge was refunded (for tests).
func (p *TestProvider) Refunded(chargeID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.byID[chargeID]
	return ok && c.refunded
}

// Charges counts charges that were not refunded (for tests).
func (p *TestProvider) Charges() (kept, refunded int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.byID {
		if c.refunded {
			refunded++
		} else {
			kept++
		}
	}
	return kept, refunded
}

func (p *TestProvider) prune() {
	if time.Since(p.pruned) < time.Minute {
		return
	}
	p.pruned = time.Now()
	for k, c := range p.byKey {
		if time.Since(c.at) > 24*time.Hour {
			delete(p.byKey, k)
			delete(p.byID, c.ID)
		}
	}
}
