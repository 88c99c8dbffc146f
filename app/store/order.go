package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OrderStatus is a state of the order state machine.
type OrderStatus string

// The order states.
const (
	StatusPending   OrderStatus = "pending"   // stock reserved, payment not yet confirmed
	StatusPaid      OrderStatus = "paid"      // payment captured
	StatusShipped   OrderStatus = "shipped"   // handed to the carrier
	StatusDelivered OrderStatus = "delivered" // terminal
	StatusCancelled OrderStatus = "cancelled" // terminal, stock released (and refunded if paid)
	StatusFailed    OrderStatus = "failed"    // terminal, payment failed, stock released
)

// transitions is the order state machine.
var transitions = map[OrderStatus][]OrderStatus{
	StatusPending: {StatusPaid, StatusCancelled, StatusFailed},
	StatusPaid:    {StatusShipped, StatusCancelled},
	StatusShipped: {StatusDelivered},
}

// CanTransition reports whether from -> to is allowed.
func CanTransition(from, to OrderStatus) bool {
	return slices.Contains(transitions[from], to)
}

// ReleasesStock reports whether entering s gives the reserved stock back.
func (s OrderStatus) ReleasesStock() bool { return s == StatusCancelled || s == StatusFailed }

// OrderUpdate is what changes with an order besides its own row.
type OrderUpdate struct {
	Release []OrderItem // items whose quantities go back to stock
	Events  []Event     // outbox events written with the change
}

// Transition moves o to status to at time now, along the state machine. It returns the stock
// to give back (entering cancelled or failed) and the order.<status> event carrying the order
// as changed.
func (o *Order) Transition(to OrderStatus, now time.Time) (OrderUpdate, error) {
	if !CanTransition(o.Status, to) {
		return OrderUpdate{}, Conflict("invalid_transition", "order %d is %s and cannot become %s", o.ID, o.Status, to)
	}
	var u OrderUpdate
	if to.ReleasesStock() {
		u.Release = o.Items
	}
	o.Status, o.UpdatedAt = to, now.UTC()
	body, err := json.Marshal(o)
	if err != nil {
		return OrderUpdate{}, err
	}
	u.Events = []Event{{Topic: "order." + string(to), Key: strconv.FormatInt(o.ID, 10), Payload: body}}
	return u, nil
}

// ParseStatus validates a status name.
func ParseStatus(s string) (OrderStatus, error) {
	switch st := OrderStatus(s); st {
	case StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled, StatusFailed:
		return st, nil
	}
	return "", Invalid("status", "status must be one of pending, paid, shipped, delivered, cancelled, failed")
}

// Address is a shipping address.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

