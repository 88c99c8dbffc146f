package rediscache

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"globalstack/app/store"
)

// Carts implements store.CartStore with one hash per cart (field = product id, value = quantity).
type Carts struct {
	c   *Client
	ttl time.Duration
}

// NewCarts returns the cart store; carts expire ttl after their last change.
func NewCarts(c *Client, ttl time.Duration) *Carts { return &Carts{c: c, ttl: ttl} }

func cartKey(owner string) string { return "sf:cart:{" + owner + "}" }

// priceKey holds the price the shopper saw per line (field = product id, value = "amount
// currency"); it shares the cart's hash tag, so scripts touch both in one slot.
func priceKey(owner string) string { return cartKey(owner) + ":p" }

func encodePrice(m store.Money) string {
	if m.Currency == "" {
		return ""
	}
	return strconv.FormatInt(m.Amount, 10) + " " + m.Currency
}

func decodePrice(s string) store.Money {
	amount, cur, ok := strings.Cut(s, " ")
	n, err := strconv.ParseInt(amount, 10, 64)
	if !ok || err != nil {
		return store.Money{}
	}
	return store.Money{Amount: n, Currency: cur}
}

func unavailable(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) || errors.Is(err, context.Canceled) {
		return err
	}
	return &store.Error{Kind: store.KindUnavailable, Code: store.ErrCartUnavailable.Code, Message: store.ErrCartUnavailable.Message, Err: err}
}

// Items returns the lines of a cart with the prices the shopper saw.
func (k *Carts) Items(ctx context.Context, owner string) (map[int64]store.CartItem, error) {
	var qty, prices *redis.MapStringStringCmd
	err := k.c.do(ctx, func(ctx context.Context) error {
		_, err := k.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			qty = p.HGetAll(ctx, cartKey(owner))
			prices = p.HGetAll(ctx, priceKey(owner))
			return nil
		})
		return err
	})
	if err != nil {
		return nil, unavailable(err)
	}
	return parseCart(qty.Val(), prices.Val()), nil
}

func parseCart(raw, prices map[string]string) map[int64]store.CartItem {
	out := make(map[int64]store.CartItem, len(raw))
	for f, v := range raw {
		id, err1 := strconv.ParseInt(f, 10, 64)
		q, err2 := strconv.Atoi(v)
		if err1 == nil && err2 == nil && id > 0 && q > 0 {
			out[id] = store.CartItem{Quantity: q, Seen: decodePrice(prices[f])}
		}
	}
	return out
}

var setScript = redis.NewScript(`
if tonumber(ARGV[2]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`)

// SetQuantity sets or removes a line atomically, enforcing the line limit, and records the
// price the shopper saw.
func (k *Carts) SetQuantity(ctx context.Context, owner string, productID int64, qty int, seen store.Money) error {
	var ok int64
	err := k.c.do(ctx, func(ctx context.Context) error {
		var err error
		ok, err = setScript.Run(ctx, k.c.rdb, []string{cartKey(owner), priceKey(owner)}, productID, qty, k.ttl.Milliseconds(), store.MaxCartLines, encodePrice(seen)).Int64()
		return err
	})
	if err != nil {
		return unavailable(err)
	}
	if ok == 0 {
		return store.Conflict("cart_full", "a cart holds at most %d different products", store.MaxCartLines)
	}
	return nil
}

var addScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if cur == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return {-1, 0} end
local n = cur + tonumber(ARGV[2])
if n > tonumber(ARGV[5]) then return {-2, cur} end
redis.call('HSET', KEYS[1], ARGV[1], n)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[6]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, n}
`)

// AddQuantity adds delta to a line in one script, so concurrent adds are all counted, and
// records the price the shopper saw.
func (k *Carts) AddQuantity(ctx context.Context, owner string, productID int64, delta, limit int, seen store.Money) (int, error) {
	var res []int64
	err := k.c.do(ctx, func(ctx context.Context) error {
		var err error
		res, err = addScript.Run(ctx, k.c.rdb, []string{cartKey(owner), priceKey(owner)}, productID, delta, k.ttl.Milliseconds(), store.MaxCartLines, limit, encodePrice(seen)).Int64Slice()
		return err
	})
	if err != nil {
		return 0, unavailable(err)
	}
	switch res[0] {
	case -1:
		return 0, store.Conflict("cart_full", "a cart holds at most %d different products", store.MaxCartLines)
	case -2:
		return int(res[1]), store.ErrLineLimit
	}
	return int(res[1]), nil
}

// Clear deletes a cart.
func (k *Carts) Clear(ctx context.Context, owner string) error {
	return unavailable(k.c.do(ctx, func(ctx context.Context) error { return k.c.rdb.Del(ctx, cartKey(owner), priceKey(owner)).Err() }))
}

// Merge adds the lines of from to to. The two carts may live in different cluster slots, so
// this is read-modify-write rather than one script; it runs once per login.
func (k *Carts) Merge(ctx context.Context, from, to string) error {
	src, err := k.Items(ctx, from)
	if err != nil || len(src) == 0 {
		return err
	}
	dst, err := k.Items(ctx, to)
	if err != nil {
		return err
	}
	fields := make([]any, 0, 2*len(src))
	var prices []any
	for id, line := range src {
		have, exists := dst[id]
		if !exists && len(dst)+len(fields)/2 >= store.MaxCartLines {
			continue
		}
		fields = append(fields, strconv.FormatInt(id, 10), min(have.Quantity+line.Quantity, store.MaxLineQty))
		if p := encodePrice(line.Seen); !exists && p != "" {
			prices = append(prices, strconv.FormatInt(id, 10), p)
		}
	}
	return unavailable(k.c.do(ctx, func(ctx context.Context) error {
		_, err := k.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if len(fields) > 0 {
				p.HSet(ctx, cartKey(to), fields...)
				p.PExpire(ctx, cartKey(to), k.ttl)
			}
			if len(prices) > 0 {
				p.HSet(ctx, priceKey(to), prices...)
				p.PExpire(ctx, priceKey(to), k.ttl)
			}
			p.Del(ctx, cartKey(from), priceKey(from))
			return nil
		})
		return err
	}))
}

// Ping checks Redis.
func (k *Carts) Ping(ctx context.Context) error { return unavailable(k.c.Ping(ctx)) }
