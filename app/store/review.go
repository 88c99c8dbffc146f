package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Review is one user's rating of a product; a user reviews a product at most once.
type Review struct {
	ID        int64  `json:"id"`
	ProductID int64  `json:"product_id"`
	UserID    int64  `json:"-"`      // not shown: reviews do not identify accounts
	Author    string `json:"author"` // DisplayName of the reviewer
	Rating    int    `json:"rating"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	// Verified: the author had bought the product (a paid, shipped or delivered order) when
	// posting; reviews of other customers are accepted and shown with verified false.
	Verified  bool      `json:"verified"`
	Hidden    bool      `json:"hidden,omitempty"` // hidden by a moderator (admin views only)
	CreatedAt time.Time `json:"created_at"`
}

// DisplayName is how a reviewer is shown: the first word of the name and the initial of the
// last ("Ada Lovelace" -> "Ada L."), or the only word.
func DisplayName(name string) string {
	words := strings.Fields(name)
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	initial, _ := utf8.DecodeRuneInString(words[len(words)-1])
	return words[0] + " " + string(initial) + "."
}

// ReviewInput is the body of a new review.
type ReviewInput struct {
	Rating int    `json:"rating"`
	Title  string `json:"title"`
	Body   string `json:"body"`
}

// Validate checks a review.
func (r ReviewInput) Validate() error {
	if r.Rating < 1 || r.Rating > 5 {
		return Invalid("rating", "rating must be an integer from 1 to 5")
	}
	if err := checkText("title", r.Title, 0, 200); err != nil {
		return err
	}
	return checkParagraphs("body", r.Body, 0, 5000)
}

// ReviewRepository stores reviews and keeps the product's rating aggregate in the same transaction.
type ReviewRepository interface {
	// CreateReview fails with conflict review_exists for a second review by the same user.
	CreateReview(ctx context.Context, productID, userID int64, in ReviewInput) (Review, string, error)
	// DeleteReview deletes a review owned by userID (any review when asAdmin); returns the product category.
	DeleteReview(ctx context.Context, reviewID, userID int64, asAdmin bool) (Review, string, error)
	ListReviews(ctx context.Context, productID int64, limit int, afterID int64) (Page[Review], error)
	// SetReviewHidden hides a review (out of listings and the product's rating) or shows it
	// again; returns the product category.
	SetReviewHidden(ctx context.Context, reviewID int64, hidden bool) (Review, string, error)
	// ListHiddenReviews pages the hidden reviews, newest first (moderation).
	ListHiddenReviews(ctx context.Context, limit int, beforeID int64) (Page[Review], error)
}

// Reviews posts and deletes reviews and refreshes cached products.
type Reviews struct {
	Repo    ReviewRepository
	Catalog *Catalog
}

// Post adds the caller's review.
func (r *Reviews) Post(ctx context.Context, productID, userID int64, in ReviewInput) (Review, error) {
	if err := in.Validate(); err != nil {
		return Review{}, err
	}
	rv, category, err := r.Repo.CreateReview(ctx, productID, userID, in)
	if err != nil {
		return Review{}, err
	}
	r.Catalog.ProductChanged(ctx, productID, category)
	return rv, nil
}

// Delete removes a review the caller owns (admins may remove any).
func (r *Reviews) Delete(ctx context.Context, reviewID, userID int64, asAdmin bool) error {
	rv, category, err := r.Repo.DeleteReview(ctx, reviewID, userID, asAdmin)
	if err != nil {
		return err
	}
	r.Catalog.ProductChanged(ctx, rv.ProductID, category)
	return nil
}

// SetHidden hides or shows a review (moderation) and refreshes the product's rating.
func (r *Reviews) SetHidden(ctx context.Context, reviewID int64, hidden bool) (Review, error) {
	rv, category, err := r.Repo.SetReviewHidden(ctx, reviewID, hidden)
	if err != nil {
		return Review{}, err
	}
	r.Catalog.ProductChanged(ctx, rv.ProductID, category)
	return rv, nil
}
