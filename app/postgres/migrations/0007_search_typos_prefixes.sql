-- Search tolerates a typo ("walnot chiar") and a prefix ("wal"): every word of product names,
-- brands and categories is kept in search_terms, and a query word that is neither a term nor
-- the start of one is replaced by the nearest term by trigram distance (pg_trgm,
-- https://www.postgresql.org/docs/15/pgtrgm.html: similarity, the <-> distance and its GiST
-- operator class for nearest-neighbour scans). pg_trgm is a trusted extension (PostgreSQL 13+),
-- and Amazon RDS and Aurora PostgreSQL support it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- "C" collation: byte order, so "term >= w AND term < w || chr(1114111)" is an index range of
-- the terms starting with w.
CREATE TABLE search_terms (term text COLLATE "C" PRIMARY KEY);
CREATE INDEX search_terms_trgm ON search_terms USING gist (term gist_trgm_ops);

CREATE FUNCTION storefront_words(name text, brand text, category text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(name || ' ' || brand || ' ' || replace(category, '-', ' ')), '[^[:alnum:]]+') w
    WHERE length(w) BETWEEN 3 AND 64
$$;

-- Inserts (COPY of a whole catalog included) add their words once per statement.
CREATE FUNCTION storefront_terms_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_terms (term)
    SELECT DISTINCT w FROM new_rows, storefront_words(new_rows.name, new_rows.brand, new_rows.category) w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER products_terms_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION storefront_terms_inserted();

-- Renames add theirs; stock and price updates (checkout) do not fire it. Terms are never
-- removed: a stale term only corrects a word towards something that matches nothing.
CREATE FUNCTION storefront_terms_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_terms (term) SELECT w FROM storefront_words(NEW.name, NEW.brand, NEW.category) w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER products_terms_updated AFTER UPDATE OF name, brand, category ON products
    FOR EACH ROW EXECUTE FUNCTION storefront_terms_updated();

INSERT INTO search_terms (term)
SELECT DISTINCT w FROM products, storefront_words(products.name, products.brand, products.category) w
ON CONFLICT DO NOTHING;
