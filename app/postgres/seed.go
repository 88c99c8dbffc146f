package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	seedCategories = []string{"chairs", "tables", "lamps", "sofas", "beds", "desks", "shelves", "rugs", "mirrors", "clocks",
		"kettles", "toasters", "blenders", "headphones", "speakers", "keyboards", "monitors", "backpacks", "jackets", "sneakers",
		"watches", "sunglasses", "tents", "bicycles", "helmets", "yoga-mats", "water-bottles", "notebooks", "pens", "mugs"}
	seedBrands = []string{"Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
		"Tyrell", "Cyberdyne", "Soylent", "Aperture", "Gekko", "Oscorp", "Pied Piper", "Monarch", "Dunder", "Sterling",
		"Nakatomi", "Virtucon", "Zorg", "Massive", "Blue Sun", "Ollivander", "Duff", "Krusty", "Vault", "Weyland"}
	seedAdjectives = []string{"classic", "modern", "rustic", "compact", "deluxe", "ergonomic", "vintage", "portable", "premium",
		"lightweight", "sturdy", "elegant", "minimalist", "cozy", "sleek", "handmade", "foldable", "smart", "wireless", "durable",
		"recycled", "organic", "waterproof", "quiet", "bright", "warm", "nordic", "industrial", "urban", "coastal"}
	seedMaterials = []string{"oak", "walnut", "steel", "aluminium", "bamboo", "leather", "linen", "cotton", "wool", "glass",
		"ceramic", "marble", "copper", "brass", "pine", "birch", "velvet", "canvas", "carbon", "rattan"}
	seedWords = strings.Fields(`comfortable design perfect everyday use built last years carefully crafted finish tested
		quality materials easy clean assemble minutes fits small spaces apartment office studio garden travel outdoor indoor
		gift family friends warranty included sustainable sourced soft touch strong frame stable base adjustable height
		natural grain texture colour palette matches any interior energy efficient long battery life fast charging noise
		cancelling crisp sound rich bass precise control responsive keys vivid display sharp contrast wide angle reinforced
		stitching breathable lining water resistant zip pockets padded straps ventilated shell reflective details secure
		lock smooth ride puncture resistant tyres lightweight alloy ergonomic grip insulated keeps drinks cold hot hours
		smooth paper lay flat binding refillable ink dishwasher safe microwave stylish handle generous capacity`)
)

// SeedProducts inserts n generated products with COPY (deterministic for a given seed) and
// returns how many rows were written. SKUs continue after existing SEED- products.
func (d *DB) SeedProducts(ctx context.Context, n int, seed uint64) (int64, error) {
	var start int
	if err := d.pool.QueryRow(ctx, "SELECT count(*) FROM products WHERE sku LIKE 'SEED-%'").Scan(&start); err != nil {
		return 0, mapErr(err)
	}
	r := rand.New(rand.NewPCG(seed, uint64(start)))
	now := time.Now().UTC()
	rows := make([][]any, 0, n)
	for i := 0; i < n; i++ {
		adj, mat := seedAdjectives[r.IntN(len(seedAdjectives))], seedMaterials[r.IntN(len(seedMaterials))]
		cat := seedCategories[r.IntN(len(seedCategories))]
		noun := strings.TrimSuffix(strings.ReplaceAll(cat, "-", " "), "s")
		brand := seedBrands[r.IntN(len(seedBrands))]
		words := make([]string, 12+r.IntN(12))
		for j := range words {
			words[j] = seedWords[r.IntN(len(seedWords))]
		}
		desc := fmt.Sprintf("A %s %s %s by %s. %s.", adj, mat, noun, brand, strings.Join(words, " "))
		price := int64(199 + r.IntN(200000))
		stock := r.IntN(200)
		if r.IntN(10) == 0 {
			stock = 0
		}
		attrs := map[string]string{"material": mat, "color": []string{"black", "white", "red", "blue", "green", "grey"}[r.IntN(6)]}
		rows = append(rows, []any{fmt.Sprintf("SEED-%07d", start+i+1), fmt.Sprintf("%s %s %s %s", brand, adj, mat, noun), desc,
			price, "USD", cat, brand, attrs, stock, now, now})
	}
	var cnt int64
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		// A large catalog takes longer than the per-statement timeout that protects requests.
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		var err error
		cnt, err = tx.CopyFrom(ctx, pgx.Identifier{"products"},
			[]string{"sku", "name", "description", "price_minor", "currency", "category", "brand", "attributes", "stock", "created_at", "updated_at"},
			pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return cnt, mapErr(err)
	}
	// VACUUM sets visibility and hint bits now, so the first readers do not pay for it.
	_, err = d.pool.Exec(ctx, "VACUUM (ANALYZE) products")
	return cnt, mapErr(err)
}
