-- Checkout sends its whole transaction in one pipelined round trip. The idempotency record is
-- written first, complete with the order id and the response, so that concurrent requests with
-- the same key queue on it before touching any stock; the order row is inserted later in the
-- same transaction, so the reference to it is checked at commit.
ALTER TABLE idempotency_keys ALTER CONSTRAINT idempotency_keys_order_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- Reserves stock for the lines of an order, in the order given (callers sort by product id, the
-- lock order every stock writer uses). Aborts the transaction with constraint
-- products_stock_available when a product has too little stock, and with constraint
-- products_price_unchanged when its price or currency differs from the quoted one or it no
-- longer exists; the CHECK on products stays the last line of defence. Returns the stock left
-- and the category of each product.
CREATE FUNCTION storefront_reserve_stock(ids bigint[], qtys integer[], prices bigint[], cur text, at timestamptz)
RETURNS TABLE (reserved_id bigint, stock_after integer, product_category text)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        UPDATE products p SET stock = p.stock - qtys[i], updated_at = at
         WHERE p.id = ids[i] AND p.price_minor = prices[i] AND p.currency = cur AND p.stock >= qtys[i]
        RETURNING p.id, p.stock, p.category INTO reserved_id, stock_after, product_category;
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM products p WHERE p.id = ids[i] AND p.price_minor = prices[i] AND p.currency = cur) THEN
                RAISE EXCEPTION 'product % does not have % in stock', ids[i], qtys[i]
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'products_stock_available';
            END IF;
            RAISE EXCEPTION 'product % changed price or was removed since it was quoted', ids[i]
                USING CONSTRAINT = 'products_price_unchanged';
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
