// Package store is the storefront's domain: its types, the error vocabulary (Error with a Kind
// and a stable Code), the repository, cache and payment interfaces, and the services built on
// them (Catalog, Accounts, Carts, Orders, Reviews).
package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
)

// Cart limits keep one cart from growing without bound.
const (
	MaxCartLines   = 100
	MaxLineQty     = 99
	UserCartPrefix = "u:"
	AnonCartPrefix = "s:"
)

// CartStore keeps carts by owner key ("u:<user id>" or "s:<session id>").
type CartStore interface {
	Items(ctx context.Context, owner string) (map[int64]CartItem, error)
	// SetQuantity sets a line and the price the shopper saw; quantity 0 removes it. It fails
	// with a conflict when the cart would exceed MaxCartLines.
	SetQuantity(ctx context.Context, owner string, productID int64, quantity int, seen Money) error
	// AddQuantity atomically adds delta to a line, records the price the shopper saw, and
	// returns the new quantity. When the result would exceed limit it changes nothing and
	// returns the current quantity and ErrLineLimit; a new line in a full cart fails with a
	// conflict (code cart_full).
	AddQuantity(ctx context.Context, owner string, productID int64, delta, limit int, seen Money) (int, error)
	Clear(ctx context.Context, owner string) error
	// Merge adds the lines of from into to (quantities summed, capped) and deletes from.
	Merge(ctx context.Context, from, to string) error
	Ping(ctx context.Context) error
}

// CartItem is a stored cart line: its quantity and the unit price the shopper saw when the
// line was last added or set (zero for lines stored before prices were recorded).
type CartItem struct {
	Quantity int
	Seen     Money
}

// ProductLookup fetches current product rows by id (missing ids are absent from the map).
type ProductLookup interface {
	GetProducts(ctx context.Context, ids []int64) (map[int64]Product, error)
}

// CartLine is one validated line of a cart.
type CartLine struct {
	ProductID int64  `json:"product_id"`
	SKU       string `json:"sku,omitempty"`
	Name      string `json:"name,omitempty"`
	UnitPrice Money  `json:"unit_price"`
	Quantity  int    `json:"quantity"`
	LineTotal Money  `json:"line_total"`
	Available int    `json:"available"`
	// SeenPrice is the unit price the shopper saw when the line was added or last set; when it
	// differs from UnitPrice the problem is price_changed and setting the line again accepts
	// the current price.
	SeenPrice *Money `json:"seen_price,omitempty"`
	// Problem is set when the line cannot be ordered as is: not_found, out_of_stock,
	// insufficient_stock, price_changed, currency_mismatch (priced in another currency than the
	// cart's first line; an order has one currency).
	Problem string `json:"problem,omitempty"`
}

// CartView is a cart priced at current prices and checked against current stock.
type CartView struct {
	Items    []CartLine `json:"items"`
	Subtotal []Money    `json:"subtotal"` // one entry per currency
	Valid    bool       `json:"valid"`
}

// LineRequest asks for a quantity of a product. UnitPrice, when sent, is the price the shopper
// was shown; a product whose current price differs is refused with price_changed.
type LineRequest struct {
	ProductID int64  `json:"product_id"`
	Quantity  int    `json:"quantity"`
	UnitPrice *Money `json:"unit_price,omitempty"`
}

// Validate checks a cart or order line.
func (l LineRequest) Validate(field string) error {
	if l.ProductID <= 0 {
		return Invalid(field+".product_id", "product_id must be a positive integer")
	}
	if l.Quantity < 1 || l.Quantity > MaxLineQty {
		return Invalid(field+".quantity", "quantity must be between 1 and %d", MaxLineQty)
	}
	return validSeenPrice(field+".unit_price", l.UnitPrice)
}

func validSeenPrice(field string, m *Money) error {
	if m == nil {
		return nil
	}
	if m.Amount < 0 || !IsCurrency(m.Currency) {
		return Invalid(field, "unit_price must be the price shown: a non-negative amount in minor units and an ISO 4217 currency code")
	}
	return nil
}

// checkSeenPrice refuses a product whose price is not the one the shopper saw.
func checkSeenPrice(p Product, seen *Money) error {
	if seen != nil && *seen != p.Price {
		return Conflict("price_changed", "product %d costs %d %s now, not the %d %s shown; review the price and retry",
			p.ID, p.Price.Amount, p.Price.Currency, seen.Amount, seen.Currency)
	}
	return nil
}

// Carts validates cart changes against the catalog.
type Carts struct {
	Store    CartStore
	Products ProductLookup
	Metrics  Metrics
}

// View prices and validates the cart.
func (c *Carts) View(ctx context.Context, owner string) (CartView, error) {
	items, err := c.Store.Items(ctx, owner)
	if err != nil {
		return CartView{}, err
	}
	return c.price(ctx, items)
}

