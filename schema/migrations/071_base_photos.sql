-- Photos of a production base (issue 15): urls of the 1080 rendition drawn
-- by shop_media_store_image, in position order, at most 6 a base.
CREATE TABLE base_photos (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    base_id    BIGINT UNSIGNED NOT NULL,
    position   INT NOT NULL,
    url        VARCHAR(512) NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_base_photos_pos (base_id, position),
    CONSTRAINT fk_base_photos_base FOREIGN KEY (base_id) REFERENCES production_bases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
