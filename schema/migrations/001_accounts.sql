-- Accounts: buyers, farmers, cooperative admins and platform operators.
-- Farmer and coop_admin are roles held through coop_members; an account's own
-- role is buyer or platform_admin.
CREATE TABLE accounts (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email         VARCHAR(254) NULL,
    phone         VARCHAR(20)  NULL,
    display_name  VARCHAR(64)  NOT NULL,
    password_hash VARCHAR(128) NOT NULL,
    role          ENUM('buyer','platform_admin') NOT NULL DEFAULT 'buyer',
    created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_accounts_email (email),
    UNIQUE KEY uq_accounts_phone (phone),
    CONSTRAINT ck_accounts_login CHECK (email IS NOT NULL OR phone IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
