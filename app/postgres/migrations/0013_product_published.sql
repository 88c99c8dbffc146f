-- Draft products: published = false keeps a product out of listings, search, product pages,
-- facets, carts and checkout until an admin publishes it. Existing products stay published
-- (a constant default adds the column without rewriting the table).
ALTER TABLE products ADD COLUMN published boolean NOT NULL DEFAULT true;
