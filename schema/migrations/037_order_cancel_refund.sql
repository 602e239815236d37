-- 037_order_cancel_refund.sql - who cancelled an order and why; what a
-- refund did with the goods.
--
-- Cancellation: cancelled_by says who ended the order (the buyer, the
-- cooperative's admin, a platform admin, the payment window's expiry, or a
-- payment the provider reported failed) and cancelled_by_account the account
-- when a person did; cancel_reason is the text the buyer or admin gave
-- (NULL: none), or the shop's own ("payment window expired"). Orders
-- cancelled before this said "cancelled by request" whoever did it: their
-- cancellation ledger rows name the account, which tells buyer from admin.
--
-- Refunds: refund_reason (the admin's text; it used to share cancel_reason)
-- and refund_goods: 'restocked' (never shipped: the units went back to
-- their lots at once), 'awaiting_return' (shipped, to come back: nothing is
-- on sale again until the cooperative records the return received),
-- 'returned' (received, returned_at: the units back to the same lots through
-- 'return' ledger rows), 'written_off' (shipped and lost or not wanted back:
-- 'write_off' ledger rows of 0 units record it, nothing goes back on sale).
ALTER TABLE orders
    ADD COLUMN cancelled_by ENUM('buyer','coop_admin','platform_admin','expiry','payment_failure') NULL
        AFTER cancel_reason,
    ADD COLUMN cancelled_by_account BIGINT UNSIGNED NULL AFTER cancelled_by,
    ADD COLUMN refund_reason VARCHAR(255) NULL AFTER cancelled_by_account,
    ADD COLUMN refund_goods ENUM('restocked','awaiting_return','returned','written_off') NULL AFTER refund_reason,
    ADD COLUMN returned_at DATETIME(3) NULL AFTER refunded_at;

ALTER TABLE inventory_ledger
    MODIFY COLUMN reason ENUM('produced','restock','reservation','cancellation','refund','adjustment',
                              'return','write_off') NOT NULL;

UPDATE orders SET refund_reason = cancel_reason, cancel_reason = NULL, refund_goods = 'restocked'
WHERE status = 'refunded';
UPDATE orders SET cancelled_by = 'expiry' WHERE status = 'cancelled' AND cancel_reason = 'payment window expired';
UPDATE orders o SET
    o.cancelled_by_account = (SELECT MAX(g.actor_account_id) FROM inventory_ledger g
                              WHERE g.order_id = o.id AND g.reason = 'cancellation'),
    o.cancel_reason = NULL
WHERE o.status = 'cancelled' AND o.cancel_reason = 'cancelled by request';
UPDATE orders o SET o.cancelled_by = IF(o.cancelled_by_account = o.buyer_account_id, 'buyer',
    IF(EXISTS (SELECT 1 FROM coop_members m WHERE m.coop_id = o.coop_id AND m.account_id = o.cancelled_by_account
               AND m.role = 'coop_admin'), 'coop_admin', 'platform_admin'))
WHERE o.status = 'cancelled' AND o.cancelled_by IS NULL AND o.cancelled_by_account IS NOT NULL;
