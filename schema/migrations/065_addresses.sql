-- 065_addresses.sql - a buyer's address book (domain/addresses.c).
--
-- China's province / city / county / detail, with the name and phone of
-- who receives the parcel. At most one default per account: default_of is
-- the account's id on the default row and NULL on the others, under a
-- unique key, so two defaults cannot both be written whatever races. A
-- checkout copies the address into the order (orders.ship_*): an order
-- keeps where it went even when the book changes later.
CREATE TABLE addresses (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id  BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(64)  NOT NULL,
    phone       VARCHAR(20)  NOT NULL,
    province    VARCHAR(32)  NOT NULL,
    city        VARCHAR(32)  NOT NULL,
    county      VARCHAR(32)  NOT NULL,
    detail      VARCHAR(255) NOT NULL,
    is_default  TINYINT(1)   NOT NULL DEFAULT 0,
    default_of  BIGINT UNSIGNED AS (IF(is_default, account_id, NULL)) PERSISTENT,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_addresses_account (account_id, id),
    UNIQUE KEY ux_addresses_default (default_of),
    CONSTRAINT fk_addresses_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
