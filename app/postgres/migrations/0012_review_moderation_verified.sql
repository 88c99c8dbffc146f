-- Moderation: a hidden review is not listed and not counted in the product's rating.
-- verified: the author had bought the product (a paid, shipped or delivered order) when posting.
ALTER TABLE reviews ADD COLUMN hidden_at timestamptz;
ALTER TABLE reviews ADD COLUMN verified boolean NOT NULL DEFAULT false;
UPDATE reviews r SET verified = EXISTS (
    SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
    WHERE o.user_id = r.user_id AND i.product_id = r.product_id AND o.status IN ('paid', 'shipped', 'delivered'));
CREATE INDEX reviews_hidden ON reviews (id) WHERE hidden_at IS NOT NULL;
CREATE INDEX reviews_user ON reviews (user_id);