func (c *Carts) price(ctx context.Context, items map[int64]CartItem) (CartView, error) {
	view := CartView{Items: []CartLine{}, Subtotal: []Money{}, Valid: true}
	if len(items) == 0 {
		return view, nil
	}
	ids := slices.Sorted(maps.Keys(items))
	products, err := c.Products.GetProducts(ctx, ids)
	if err != nil {
		return CartView{}, err
	}
	dropDrafts(products)
	totals := map[string]int64{}
	for _, id := range ids {
		item := items[id]
		qty := item.Quantity
		line := CartLine{ProductID: id, Quantity: qty}
		if item.Seen.Currency != "" {
			line.SeenPrice = &item.Seen
		}
		p, ok := products[id]
		switch {
		case !ok:
			line.Problem = "not_found"
		case p.Stock == 0:
			line.Problem = "out_of_stock"
		case p.Stock < qty:
			line.Problem = "insufficient_stock"
		case line.SeenPrice != nil && *line.SeenPrice != p.Price:
			line.Problem = "price_changed"
		}
		if ok {
			line.SKU, line.Name, line.UnitPrice, line.Available = p.SKU, p.Name, p.Price, p.Stock
			line.LineTotal = Money{Amount: p.Price.Amount * int64(qty), Currency: p.Price.Currency}
			totals[p.Price.Currency] += line.LineTotal.Amount
		}
		if line.Problem != "" {
			view.Valid = false
		}
		view.Items = append(view.Items, line)
	}
	for _, cur := range slices.Sorted(maps.Keys(totals)) {
		view.Subtotal = append(view.Subtotal, Money{Amount: totals[cur], Currency: cur})
	}
	if len(totals) > 1 {
		// An order is charged in one currency: lines in another currency than the first line's
		// cannot be ordered with it.
		first := ""
		for i := range view.Items {
			l := &view.Items[i]
			switch cur := l.UnitPrice.Currency; {
			case cur == "":
			case first == "":
				first = cur
			case cur != first && l.Problem == "":
				l.Problem = "currency_mismatch"
			}
		}
		view.Valid = false
	}
	return view, nil
}

// ErrLineLimit is what CartStore.AddQuantity returns when the line would exceed its limit.
var ErrLineLimit = errors.New("store: cart line limit")

// Add increases a line by quantity, checking the product exists and has the stock. The
// increment is one atomic step in the store, so concurrent adds are all counted.
func (c *Carts) Add(ctx context.Context, owner string, l LineRequest) (CartView, error) {
	if err := l.Validate("item"); err != nil {
		return CartView{}, err
	}
	products, err := c.Products.GetProducts(ctx, []int64{l.ProductID})
	if err != nil {
		return CartView{}, err
	}
	dropDrafts(products)
	p, ok := products[l.ProductID]
	if !ok {
		return CartView{}, NotFound("product", l.ProductID)
	}
	if err := checkSeenPrice(p, l.UnitPrice); err != nil {
		return CartView{}, err
	}
	cur, err := c.Store.AddQuantity(ctx, owner, l.ProductID, l.Quantity, min(MaxLineQty, p.Stock), p.Price)
	if errors.Is(err, ErrLineLimit) {
		if cur+l.Quantity > MaxLineQty {
			return CartView{}, Invalid("quantity", "a cart line holds at most %d units", MaxLineQty)
		}
		return CartView{}, Conflict("insufficient_stock", "only %d of product %d in stock", p.Stock, l.ProductID)
	}
	if err != nil {
		return CartView{}, err
	}
	v, err := c.View(ctx, owner)
	if err == nil && cur == l.Quantity && len(v.Items) == 1 {
		c.metrics().CartCreated() // a new line (cur is the new quantity), alone in the cart
	}
	return v, err
}

func (c *Carts) metrics() Metrics {
	if c.Metrics == nil {
		return NoMetrics
	}
	return c.Metrics
}

// Set replaces the quantity of a line (0 removes it) and accepts the current price, or the
// price seen when it is sent and still current.
func (c *Carts) Set(ctx context.Context, owner string, productID int64, qty int, seen *Money) (CartView, error) {
	if productID <= 0 {
		return CartView{}, Invalid("product_id", "product_id must be a positive integer")
	}
	if qty < 0 || qty > MaxLineQty {
		return CartView{}, Invalid("quantity", "quantity must be between 0 and %d", MaxLineQty)
	}
	if err := validSeenPrice("unit_price", seen); err != nil {
		return CartView{}, err
	}
	items, err := c.Store.Items(ctx, owner)
	if err != nil {
		return CartView{}, err
	}
	if qty == 0 {
		if _, ok := items[productID]; !ok {
			return CartView{}, NotFound("cart item", productID)
		}
		if err := c.Store.SetQuantity(ctx, owner, productID, 0, Money{}); err != nil {
			return CartView{}, err
		}
		delete(items, productID)
		return c.price(ctx, items)
	}
	return c.set(ctx, owner, items, productID, qty, seen)
}

func (c *Carts) set(ctx context.Context, owner string, items map[int64]CartItem, productID int64, qty int, seen *Money) (CartView, error) {
	products, err := c.Products.GetProducts(ctx, []int64{productID})
	if err != nil {
		return CartView{}, err
	}
	dropDrafts(products)
	p, ok := products[productID]
	if !ok {
		return CartView{}, NotFound("product", productID)
	}
	if err := checkSeenPrice(p, seen); err != nil {
		return CartView{}, err
	}
	if p.Stock < qty {
		return CartView{}, Conflict("insufficient_stock", "only %d of product %d in stock", p.Stock, productID)
	}
	if err := c.Store.SetQuantity(ctx, owner, productID, qty, p.Price); err != nil {
		return CartView{}, err
	}
	if len(items) == 0 {
		c.metrics().CartCreated()
	}
	items[productID] = CartItem{Quantity: qty, Seen: p.Price}
	return c.price(ctx, items)
}

// Clear empties the cart.
func (c *Carts) Clear(ctx context.Context, owner string) error { return c.Store.Clear(ctx, owner) }

// Merge moves an anonymous session cart into the user's cart at login.
func (c *Carts) Merge(ctx context.Context, sessionID string, userID int64) error {
	return c.Store.Merge(ctx, AnonCartPrefix+sessionID, UserCart(userID))
}

// UserCart is the owner key of a user's cart.
func UserCart(userID int64) string { return UserCartPrefix + strconv.FormatInt(userID, 10) }

// dropDrafts removes unpublished products: shoppers cannot add or buy them, and a cart line
// of a product taken back to draft shows not_found.
func dropDrafts(products map[int64]Product) {
	for id, p := range products {
		if !p.Published {
			delete(products, id)
		}
	}
}
