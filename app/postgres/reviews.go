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
		// Drafts cannot be reviewed: shoppers cannot see them.
		err := tx.QueryRow(ctx, "SELECT category FROM products WHERE id = $1 AND published FOR NO KEY UPDATE", productID).Scan(&category)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("product", productID)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO reviews (product_id, user_id, rating, title, body, verified) VALUES ($1, $2, $3, $4, $5,
				EXISTS (SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id
				        WHERE i.product_id = $1 AND o.user_id = $2 AND o.status IN ('paid', 'shipped', 'delivered')))
			RETURNING id, created_at, verified, (SELECT name FROM users WHERE id = $2)`, productID, userID, in.Rating, in.Title, in.Body).
			Scan(&r.ID, &r.CreatedAt, &r.Verified, &r.Author)
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
		err := tx.QueryRow(ctx, "SELECT product_id, user_id, rating, hidden_at IS NOT NULL FROM reviews WHERE id = $1", reviewID).Scan(&r.ProductID, &r.UserID, &r.Rating, &r.Hidden)
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
		if r.Hidden { // not in the rating
			return nil
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
	if err := d.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM products WHERE id = $1 AND published)", productID).Scan(&exists); err != nil {
		return page, mapErr(err)
	}
	if !exists {
		return page, store.NotFound("product", productID)
	}
	rows, err := d.pool.Query(ctx, `SELECT `+reviewCols+`
		FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.product_id = $1 AND r.id < $2 AND r.hidden_at IS NULL ORDER BY r.id DESC LIMIT $3`,
		productID, beforeID, limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	if page.Items, err = scanReviews(rows); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = store.Cursor{Sort: "reviews", ID: page.Items[limit-1].ID}.Encode()
	}
	return page, mapErr(rows.Err())
}

const reviewCols = "r.id, r.product_id, r.user_id, u.name, r.rating, r.title, r.body, r.verified, r.hidden_at IS NOT NULL, r.created_at"

// scanReviews reads reviewCols rows; authors are shown by DisplayName.
func scanReviews(rows pgx.Rows) ([]store.Review, error) {
	defer rows.Close()
	out := []store.Review{}
	for rows.Next() {
		var r store.Review
		if err := rows.Scan(&r.ID, &r.ProductID, &r.UserID, &r.Author, &r.Rating, &r.Title, &r.Body, &r.Verified, &r.Hidden, &r.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		r.CreatedAt, r.Author = r.CreatedAt.UTC(), store.DisplayName(r.Author)
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// SetReviewHidden hides or shows a review and moves it out of or into the product's rating,
// in one transaction; setting the state it already has changes nothing.
func (d *DB) SetReviewHidden(ctx context.Context, reviewID int64, hidden bool) (store.Review, string, error) {
	var r store.Review
	var category string
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var productID int64
		err := tx.QueryRow(ctx, "SELECT product_id FROM reviews WHERE id = $1", reviewID).Scan(&productID)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.NotFound("review", reviewID)
		}
		if err != nil {
			return err
		}
		// Product first, then review: the lock order of CreateReview and DeleteReview.
		if err := tx.QueryRow(ctx, "SELECT category FROM products WHERE id = $1 FOR NO KEY UPDATE", productID).Scan(&category); err != nil {
			return err
		}
		var was bool
		if err := tx.QueryRow(ctx, "SELECT hidden_at IS NOT NULL FROM reviews WHERE id = $1 FOR UPDATE", reviewID).Scan(&was); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return store.NotFound("review", reviewID)
			}
			return err
		}
		if was != hidden {
			sign := 1
			if hidden {
				sign = -1
			}
			if _, err := tx.Exec(ctx, "UPDATE reviews SET hidden_at = CASE WHEN $2 THEN now() END WHERE id = $1", reviewID, hidden); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE products p SET rating_sum = p.rating_sum + $2 * r.rating, rating_count = p.rating_count + $2, updated_at = now()
				FROM reviews r WHERE r.id = $1 AND p.id = r.product_id`, reviewID, sign); err != nil {
				return err
			}
			if err := productEvent(ctx, tx, "product.updated", productID); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "SELECT "+reviewCols+" FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.id = $1", reviewID)
		if err != nil {
			return err
		}
		list, err := scanReviews(rows)
		if err != nil || len(list) == 0 {
			return err
		}
		r = list[0]
		return nil
	})
	return r, category, mapErr(err)
}

// ListHiddenReviews pages the hidden reviews, newest first.
func (d *DB) ListHiddenReviews(ctx context.Context, limit int, beforeID int64) (store.Page[store.Review], error) {
	page := store.Page[store.Review]{Items: []store.Review{}}
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := d.pool.Query(ctx, "SELECT "+reviewCols+` FROM reviews r JOIN users u ON u.id = r.user_id
		WHERE r.hidden_at IS NOT NULL AND r.id < $1 ORDER BY r.id DESC LIMIT $2`, beforeID, limit+1)
	if err != nil {
		return page, mapErr(err)
	}
	if page.Items, err = scanReviews(rows); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = store.Cursor{Sort: "hidden_reviews", ID: page.Items[limit-1].ID}.Encode()
	}
	return page, nil
}
