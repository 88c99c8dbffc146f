package drill

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Attempt is one HTTP request for an order.
type Attempt struct {
	Sent, Done time.Time
	Status     int    // HTTP status; 0 when the request failed without a response
	Err        string // transport error or the error code of the response
}

// Order is one order of the stream: an Idempotency-Key and every attempt made under it.
type Order struct {
	Key      string
	Client   int
	Attempts []Attempt
	// Set when an attempt got a 2xx answer: the order id and created_at the storefront returned.
	Acked     bool
	AckSent   time.Time // when the successful attempt was sent
	AckAt     time.Time // when its answer arrived
	ID        int64
	UserID    int64
	CreatedAt time.Time
}

// recorder collects finished orders and notices the first order served after the failover.
type recorder struct {
	mu        sync.Mutex
	orders    []Order
	acked     int
	boundary  time.Time // attempts sent at or after it cannot have reached the old primary
	recovered chan struct{}
	firstAck  time.Time
}

func newRecorder() *recorder { return &recorder{recovered: make(chan struct{})} }

func (r *recorder) add(o Order) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders = append(r.orders, o)
	if !o.Acked {
		return
	}
	r.acked++
	if !r.boundary.IsZero() && !o.AckSent.Before(r.boundary) && r.firstAck.IsZero() {
		r.firstAck = o.AckAt
		close(r.recovered)
	}
}

// markKilled records when the old primary was certainly gone.
func (r *recorder) markKilled(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.boundary = t
	for _, o := range r.orders {
		if o.Acked && !o.AckSent.Before(t) && r.firstAck.IsZero() {
			r.firstAck = o.AckAt
			close(r.recovered)
		}
	}
}

func (r *recorder) ackedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acked
}

func (r *recorder) snapshot() []Order {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Order(nil), r.orders...)
}

// customer is a logged-in storefront user ordering one product.
type customer struct {
	base    string
	token   string
	userID  int64
	product int64
	hc      *http.Client
}

// stream runs one client: orders at the given interval, each under its own Idempotency-Key,
// retried with the same key and body until acknowledged or ctx ends.
func (c *customer) stream(ctx context.Context, client int, interval, retryDelay time.Duration, rec *recorder) {
	next := time.Now()
	for {
		if !sleepUntil(ctx, next) {
			return
		}
		next = next.Add(interval)
		if now := time.Now(); next.Before(now) {
			next = now // no catch-up burst after an outage
		}
		o := Order{Key: newKey(), Client: client}
		body := c.orderBody()
		for ctx.Err() == nil {
			a, id, createdAt := c.place(ctx, o.Key, body)
			if ctx.Err() != nil && a.Status == 0 {
				break // cancelled by the end of the drill, not a failure
			}
			o.Attempts = append(o.Attempts, a)
			if a.Status/100 == 2 {
				o.Acked, o.AckSent, o.AckAt, o.ID, o.UserID, o.CreatedAt = true, a.Sent, a.Done, id, c.userID, createdAt
				break
			}
			if !sleepUntil(ctx, time.Now().Add(retryDelay)) {
				break
			}
		}
		if len(o.Attempts) > 0 {
			rec.add(o)
		}
	}
}

func (c *customer) orderBody() []byte {
	b, _ := json.Marshal(map[string]any{
		"items":         []map[string]any{{"product_id": c.product, "quantity": 1}},
		"payment_token": "tok_visa",
		"shipping_address": map[string]any{"name": "Drill Customer", "line1": "1 Failover Way", "city": "Springfield",
			"postal_code": "12345", "country": "US"},
	})
	return b
}

// place sends one checkout request.
func (c *customer) place(ctx context.Context, key string, body []byte) (Attempt, int64, time.Time) {
	a := Attempt{Sent: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/orders", bytes.NewReader(body))
	if err != nil {
		a.Done, a.Err = time.Now(), err.Error()
		return a, 0, time.Time{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", key)
	res, err := c.hc.Do(req)
	if err != nil {
		a.Done, a.Err = time.Now(), err.Error()
		return a, 0, time.Time{}
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	a.Done, a.Status = time.Now(), res.StatusCode
	if err != nil {
		a.Status, a.Err = 0, err.Error()
		return a, 0, time.Time{}
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		a.Err = e.Error.Code
		return a, 0, time.Time{}
	}
	var o struct {
		ID        int64     `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(b, &o); err != nil || o.ID <= 0 {
		// A 2xx without an order id cannot be checked later; treat it as a failed attempt.
		a.Status, a.Err = 0, fmt.Sprintf("2xx without an order id: %.200s", b)
		return a, 0, time.Time{}
	}
	return a, o.ID, o.CreatedAt
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "drill-" + hex.EncodeToString(b)
}

// apiCall sends a JSON request during setup and decodes a JSON object answer.
func apiCall(ctx context.Context, hc *http.Client, method, url, token string, in any, want int) (map[string]any, error) {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %.300s", method, url, res.StatusCode, want, b)
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, url, err)
		}
	}
	return out, nil
}

var errNoID = errors.New("answer has no numeric id")

func numID(m map[string]any, path ...string) (int64, error) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return 0, errNoID
		}
		cur = mm[p]
	}
	f, ok := cur.(float64)
	if !ok || f <= 0 {
		return 0, errNoID
	}
	return int64(f), nil
}
