-- Cooperatives, their members and production bases.
CREATE TABLE cooperatives (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(128) NOT NULL,
    name_en       VARCHAR(128) NULL,
    credit_code   CHAR(18) NOT NULL,          -- unified social credit code
    province      VARCHAR(32) NOT NULL,
    city          VARCHAR(32) NOT NULL,
    county        VARCHAR(32) NOT NULL,
    township      VARCHAR(32) NULL,
    village       VARCHAR(32) NULL,
    contact_name  VARCHAR(64) NOT NULL,
    contact_phone VARCHAR(20) NOT NULL,
    description   TEXT NULL,
    created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_coops_credit_code (credit_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coop_members (
    coop_id    BIGINT UNSIGNED NOT NULL,
    account_id BIGINT UNSIGNED NOT NULL,
    role       ENUM('farmer','coop_admin') NOT NULL,
    joined_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (coop_id, account_id),
    KEY ix_members_account (account_id),
    CONSTRAINT fk_members_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id) ON DELETE CASCADE,
    CONSTRAINT fk_members_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE production_bases (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id     BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(128) NOT NULL,
    location    VARCHAR(255) NOT NULL,       -- address or place description
    latitude    DECIMAL(9,6) NULL,
    longitude   DECIMAL(9,6) NULL,
    area_mu     DECIMAL(10,2) NOT NULL,      -- area in mu (1 mu = 666.7 m2)
    description TEXT NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_bases_coop (coop_id),
    CONSTRAINT fk_bases_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT ck_bases_area CHECK (area_mu > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
