-- 081_restream_targets.sql - other platforms a cooperative's sessions are
-- forwarded to while they are live (issue 17, restreaming), as SRS's forward
-- and nginx-rtmp's push do.
--
-- server_url: the push URL without its secret part (rtmp[s]://host[:port]/app);
-- the secret part (the stream key, the URL's last path segment and its query)
-- is kept encrypted, not hashed: the relay must get it back in clear to push
-- to the platform. key_box = crypto_secretbox(key, key_nonce) under the
-- shop's key (FARMLIVE_RESTREAM_KEY_FILE), both as hex; key_hint: the first
-- characters of the key shown in answers ("abcd…"), never more.
CREATE TABLE restream_targets (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id     BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(64) NOT NULL,
    server_url  VARCHAR(512) NOT NULL,
    key_nonce   CHAR(48) NOT NULL,
    key_box     VARCHAR(2200) NOT NULL,
    key_hint    VARCHAR(16) NOT NULL,
    enabled     TINYINT(1) NOT NULL DEFAULT 1,
    created_by  BIGINT UNSIGNED NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_restream_coop (coop_id, id),
    CONSTRAINT fk_restream_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
