-- Admin order search: by status, by creation time (newest first, keyset by id).
CREATE INDEX orders_status ON orders (status, id DESC);
CREATE INDEX orders_created ON orders (created_at, id);
