-- 033_cart_checkouts.sql - one cart, one checkout.
--
-- A cart (a Redis hash) carries a version: a random token that every
-- change to it replaces. Checkout inserts (buyer, version) here as the
-- first write of its transaction, so two checkouts of the same cart at the
-- same moment (a double tap, a phone and a laptop, each with its own
-- Idempotency-Key) meet on this primary key: the second waits for the
-- first and, once it commits, finds the version taken and answers 409
-- cart_empty; if the first rolls back (out of stock), the second goes on.
-- Rows are purged with the idempotency keys, after 48 hours.
CREATE TABLE cart_checkouts (
    account_id   BIGINT UNSIGNED NOT NULL,
    cart_version CHAR(32) NOT NULL,
    created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (account_id, cart_version),
    KEY ix_cart_checkouts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
