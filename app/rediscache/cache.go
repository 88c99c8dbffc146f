package rediscache

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache implements store.Cache. Each group has a data key (a string, or a hash of fields) and a
// generation counter; both share a hash tag so they live in one cluster slot.
type Cache struct {
	c      *Client
	prefix string
}

// genTTL bounds the lifetime of generation counters. An expired counter reads as "0"; a fill
// that read another value then fails its check, so expiry can only skip a fill, never go stale.
const genTTL = 24 * time.Hour

// maxFields bounds the cached listings per group, so arbitrary query combinations cannot grow
// one hash without limit.
const maxFields = 2000

// NewCache returns the cache on client c.
func NewCache(c *Client) *Cache { return &Cache{c: c, prefix: "sf:"} }

func (k *Cache) keys(group string) (data, gen string) {
	base := k.prefix + "{" + group + "}"
	return base + ":d", base + ":g"
}

// Get returns the cached document or the generation token for a later Fill.
func (k *Cache) Get(ctx context.Context, group, field string) ([]byte, string, bool, error) {
	data, gen := k.keys(group)
	var val []byte
	var token string
	var ok bool
	err := k.c.do(ctx, func(ctx context.Context) error {
		if field == "" {
			vals, err := k.c.rdb.MGet(ctx, data, gen).Result()
			if err != nil {
				return err
			}
			if s, isStr := vals[0].(string); isStr {
				val, ok = []byte(s), true
			}
			token, _ = vals[1].(string)
			return nil
		}
		var hget *redis.StringCmd
		var gget *redis.StringCmd
		_, err := k.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			hget = p.HGet(ctx, data, field)
			gget = p.Get(ctx, gen)
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if b, err := hget.Bytes(); err == nil {
			val, ok = b, true
		}
		token = gget.Val()
		return nil
	})
	if token == "" {
		token = "0"
	}
	return val, token, ok, err
}

var fillScript = redis.NewScript(`
local g = redis.call('GET', KEYS[2]) or '0'
if g ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  return 1
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`)

// Fill stores val if the group's generation still equals token.
func (k *Cache) Fill(ctx context.Context, group, field, token string, val []byte, ttl time.Duration) error {
	data, gen := k.keys(group)
	return k.c.do(ctx, func(ctx context.Context) error {
		return fillScript.Run(ctx, k.c.rdb, []string{data, gen}, token, val, field, ttl.Milliseconds(), maxFields).Err()
	})
}

// Invalidate bumps each group's generation and deletes its data.
func (k *Cache) Invalidate(ctx context.Context, groups ...string) error {
	return k.c.do(ctx, func(ctx context.Context) error {
		_, err := k.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			k.queueInvalidate(ctx, p, groups)
			return nil
		})
		return err
	})
}

func (k *Cache) queueInvalidate(ctx context.Context, p redis.Pipeliner, groups []string) {
	for _, g := range groups {
		data, gen := k.keys(g)
		p.Incr(ctx, gen)
		p.PExpire(ctx, gen, genTTL)
		p.Del(ctx, data)
	}
}

// Generation returns a group's counter (tests use it to observe invalidation).
func (k *Cache) Generation(ctx context.Context, group string) (int64, error) {
	_, gen := k.keys(group)
	n, err := k.c.rdb.Get(ctx, gen).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
