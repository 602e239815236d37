-- 075_orders_by_day.sql - a cooperative's orders of one day (its dashboard's
-- orders by day, the courier's CSV, sales per day): the range of created_at
-- within the cooperative, newest first by id.
ALTER TABLE orders ADD KEY ix_orders_coop_day (coop_id, created_at, id);
