-- Live sessions: a farmer's broadcast, pushed to the relay over RTMP.
--
-- The stream key is shown once, in the answer to POST /api/v1/live; only
-- sha256(key) is kept, and the relay's publish check looks the session up
-- by that hash. public_id is what URLs carry (random, 16 hex); the numeric
-- id stays internal (ordering, cursors, foreign keys).
--
--   created --publish--> live --unpublish--> idle --publish--> live
--                          \                   \
--                           `------ended--------`--ended--> ended
CREATE TABLE live_sessions (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    public_id         CHAR(16) NOT NULL,
    coop_id           BIGINT UNSIGNED NOT NULL,
    account_id        BIGINT UNSIGNED NOT NULL,        -- who created it (the farmer)
    title             VARCHAR(128) NOT NULL,
    key_hash          CHAR(64) NOT NULL,               -- sha256(stream_key), lowercase hex
    status            ENUM('created','live','idle','ended') NOT NULL DEFAULT 'created',
    publish_count     INT UNSIGNED NOT NULL DEFAULT 0, -- accepted publishes (reconnects included)
    publisher_ip      VARCHAR(64) NULL,                -- of the latest accepted publish
    started_at        DATETIME(3) NULL,                -- first accepted publish
    idle_since        DATETIME(3) NULL,                -- set while status = 'idle'
    ended_at          DATETIME(3) NULL,
    created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_live_public_id (public_id),
    UNIQUE KEY uq_live_key_hash (key_hash),
    KEY ix_live_status (status, id),
    KEY ix_live_coop (coop_id, id),
    CONSTRAINT fk_live_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT fk_live_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT ck_live_ended CHECK (status <> 'ended' OR ended_at IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every status change, written in the same transaction as the change.
CREATE TABLE live_status_log (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    live_id     BIGINT UNSIGNED NOT NULL,
    from_status ENUM('created','live','idle','ended') NOT NULL,
    to_status   ENUM('created','live','idle','ended') NOT NULL,
    reason      ENUM('publish','reconnect','unpublish','ended') NOT NULL,
    client_ip   VARCHAR(64) NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_live_log (live_id, id),
    CONSTRAINT fk_live_log_session FOREIGN KEY (live_id) REFERENCES live_sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
