-- Listings filtered by both category and brand (newest first) were a bitmap AND of the
-- category and brand indexes followed by a sort of every match; this index makes them a
-- range scan in keyset order that stops after one page, like the other (filter, sort) pairs.
CREATE INDEX products_category_brand_id ON products (category, brand, id);

-- Checkout updates stock on a few hot rows many times. With pages packed full (COPY, 100%
-- fillfactor) a new row version cannot stay on its page, so each update also inserts into
-- every index on the table, the GIN included; 10% free space lets them be HOT updates. Applies to
-- pages written from now on (a VACUUM FULL or CLUSTER rewrites existing ones).
ALTER TABLE products SET (fillfactor = 90);
