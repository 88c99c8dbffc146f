package rediscache

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Near is a small in-process cache in front of Cache. Hot documents are served without a Redis
// round trip; invalidations drop local copies at once in the writing instance and, through a
// Redis channel, within milliseconds in the others. If that channel is interrupted (Redis
// down), a local copy lives at most localTTL, which bounds staleness across instances.
type Near struct {
	*Cache
	ttl     time.Duration
	max     int
	seed    maphash.Seed
	shards  [32]nearShard
	channel string
	log     *slog.Logger
}

type nearShard struct {
	mu      sync.RWMutex
	entries map[string]map[string]nearEntry // group -> field -> entry
	size    int
	gens    map[string]uint64 // per-group local generation, fences fills racing an invalidation
}

type nearEntry struct {
	val []byte
	exp int64
}

// NewNear wraps c with a local cache of at most maxEntries entries living at most localTTL, and
// starts listening for invalidations from other instances until ctx ends.
func NewNear(ctx context.Context, c *Cache, localTTL time.Duration, maxEntries int, log *slog.Logger) *Near {
	n := &Near{Cache: c, ttl: localTTL, max: maxEntries, seed: maphash.MakeSeed(), channel: c.prefix + "invalidate", log: log}
	for i := range n.shards {
		n.shards[i].entries = map[string]map[string]nearEntry{}
		n.shards[i].gens = map[string]uint64{}
	}
	go n.listen(ctx)
	return n
}

func (n *Near) shard(group string) *nearShard {
	return &n.shards[maphash.String(n.seed, group)%uint64(len(n.shards))]
}

// Get serves from the local copy when fresh, else from Redis (keeping a local copy).
func (n *Near) Get(ctx context.Context, group, field string) ([]byte, string, bool, error) {
	s := n.shard(group)
	now := time.Now().UnixNano()
	s.mu.RLock()
	e, ok := s.entries[group][field]
	gen := s.gens[group]
	s.mu.RUnlock()
	if ok && now < e.exp {
		return e.val, "", true, nil
	}
	val, token, ok, err := n.Cache.Get(ctx, group, field)
	if ok {
		n.keep(s, group, field, gen, val)
	}
	return val, token, ok, err
}

// Fill stores in Redis and keeps a local copy.
func (n *Near) Fill(ctx context.Context, group, field, token string, val []byte, ttl time.Duration) error {
	s := n.shard(group)
	s.mu.RLock()
	gen := s.gens[group]
	s.mu.RUnlock()
	err := n.Cache.Fill(ctx, group, field, token, val, ttl)
	if err == nil {
		n.keep(s, group, field, gen, val)
	}
	return err
}

func (n *Near) keep(s *nearShard, group, field string, gen uint64, val []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gens[group] != gen {
		return // invalidated while we were reading
	}
	if s.size >= n.max/len(n.shards) {
		clear(s.entries) // crude but bounded; hot entries come back on the next read
		s.size = 0
	}
	g := s.entries[group]
	if g == nil {
		g = map[string]nearEntry{}
		s.entries[group] = g
	}
	if _, exists := g[field]; !exists {
		s.size++
	}
	g[field] = nearEntry{val: val, exp: time.Now().Add(n.ttl).UnixNano()}
}

// Invalidate drops local copies, invalidates Redis, and tells the other instances, in one
// round trip: Redis runs the pipeline in order, so the notices go out after the deletions.
func (n *Near) Invalidate(ctx context.Context, groups ...string) error {
	n.dropLocal(groups...)
	return n.c.do(ctx, func(ctx context.Context) error {
		_, err := n.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			n.queueInvalidate(ctx, p, groups)
			for _, g := range groups {
				p.Publish(ctx, n.channel, g)
			}
			return nil
		})
		return err
	})
}

func (n *Near) dropLocal(groups ...string) {
	for _, g := range groups {
		s := n.shard(g)
		s.mu.Lock()
		s.gens[g]++
		s.size -= len(s.entries[g])
		delete(s.entries, g)
		s.mu.Unlock()
	}
}

// listen applies other instances' invalidations. The subscription reconnects by itself after
// a Redis outage; messages sent meanwhile are lost, which the local TTL covers.
func (n *Near) listen(ctx context.Context) {
	sub := n.c.rdb.Subscribe(ctx, n.channel)
	go func() {
		<-ctx.Done()
		_ = sub.Close()
	}()
	for msg := range sub.Channel(redis.WithChannelHealthCheckInterval(5 * time.Second)) {
		n.dropLocal(msg.Payload)
	}
}
