-- 038_payment_failed.sql - a payment the provider reports failed.
--
-- A signed notice with "status": "failed" for an order awaiting payment
-- cancels it (orders.cancelled_by = 'payment_failure', 037) and is kept
-- with the outcome 'failed'; a repeat of it is a 'duplicate'.
ALTER TABLE payment_notices
    MODIFY COLUMN outcome ENUM('paid','duplicate','refused','failed') NOT NULL;
