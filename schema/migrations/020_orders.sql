-- Buying: orders and their lines, idempotency keys, payment notices and
-- flash sales. Money is integer fen. Times are UTC (UTC_TIMESTAMP()).
--
-- Stock lives in lots/inventory_ledger (010): an order line names the lot it
-- was reserved from, and its ledger rows carry the order id.
CREATE TABLE flash_sales (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id          BIGINT UNSIGNED NOT NULL,
    sku_id           BIGINT UNSIGNED NOT NULL,
    price_fen        INT UNSIGNED NOT NULL,
    quantity         INT UNSIGNED NOT NULL,          -- units on sale (= its slots)
    per_buyer_limit  INT UNSIGNED NOT NULL DEFAULT 1, -- units one buyer may hold
    mode             ENUM('redis','rowlock') NOT NULL DEFAULT 'redis',
    starts_at        DATETIME(3) NOT NULL,
    ends_at          DATETIME(3) NOT NULL,
    released         TINYINT(1) NOT NULL DEFAULT 0,   -- unsold units returned to their lots (after the end)
    created_by       BIGINT UNSIGNED NOT NULL,
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_flash_active (released, ends_at, id),
    KEY ix_flash_coop (coop_id, id),
    CONSTRAINT fk_flash_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT fk_flash_sku FOREIGN KEY (sku_id) REFERENCES skus (id),
    CONSTRAINT ck_flash_price CHECK (price_fen > 0),
    CONSTRAINT ck_flash_times CHECK (ends_at > starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per unit on sale. Creating a sale reserves its units from the
-- SKU's lots (ledger 'reservation' rows noting the sale) and binds each slot
-- to its lot; an order claims slots with `order_id IS NULL` guards, so no
-- unit can be sold twice and no single row is hot. Unsold slots go back to
-- their lots when the sale has ended ('cancellation' rows).
CREATE TABLE flash_slots (
    sale_id  BIGINT UNSIGNED NOT NULL,
    slot     INT UNSIGNED NOT NULL,                  -- 0 .. quantity - 1
    lot_id   BIGINT UNSIGNED NOT NULL,
    order_id BIGINT UNSIGNED NULL,
    PRIMARY KEY (sale_id, slot),
    KEY ix_slots_free (sale_id, order_id),
    KEY ix_slots_order (order_id),
    CONSTRAINT fk_slots_lot FOREIGN KEY (lot_id) REFERENCES lots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Units each buyer holds in a flash sale (guarded by per_buyer_limit).
CREATE TABLE flash_buyers (
    sale_id    BIGINT UNSIGNED NOT NULL,
    account_id BIGINT UNSIGNED NOT NULL,
    units      INT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE orders (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    buyer_account_id BIGINT UNSIGNED NOT NULL,
    coop_id          BIGINT UNSIGNED NOT NULL,
    flash_sale_id    BIGINT UNSIGNED NULL,
    status           ENUM('pending_payment','paid','confirmed','shipped','delivered','completed',
                          'cancelled','refunded') NOT NULL,
    payment_method   ENUM('online','cod') NOT NULL,
    total_fen        BIGINT UNSIGNED NOT NULL,
    ship_name        VARCHAR(64) NOT NULL,
    ship_phone       VARCHAR(20) NOT NULL,
    ship_province    VARCHAR(32) NOT NULL,
    ship_city        VARCHAR(32) NOT NULL,
    ship_county      VARCHAR(32) NOT NULL,
    ship_detail      VARCHAR(255) NOT NULL,
    carrier          VARCHAR(64) NULL,
    tracking_no      VARCHAR(64) NULL,
    payment_txn      VARCHAR(128) NULL,
    cancel_reason    VARCHAR(255) NULL,
    expires_at       DATETIME(3) NULL,               -- pending_payment only
    paid_at          DATETIME(3) NULL,
    shipped_at       DATETIME(3) NULL,
    delivered_at     DATETIME(3) NULL,
    completed_at     DATETIME(3) NULL,
    cancelled_at     DATETIME(3) NULL,
    refunded_at      DATETIME(3) NULL,
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_orders_buyer (buyer_account_id, id),
    KEY ix_orders_coop (coop_id, status, id),
    KEY ix_orders_expiry (status, expires_at),
    KEY ix_orders_flash (flash_sale_id, buyer_account_id),
    CONSTRAINT fk_orders_buyer FOREIGN KEY (buyer_account_id) REFERENCES accounts (id),
    CONSTRAINT fk_orders_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id)
    -- no foreign key on flash_sale_id: its shared lock on the flash_sales
    -- row would serialise the row-lock path's FOR UPDATE readers.
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per (order, SKU, lot): a SKU served from two lots is two lines.
-- Name, spec and price are snapshots taken at checkout.
CREATE TABLE order_lines (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id       BIGINT UNSIGNED NOT NULL,
    sku_id         BIGINT UNSIGNED NOT NULL,
    lot_id         BIGINT UNSIGNED NOT NULL,
    product_name   VARCHAR(128) NOT NULL,
    spec           VARCHAR(64) NOT NULL,
    unit           VARCHAR(16) NOT NULL,
    quantity       INT UNSIGNED NOT NULL,
    unit_price_fen INT UNSIGNED NOT NULL,
    KEY ix_lines_order (order_id),
    KEY ix_lines_lot (lot_id),
    CONSTRAINT fk_lines_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_lines_sku FOREIGN KEY (sku_id) REFERENCES skus (id),
    CONSTRAINT fk_lines_lot FOREIGN KEY (lot_id) REFERENCES lots (id),
    CONSTRAINT ck_lines_qty CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first answer to each Idempotency-Key, per account and scope (the
-- route), replayed for retries. Rows are kept at least 24 hours (purged
-- after 48 by the orders sweeper).
CREATE TABLE idempotency_keys (
    account_id   BIGINT UNSIGNED NOT NULL,
    scope        VARCHAR(64) NOT NULL,
    idem_key     VARCHAR(255) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    status_code  SMALLINT UNSIGNED NOT NULL,
    response     MEDIUMTEXT NOT NULL,
    created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (account_id, scope, idem_key),
    KEY ix_idem_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every payment notice that passed the signature check, with what it did.
CREATE TABLE payment_notices (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id    BIGINT UNSIGNED NULL,
    txn_id      VARCHAR(128) NOT NULL,
    amount_fen  BIGINT NOT NULL,
    outcome     ENUM('paid','duplicate','refused') NOT NULL,
    reason      VARCHAR(255) NULL,
    received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_notices_order (order_id),
    KEY ix_notices_txn (txn_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
