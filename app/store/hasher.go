package store

import (
	"context"
	"sync/atomic"
	"time"
)

// ErrLoginBusy answers a password hash that could not start within the queue deadline.
var ErrLoginBusy = &Error{Kind: KindUnavailable, Code: "login_busy", Message: "too many sign-ins are being processed; retry after the time in Retry-After"}

// Hasher runs argon2id hashes (login, registration) with a bound on how many run at once.
// Each hash holds argonMemory (19 MiB) for its duration, so the bound caps that memory at
// Slots x 19 MiB whatever the login load or the number of source addresses; hashes beyond
// it wait in line for at most QueueTimeout, and at most MaxQueue of them wait.
type Hasher struct {
	sem          chan struct{} // nil: no bound
	queueTimeout time.Duration
	maxQueue     int64
	waiting      atomic.Int64
	inFlight     atomic.Int64
	peak         atomic.Int64
	rejected     atomic.Int64
}

// NewHasher bounds hashes in flight to slots (0: unbounded) with the queue limits above.
func NewHasher(slots int, queueTimeout time.Duration, maxQueue int) *Hasher {
	h := &Hasher{queueTimeout: queueTimeout, maxQueue: int64(maxQueue)}
	if slots > 0 {
		h.sem = make(chan struct{}, slots)
	}
	return h
}

// HashMemoryBytes is the memory one argon2id hash allocates.
const HashMemoryBytes = argonMemory * 1024

// Hash returns an encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	var out string
	err := h.run(ctx, func() error {
		var err error
		out, err = HashPassword(password)
		return err
	})
	return out, err
}

// Check compares password with an encoded hash.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (bool, error) {
	var ok bool
	err := h.run(ctx, func() error {
		ok = CheckPassword(encoded, password)
		return nil
	})
	return ok, err
}

func (h *Hasher) run(ctx context.Context, fn func() error) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	n := h.inFlight.Add(1)
	for p := h.peak.Load(); n > p; p = h.peak.Load() {
		if h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer h.inFlight.Add(-1)
	return fn()
}

func (h *Hasher) acquire(ctx context.Context) error {
	if h == nil || h.sem == nil {
		return nil
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if h.waiting.Add(1) > h.maxQueue {
		h.waiting.Add(-1)
		h.rejected.Add(1)
		return ErrLoginBusy
	}
	defer h.waiting.Add(-1)
	t := time.NewTimer(h.queueTimeout)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-t.C:
		h.rejected.Add(1)
		return ErrLoginBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() {
	if h != nil && h.sem != nil {
		<-h.sem
	}
}

// Slots is the bound on hashes in flight (0: none).
func (h *Hasher) Slots() int { return cap(h.sem) }

// InFlight is the number of hashes running now.
func (h *Hasher) InFlight() int64 { return h.inFlight.Load() }

// Peak is the largest number of hashes that ran at once since start.
func (h *Hasher) Peak() int64 { return h.peak.Load() }

// Rejected counts hashes refused with ErrLoginBusy.
func (h *Hasher) Rejected() int64 { return h.rejected.Load() }
