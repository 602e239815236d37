-- 032_idempotency_id.sql - idempotency_keys clustered on an ever-growing id.
--
-- Its rows are wide (the stored answer, about 800 bytes for an order) and
-- were clustered on (account_id, scope, idem_key): a flash sale's answers
-- land all over the table, one InnoDB page split after another, and pages
-- stay a third full. Clustered on an AUTO_INCREMENT id they are appended;
-- the unique key, narrow, still makes the first writer of a key win.
-- Adding the AUTO_INCREMENT column copies the table under a lock that
-- holds back idempotent writes (checkouts) meanwhile: rows are purged
-- after 48 hours, so it is that much; on a busy platform, apply it in a
-- quiet hour.
ALTER TABLE idempotency_keys
    DROP PRIMARY KEY,
    ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST,
    ADD UNIQUE KEY uq_idem_key (account_id, scope, idem_key);
