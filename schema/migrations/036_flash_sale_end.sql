-- 036_flash_sale_end.sql - a flash sale ended before its time.
--
-- A coop admin ends a sale early with a reason (a wrong price, a problem
-- with the lot), and delisting its product or deactivating its SKU ends it
-- too. Every reader of a sale's state goes by ends_at, so ending a sale
-- moves ends_at to that moment; planned_ends_at keeps the end it was
-- planned with, end_reason says why, ended_by the account that ended it
-- (NULL: the shop, for a product delisted or a SKU deactivated). Ending
-- releases the unsold units to their lots at once, as the release job does
-- for a sale that ran out its time (released = 1 in the same transaction).
ALTER TABLE flash_sales
    ADD COLUMN planned_ends_at DATETIME(3) NULL AFTER ends_at,
    ADD COLUMN end_reason VARCHAR(255) NULL AFTER planned_ends_at,
    ADD COLUMN ended_by BIGINT UNSIGNED NULL AFTER end_reason,
    ADD KEY ix_flash_sku (sku_id, released);
