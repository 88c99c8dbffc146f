package store

import (
	"crypto/sha256"
	"sync"
	"time"
)

// LoginThrottle slows password guessing per account: after Free consecutive failures for an
// email, each further attempt must wait Base x 2^(failures-Free), capped at Max, whatever
// address it comes from. It keys by the normalised email whether or not an account exists, so
// its answers do not reveal which emails are registered; the cap means a real user waits at
// most Max, never indefinitely; a successful login resets the count. State is per process.
type LoginThrottle struct {
	Free       int
	Base, Max  time.Duration
	MaxEntries int              // bounds the memory an attacker can make it use (oldest dropped)
	Now        func() time.Time // injectable for tests

	mu      sync.Mutex
	entries map[[32]byte]*throttleEntry
}

type throttleEntry struct {
	failures int
	until    time.Time // no attempt before this
	last     time.Time
}

// NewLoginThrottle returns a throttle with the given parameters and the wall clock.
func NewLoginThrottle(free int, base, maxDelay time.Duration) *LoginThrottle {
	return &LoginThrottle{Free: free, Base: base, Max: maxDelay, MaxEntries: 100_000, Now: time.Now}
}

func throttleKey(email string) [32]byte { return sha256.Sum256([]byte(email)) }

// Check refuses an attempt for email while its backoff runs (429 login_throttled).
func (t *LoginThrottle) Check(email string) error {
	if t == nil {
		return nil
	}
	now := t.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[throttleKey(email)]
	if !ok || !now.Before(e.until) {
		return nil
	}
	return &Error{Kind: KindThrottled, Code: "login_throttled", RetryAfter: e.until.Sub(now),
		Message: "too many failed sign-ins for this account; retry after the time in Retry-After"}
}

// Failed records a wrong password (or an unknown email) and starts the next backoff.
func (t *LoginThrottle) Failed(email string) {
	if t == nil {
		return
	}
	now := t.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.entries == nil {
		t.entries = map[[32]byte]*throttleEntry{}
	}
	k := throttleKey(email)
	e, ok := t.entries[k]
	if !ok {
		if len(t.entries) >= t.MaxEntries {
			t.evict(now)
		}
		e = &throttleEntry{}
		t.entries[k] = e
	}
	e.failures++
	e.last = now
	if over := e.failures - t.Free; over > 0 {
		d := t.Max
		if over <= 30 {
			d = min(t.Max, t.Base<<(over-1))
		}
		e.until = now.Add(d)
	}
}

// Succeeded resets the account's count.
func (t *LoginThrottle) Succeeded(email string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.entries, throttleKey(email))
	t.mu.Unlock()
}

// evict drops entries idle for longer than Max (their backoff is over), or, if none is, the
// least recently failed one.
func (t *LoginThrottle) evict(now time.Time) {
	var oldestKey [32]byte
	var oldest time.Time
	for k, e := range t.entries {
		if now.Sub(e.last) > t.Max {
			delete(t.entries, k)
			continue
		}
		if oldest.IsZero() || e.last.Before(oldest) {
			oldest, oldestKey = e.last, k
		}
	}
	if len(t.entries) >= t.MaxEntries {
		delete(t.entries, oldestKey)
	}
}
