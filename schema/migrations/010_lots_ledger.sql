-- Lots (batches) and the inventory ledger, shared by traceability and buying.
--
-- A lot's `remaining` is a cached sum of its ledger rows, written in the same
-- transaction as every ledger row (tests check remaining = SUM(delta) after
-- each suite). Stock is never overwritten: every change is a ledger row.
CREATE TABLE lots (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code              VARCHAR(64) NOT NULL,           -- printable, e.g. AY-EGG-20261120-01
    sku_id            BIGINT UNSIGNED NOT NULL,
    coop_id           BIGINT UNSIGNED NOT NULL,
    base_id           BIGINT UNSIGNED NULL,
    farmer_account_id BIGINT UNSIGNED NULL,           -- responsible farmer
    quantity          INT UNSIGNED NOT NULL,          -- as produced, in `unit`
    unit              VARCHAR(16) NOT NULL,
    remaining         INT NOT NULL,                   -- = SUM(inventory_ledger.delta)
    harvest_date      DATE NULL,
    pack_date         DATE NULL,
    created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_lots_code (code),
    KEY ix_lots_sku (sku_id, remaining, id),
    KEY ix_lots_coop (coop_id, id),
    CONSTRAINT fk_lots_sku FOREIGN KEY (sku_id) REFERENCES skus (id),
    CONSTRAINT fk_lots_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT fk_lots_base FOREIGN KEY (base_id) REFERENCES production_bases (id),
    CONSTRAINT fk_lots_farmer FOREIGN KEY (farmer_account_id) REFERENCES accounts (id),
    CONSTRAINT ck_lots_remaining CHECK (remaining >= 0),
    CONSTRAINT ck_lots_dates CHECK (pack_date IS NULL OR harvest_date IS NULL OR pack_date >= harvest_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE inventory_ledger (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    lot_id           BIGINT UNSIGNED NOT NULL,
    sku_id           BIGINT UNSIGNED NOT NULL,
    delta            INT NOT NULL,                    -- + into stock, - out of it
    reason           ENUM('produced','restock','reservation','cancellation','refund','adjustment') NOT NULL,
    order_id         BIGINT UNSIGNED NULL,            -- for reservation / cancellation / refund
    note             VARCHAR(255) NULL,               -- required for adjustments
    actor_account_id BIGINT UNSIGNED NULL,
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_ledger_lot (lot_id, id),
    KEY ix_ledger_order (order_id),
    CONSTRAINT fk_ledger_lot FOREIGN KEY (lot_id) REFERENCES lots (id),
    CONSTRAINT fk_ledger_sku FOREIGN KEY (sku_id) REFERENCES skus (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
