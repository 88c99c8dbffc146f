-- Stock never exceeds the documented maximum (store.MaxStock), whichever writer adds to it.
ALTER TABLE products ADD CONSTRAINT products_stock_max CHECK (stock <= 1000000000);
