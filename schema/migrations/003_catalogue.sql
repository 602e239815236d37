-- Products and SKUs. Prices are integers in fen (1 yuan = 100 fen).
CREATE TABLE products (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id        BIGINT UNSIGNED NOT NULL,
    base_id        BIGINT UNSIGNED NULL,     -- origin production base
    name_zh        VARCHAR(128) NOT NULL,
    name_en        VARCHAR(128) NULL,
    category       VARCHAR(32) NOT NULL,
    description    TEXT NULL,
    status         ENUM('draft','listed','delisted') NOT NULL DEFAULT 'draft',
    created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_products_status (status, id),
    KEY ix_products_coop (coop_id, status, id),
    KEY ix_products_category (category, status, id),
    CONSTRAINT fk_products_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT fk_products_base FOREIGN KEY (base_id) REFERENCES production_bases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE product_images (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id BIGINT UNSIGNED NOT NULL,
    position   INT NOT NULL,
    url        VARCHAR(512) NOT NULL,
    alt        VARCHAR(255) NULL,
    UNIQUE KEY uq_images_pos (product_id, position),
    CONSTRAINT fk_images_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE skus (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id   BIGINT UNSIGNED NOT NULL,
    spec         VARCHAR(64) NOT NULL,        -- e.g. "30 eggs", "500 g"
    unit         VARCHAR(16) NOT NULL,        -- e.g. box, bag, kg
    price_fen    INT UNSIGNED NOT NULL,
    weight_g     INT UNSIGNED NOT NULL,
    gtin         CHAR(14) NULL,
    active       TINYINT(1) NOT NULL DEFAULT 1,
    created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_skus_product (product_id),
    UNIQUE KEY uq_skus_gtin (gtin),
    CONSTRAINT fk_skus_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT ck_skus_price CHECK (price_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