// Validate checks an address.
func (a Address) Validate() error {
	for _, f := range []struct {
		name, v  string
		min, max int
	}{{"name", a.Name, 1, 100}, {"line1", a.Line1, 1, 200}, {"line2", a.Line2, 0, 200}, {"city", a.City, 1, 100}, {"postal_code", a.PostalCode, 1, 20}} {
		if err := checkText("shipping_address."+f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country || a.Country[0] < 'A' || a.Country[1] < 'A' || a.Country[0] > 'Z' || a.Country[1] > 'Z' {
		return Invalid("shipping_address.country", "country must be an ISO 3166-1 alpha-2 code such as US")
	}
	return nil
}

// OrderItem is a line of an order, priced when ordered.
type OrderItem struct {
	ProductID int64  `json:"product_id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	UnitPrice Money  `json:"unit_price"`
	Quantity  int    `json:"quantity"`
	LineTotal Money  `json:"line_total"`
}

// Order is a placed order. PaymentRef is the provider's charge id; no card data is stored.
type Order struct {
	ID              int64       `json:"id"`
	UserID          int64       `json:"user_id"`
	Status          OrderStatus `json:"status"`
	Items           []OrderItem `json:"items"`
	Total           Money       `json:"total"`
	PaymentRef      string      `json:"payment_ref"`
	ShippingAddress Address     `json:"shipping_address"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
}

// CheckoutRequest is the body of POST /api/orders. Without items, the caller's cart is ordered.
type CheckoutRequest struct {
	Items           []LineRequest `json:"items"`
	PaymentToken    string        `json:"payment_token"`
	ShippingAddress Address       `json:"shipping_address"`
}

// Validate checks the request shape.
func (r *CheckoutRequest) Validate() error {
	if len(r.Items) > MaxCartLines {
		return Invalid("items", "at most %d lines per order", MaxCartLines)
	}
	seen := map[int64]bool{}
	for i, l := range r.Items {
		if err := l.Validate("items[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
		if seen[l.ProductID] {
			return Invalid("items["+strconv.Itoa(i)+"].product_id", "product %d appears twice; combine the quantities", l.ProductID)
		}
		seen[l.ProductID] = true
	}
	if err := ValidatePaymentToken(r.PaymentToken); err != nil {
		return err
	}
	return r.ShippingAddress.Validate()
}

// ValidatePaymentToken accepts provider tokens only; anything that looks like a card number is
// refused so that card data never reaches logs or storage.
func ValidatePaymentToken(t string) error {
	if t == "" {
		return Invalid("payment_token", "payment_token is required")
	}
	digits := 0
	for _, r := range t {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 12 {
		return Invalid("payment_token", "card numbers are not accepted; send the token from the payment provider")
	}
	if len(t) > 200 || !strings.HasPrefix(t, "tok_") {
		return Invalid("payment_token", "payment_token must be a provider token starting with tok_")
	}
	return nil
}

// ValidateIdempotencyKey checks the Idempotency-Key header.
func ValidateIdempotencyKey(k string) error {
	if k == "" {
		return Invalid("Idempotency-Key", "the Idempotency-Key header is required for POST /api/orders")
	}
	if len(k) > 255 {
		return Invalid("Idempotency-Key", "Idempotency-Key must be at most 255 characters")
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return Invalid("Idempotency-Key", "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// Outcome is the remembered result of a request under an idempotency key.
type Outcome struct {
	RequestHash string          `json:"-"`
	Body        json.RawMessage `json:"body,omitempty"` // the order, for a success
	Error       *Error          `json:"-"`
}

// NewOrder is a quoted and charged order that is not placed yet.
type NewOrder struct {
	ID              int64     // reserved by StartCheckout
	CreatedAt       time.Time // from StartCheckout, with ID
	UserID          int64
	IdempotencyKey  string
	RequestHash     string
	Items           []OrderItem // sorted by product id
	Total           Money
	Status          OrderStatus // paid, or pending when the provider has not confirmed yet
	PaymentRef      string
	ShippingAddress Address
}

// Placement is everything the repository writes to place an order in one transaction.
type Placement struct {
	Order          Order
	IdempotencyKey string
	RequestHash    string
	// Body is the order document: the checkout response, stored under the idempotency key so
	// that a retry gets it byte for byte, and the payload of the order's events.
	Body   []byte
	Events []Event // outbox events, written in this order
}

// Placement builds what placing o writes: the order, its document, and the events order.created
// and, for a paid order, order.paid.
func (o NewOrder) Placement() (Placement, error) {
	if o.ID == 0 || o.CreatedAt.IsZero() {
		return Placement{}, errors.New("store: an order needs the id and creation time reserved by StartCheckout")
	}
	// PostgreSQL keeps microseconds: the document shows the creation time as stored.
	created := o.CreatedAt.UTC().Truncate(time.Microsecond)
	order := Order{ID: o.ID, UserID: o.UserID, Status: o.Status, Items: slices.Clone(o.Items), Total: o.Total,
		PaymentRef: o.PaymentRef, ShippingAddress: o.ShippingAddress, CreatedAt: created, UpdatedAt: created}
	body, err := json.Marshal(order)
	if err != nil {
		return Placement{}, err
	}
	key := strconv.FormatInt(o.ID, 10)
	events := []Event{{Topic: "order.created", Key: key, Payload: body}}
	if o.Status == StatusPaid {
		events = append(events, Event{Topic: "order.paid", Key: key, Payload: body})
	}
	return Placement{Order: order, IdempotencyKey: o.IdempotencyKey, RequestHash: o.RequestHash, Body: body, Events: events}, nil
}

// Placed is the result of PlaceOrder: a new order, or the outcome stored under the same key.
type Placed struct {
	Order    Order
	Body     []byte
	Changes  []StockChange
	Replayed *Outcome
}

// CheckoutStart is what checkout reads before it charges.
type CheckoutStart struct {
	Outcome  *Outcome          // stored under the idempotency key, or nil
	Products map[int64]Product // current ID, SKU, Name, Price and Stock of the requested products that exist
	OrderID  int64             // reserved for the order
	Now      time.Time         // the order's creation time
}

// OrderRepository stores orders, their idempotency records and outbox events.
type OrderRepository interface {
	LookupOutcome(ctx context.Context, userID int64, key string) (*Outcome, error)
	// StartCheckout returns, in one round trip, the outcome stored under (user, key), the
	// products to quote and a reserved order id.
	StartCheckout(ctx context.Context, userID int64, key string, productIDs []int64) (CheckoutStart, error)
	// PlaceOrder reserves stock, inserts the order, its events and its idempotency record with
	// the body in one transaction. Stock never goes below zero (conflict out_of_stock); a price
	// that changed since the quote fails with conflict price_changed.
	PlaceOrder(ctx context.Context, p Placement) (Placed, error)
	// SaveFailure remembers a business failure under the key so that retries get the same answer.
	SaveFailure(ctx context.Context, userID int64, key, requestHash string, e *Error) error
	// FenceKey stores e under the key unless the key already holds an outcome, which it then
	// returns (nil when e was stored, or when the account no longer exists). It waits for a
	// transaction that is placing an order under the key, so once it returns no order can be
	// placed under the key any more.
	FenceKey(ctx context.Context, userID int64, key, requestHash string, e *Error) (*Outcome, error)
	GetOrder(ctx context.Context, id int64) (Order, error)
	ListOrders(ctx context.Context, userID int64, limit int, beforeID int64) (Page[Order], error)
	// UpdateOrder locks order id and hands it, with its items and the transaction's time, to
	// update. In the same transaction it then stores the status and update time update left on
	// the order, gives back the stock update releases and writes its events. It returns the
	// order as updated and the stock changes; an error from update rolls everything back.
	UpdateOrder(ctx context.Context, id int64, update func(o *Order, now time.Time) (OrderUpdate, error)) (Order, []StockChange, error)
	// StalePendingOrders returns up to limit ids of orders still pending that were created
	// before cutoff, oldest first.
	StalePendingOrders(ctx context.Context, cutoff time.Time, limit int) ([]int64, error)
}

// ChargeStatus is the provider's answer to a charge.
type ChargeStatus string

// The charge outcomes.
const (
	ChargeSucceeded ChargeStatus = "succeeded"
	ChargePending   ChargeStatus = "pending"
)

// ChargeRequest asks the provider to take a payment. The key makes the charge idempotent at the
// provider: the same key always yields the same charge, so retries never double-charge.
type ChargeRequest struct {
	IdempotencyKey string
	Token          string
	Amount         Money
}

// Charge is a provider charge.
type Charge struct {
	ID     string
	Status ChargeStatus
}

// PaymentProvider takes payments by token. Declines are reported as KindPaymentDeclined errors.
type PaymentProvider interface {
	Charge(ctx context.Context, r ChargeRequest) (Charge, error)
	Refund(ctx context.Context, chargeID string) error
}

// Orders runs checkout and the order lifecycle.
type Orders struct {
	Repo     OrderRepository
	Carts    *Carts // nil when carts are not configured
	Payments PaymentProvider
	Catalog  *Catalog
	Metrics  Metrics
	Log      *slog.Logger
}

// CheckoutResult is what POST /api/orders answers: the order document, and whether it is a replay.
type CheckoutResult struct {
	Body     []byte
	Replayed bool
}

// Checkout places an order exactly once per (user, idempotency key).
func (s *Orders) Checkout(ctx context.Context, userID int64, key string, req CheckoutRequest) (CheckoutResult, error) {
	if err := ValidateIdempotencyKey(key); err != nil {
		return CheckoutResult{}, err
	}
	if err := req.Validate(); err != nil {
		return CheckoutResult{}, err
	}
	hash := requestHash(req)
	// The cart is read before the stored outcome so that the outcome and the products come from
	// one database round trip; a stored outcome still wins over a cart that is unavailable or
	// empty by now.
	fromCart := len(req.Items) == 0
	lines := req.Items
	var cartErr error
	if fromCart {
		lines, cartErr = s.cartLines(ctx, userID)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].ProductID < lines[j].ProductID })
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	start, err := s.Repo.StartCheckout(ctx, userID, key, ids)
	if err != nil {
		return CheckoutResult{}, err
	}
	if start.Outcome != nil {
		return s.replay(start.Outcome, hash)
	}
	if cartErr != nil {
		return CheckoutResult{}, cartErr
	}
	s.metrics().CheckoutStarted()
	order, err := s.quote(start, userID, key, hash, lines, req.ShippingAddress)
	if err != nil {
		s.metrics().OrderResult(outcomeName(err))
		return CheckoutResult{}, err
	}
	charge, err := s.Payments.Charge(ctx, ChargeRequest{
		IdempotencyKey: providerKey(userID, key, hash), Token: req.PaymentToken, Amount: order.Total,
	})
	s.metrics().PaymentResult(paymentResult(err))
	if err != nil {
		s.metrics().OrderResult(outcomeName(err))
		if KindOf(err) == KindPaymentDeclined {
			return CheckoutResult{}, s.remember(ctx, userID, key, hash, err)
		}
		return CheckoutResult{}, err
	}
	order.PaymentRef = charge.ID
	order.Status = StatusPaid
	if charge.Status == ChargePending {
		order.Status = StatusPending
	}
	placed, err := s.place(ctx, order)
	if err != nil {
		s.metrics().OrderResult(outcomeName(err))
		if k := KindOf(err); k == KindConflict || k == KindNotFound {
			// Nothing was written; the charge has no order and is given back.
			s.refund(ctx, charge.ID)
			return CheckoutResult{}, s.remember(ctx, userID, key, hash, err)
		}
		return s.settle(ctx, userID, key, hash, charge.ID, order.Total, err)
	}
	if placed.Replayed != nil {
		if placed.Replayed.RequestHash != hash {
			s.refund(ctx, charge.ID) // a concurrent request with a different body won the key
		}
		return s.replay(placed.Replayed, hash)
	}
	s.placed(order.Total)
	if s.Catalog != nil {
		s.Catalog.StockChanged(ctx, placed.Changes)
	}
	if fromCart {
		if err := s.Carts.Clear(context.WithoutCancel(ctx), UserCart(userID)); err != nil {
			s.logger().Warn("order placed but cart not cleared", "order_id", placed.Order.ID, "err", err)
		}
	}
	return CheckoutResult{Body: placed.Body}, nil
}

// settle decides a checkout whose order write failed without a verdict: the database refused
// it with an unexpected error, or the connection broke and the order may have committed. It
// fences the key: if the key then holds the order, the order was placed and is answered; if it
// holds the fence, no order can ever be placed under it and the charge is refunded. While the
// database cannot be reached the decision continues in the background, so no path keeps a
// charge without an order.
func (s *Orders) settle(ctx context.Context, userID int64, key, hash, chargeID string, total Money, cause error) (CheckoutResult, error) {
	ctx = context.WithoutCancel(ctx)
	res, decided, err := s.decide(ctx, userID, key, hash, chargeID, total)
	if decided {
		return res, err
	}
	s.logger().Warn("checkout outcome unknown; settling the charge in the background", "charge", chargeID, "err", cause)
	go func() {
		delay := time.Second
		for deadline := time.Now().Add(settleFor); time.Now().Before(deadline); delay = min(2*delay, 30*time.Second) {
			time.Sleep(delay)
			if _, decided, _ := s.decide(ctx, userID, key, hash, chargeID, total); decided {
				return
			}
		}
		s.logger().Error("checkout outcome still unknown; reconcile the charge manually", "charge", chargeID)
	}()
	return CheckoutResult{}, cause
}

// settleFor is how long an undecided charge is retried: the idempotency window of the keys.
const settleFor = 24 * time.Hour

// decide fences the key once and returns the checkout's answer; decided is false when the
// database could not be asked (err is then the database's error).
func (s *Orders) decide(ctx context.Context, userID int64, key, hash, chargeID string, total Money) (res CheckoutResult, decided bool, err error) {
	prev, ferr := s.Repo.FenceKey(ctx, userID, key, hash, ErrCheckoutFailed)
	switch {
	case ferr != nil:
		return CheckoutResult{}, false, ferr
	case prev == nil: // the fence holds the key
		s.refund(ctx, chargeID)
		return CheckoutResult{}, true, ErrCheckoutFailed
	case prev.RequestHash != hash: // another request's outcome; this charge is not its charge
		s.refund(ctx, chargeID)
		return CheckoutResult{}, true, ErrIdempotencyKey
	case prev.Body != nil: // the order committed; its charge is this one
		s.placed(total)
		return CheckoutResult{Body: prev.Body}, true, nil
	default: // an identical request failed and settled the same charge
		return CheckoutResult{}, true, prev.Error
	}
}

// place writes the order with its document and events.
func (s *Orders) place(ctx context.Context, o NewOrder) (Placed, error) {
	p, err := o.Placement()
	if err != nil {
		return Placed{}, err
	}
	return s.Repo.PlaceOrder(ctx, p)
}

// cartLines returns the lines of the caller's cart.
func (s *Orders) cartLines(ctx context.Context, userID int64) ([]LineRequest, error) {
	if s.Carts == nil {
		return nil, ErrCartUnavailable
	}
	items, err := s.Carts.Store.Items(ctx, UserCart(userID))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, Invalid("items", "the cart is empty; add items or send them in the request")
	}
	lines := make([]LineRequest, 0, len(items))
	for id, it := range items {
		l := LineRequest{ProductID: id, Quantity: it.Quantity}
		if it.Seen.Currency != "" {
			l.UnitPrice = &it.Seen
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// quote prices the lines (sorted by product id) from current product data and checks stock
// before any payment.
func (s *Orders) quote(start CheckoutStart, userID int64, key, hash string, lines []LineRequest, addr Address) (NewOrder, error) {
	products := start.Products
	o := NewOrder{ID: start.OrderID, CreatedAt: start.Now, UserID: userID, IdempotencyKey: key, RequestHash: hash, ShippingAddress: addr}
	for _, l := range lines {
		p, ok := products[l.ProductID]
		if !ok {
			return NewOrder{}, NotFound("product", l.ProductID)
		}
		if err := checkSeenPrice(p, l.UnitPrice); err != nil {
			return NewOrder{}, err
		}
		if p.Stock < l.Quantity {
			return NewOrder{}, Conflict("out_of_stock", "product %d has %d in stock, %d requested", p.ID, p.Stock, l.Quantity)
		}
		if o.Total.Currency == "" {
			o.Total.Currency = p.Price.Currency
		} else if o.Total.Currency != p.Price.Currency {
			return NewOrder{}, Invalid("items", "all items of an order must be priced in one currency")
		}
		line := p.Price.Amount * int64(l.Quantity)
		o.Total.Amount += line
		o.Items = append(o.Items, OrderItem{ProductID: p.ID, SKU: p.SKU, Name: p.Name, UnitPrice: p.Price, Quantity: l.Quantity,
			LineTotal: Money{Amount: line, Currency: p.Price.Currency}})
	}
	return o, nil
}

func (s *Orders) replay(prev *Outcome, hash string) (CheckoutResult, error) {
	if prev.RequestHash != hash {
		s.metrics().OrderResult("idempotency_mismatch")
		return CheckoutResult{}, ErrIdempotencyKey
	}
	s.metrics().OrderResult("replayed")
	if prev.Error != nil {
		return CheckoutResult{}, prev.Error
	}
	if prev.Body == nil {
		return CheckoutResult{}, ErrInProgress
	}
	return CheckoutResult{Body: prev.Body, Replayed: true}, nil
}

// remember stores a definitive failure under the key and returns it.
func (s *Orders) remember(ctx context.Context, userID int64, key, hash string, err error) error {
	var e *Error
	if !asError(err, &e) {
		return err
	}
	if serr := s.Repo.SaveFailure(context.WithoutCancel(ctx), userID, key, hash, e); serr != nil {
		s.logger().Warn("could not remember failed checkout", "err", serr)
	}
	return err
}

func (s *Orders) refund(ctx context.Context, chargeID string) {
	if err := s.Payments.Refund(context.WithoutCancel(ctx), chargeID); err != nil {
		s.logger().Error("refund failed; reconcile manually", "charge", chargeID, "err", err)
	}
}

// Cancel cancels the caller's order (pending or paid), releasing stock and refunding.
func (s *Orders) Cancel(ctx context.Context, userID, orderID int64) (Order, error) {
	o, err := s.Repo.GetOrder(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	if o.UserID != userID {
		return Order{}, NotFound("order", orderID) // do not reveal other users' orders
	}
	return s.SetStatus(ctx, orderID, StatusCancelled)
}

// SetStatus moves an order along the state machine (admin, or the payment confirmation).
func (s *Orders) SetStatus(ctx context.Context, orderID int64, to OrderStatus) (Order, error) {
	var before Order
	after, changes, err := s.Repo.UpdateOrder(ctx, orderID, func(o *Order, now time.Time) (OrderUpdate, error) {
		before = *o
		return o.Transition(to, now)
	})
	if err != nil {
		return Order{}, err
	}
	if s.Catalog != nil {
		s.Catalog.StockChanged(ctx, changes)
	}
	if to == StatusCancelled && before.Status == StatusPaid {
		s.refund(ctx, before.PaymentRef)
	}
	s.metrics().OrderResult(string(to))
	return after, nil
}

// Get returns an order of the caller.
func (s *Orders) Get(ctx context.Context, userID, orderID int64) (Order, error) {
	o, err := s.Repo.GetOrder(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	if o.UserID != userID {
		return Order{}, NotFound("order", orderID)
	}
	return o, nil
}

// placed counts an order placed and its revenue.
func (s *Orders) placed(total Money) {
	s.metrics().OrderResult("created")
	s.metrics().Revenue(total)
}

// paymentResult names a charge's result for the payments metric.
func paymentResult(err error) string {
	switch {
	case err == nil:
		return "charged"
	case KindOf(err) == KindPaymentDeclined:
		return "declined"
	}
	return "error"
}

func (s *Orders) metrics() Metrics {
	if s.Metrics == nil {
		return NoMetrics
	}
	return s.Metrics
}

func (s *Orders) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func outcomeName(err error) string {
	var e *Error
	if asError(err, &e) && e.Kind != KindInternal {
		return e.Code
	}
	return "error"
}

// requestHash fingerprints the request as decoded, so formatting differences do not matter.
func requestHash(r CheckoutRequest) string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// providerKey derives the payment idempotency key; it includes the request hash so a different
// request that reuses a client key can never be matched to another request's charge.
func providerKey(userID int64, key, hash string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(userID, 10) + "\x00" + key + "\x00" + hash))
	return hex.EncodeToString(sum[:])
}

// errNoLongerPending stops an expiry of an order whose payment arrived meanwhile.
var errNoLongerPending = errors.New("order is no longer pending")

// ExpirePending moves orders still pending (never paid) that were created before cutoff to
// failed, which gives their stock back, and returns how many it expired. An order paid in
// the meantime is left alone: the status is checked under the row lock.
func (s *Orders) ExpirePending(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	ids, err := s.Repo.StalePendingOrders(ctx, cutoff, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, changes, err := s.Repo.UpdateOrder(ctx, id, func(o *Order, now time.Time) (OrderUpdate, error) {
			if o.Status != StatusPending {
				return OrderUpdate{}, errNoLongerPending
			}
			return o.Transition(StatusFailed, now)
		})
		if errors.Is(err, errNoLongerPending) || IsNotFound(err) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
		if s.Catalog != nil {
			s.Catalog.StockChanged(ctx, changes)
		}
		s.metrics().OrderResult("expired")
	}
	return n, nil
}
