package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// CreateReview inserts a review and adds it to the product's rating in one transaction.
func (d *DB) CreateReview(ctx context.Context, productID, userID int64, in store.ReviewInput) (store.Review, string, error) {
	var r store.Review
	var category string
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the product first: it must exist, and the aggregate update below needs the lock anyway.
		err := tx.QueryRow(ctx, "SELECT category FROM products WHERE id = $1 FOR NO KEY UPDATE", productID).Scan(&category)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("product", productID)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO reviews (product_id, user_id, rating, title, body) VALUES ($1, $2, $3, $4, $5)
			RETURNING id, created_at, (SELECT name FROM users WHERE id = $2)`, productID, userID, in.Rating, in.Title, in.Body).
			Scan(&r.ID, &r.CreatedAt, &r.Author)
		if code, _ := pgCode(err); code == "23505" {
			return store.Conflict("review_exists", "you already reviewed product %d; delete that review to post a new one", productID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE products SET rating_sum = rating_sum + $2, rating_count = rating_count + 1, updated_at = now() WHERE id = $1",
			productID, in.Rating); err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.updated", productID)
	})
	r.ProductID, r.UserID, r.Rating, r.Title, r.Body, r.CreatedAt = productID, userID, in.Rating, in.Title, in.Body, r.CreatedAt.UTC()
	r.Author = store.DisplayName(r.Author)
	return r, category, mapErr(err)
}

// DeleteReview removes a review and takes it out of the product's rating.
func (d *DB) DeleteReview(ctx context.Context, reviewID, userID int64, asAdmin bool) (store.Review, string, error) {
	var r store.Review
	var category string
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT product_id, user_id, rating FROM reviews WHERE id = $1", reviewID).Scan(&r.ProductID, &r.UserID, &r.Rating)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && r.UserID != userID && !asAdmin {
			return store.NotFound("review", reviewID) // others' reviews are not deletable, and not revealed
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT category FROM products WHERE id = $1 FOR NO KEY UPDATE", r.ProductID).Scan(&category); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM reviews WHERE id = $1", reviewID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 { // deleted concurrently
			return store.NotFound("review", reviewID)
		}
		if _, err := tx.Exec(ctx, "UPDATE products SET rating_sum = rating_sum - $2, rating_count = rating_count - 1, updated_at = now() WHERE id = $1",
			r.ProductID, r.Rating); err != nil {
			return err
		}
		return productEvent(ctx, tx, "product.updated", r.ProductID)
	})
	r.ID = reviewID
	return r, category, mapErr(err)
}

// ListReviews returns a product's reviews, newest first.
func (d *DB) ListReviews(ctx context.Context, productID int64, limit int, beforeID int64) (store.Page[store.Review], error) {
	page := store.Page[store.Review]{Items: []store.Review{}}
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	var exists bool
	if err := d.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM products WHERE id = $1)", productID).Scan(&exists); err != nil {
		return page, mapErr(err)
	}
	if !exists {
		return page, store.NotFound("product", productID)
	}
	rows, err := d.pool.Query(ctx, `SELECT r.id, r.product_id, r.user_id, u.name, r.rating, r.title, r.body, r.created_at
		FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.product_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3`,
		productID, beforeID, limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r store.Review
		if err := rows.Scan(&r.ID, &r.ProductID, &r.UserID, &r.Author, &r.Rating, &r.Title, &r.Body, &r.CreatedAt); err != nil {
			return page, mapErr(err)
		}
		r.CreatedAt, r.Author = r.CreatedAt.UTC(), store.DisplayName(r.Author)
		page.Items = append(page.Items, r)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = store.Cursor{Sort: "reviews", ID: page.Items[limit-1].ID}.Encode()
	}
	return page, mapErr(rows.Err())
}
