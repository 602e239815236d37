-- 034_live_commerce.sql - a live session that sells: its shelf, the product
-- moments of its pins, its chat, and the orders it sold.
--
-- live_id everywhere is live_sessions.id (URLs carry its public_id).

-- The session's shelf (the room's "little yellow cart"): SKUs of the
-- session's own cooperative, numbered as the room shows them. live_price_fen
-- is the price shown and charged in the room while the session is not
-- ended (NULL: the SKU's everyday price).
CREATE TABLE live_shelf (
    live_id         BIGINT UNSIGNED NOT NULL,
    sku_id          BIGINT UNSIGNED NOT NULL,
    position        INT UNSIGNED NOT NULL,
    live_price_fen  INT UNSIGNED NULL,
    added_by        BIGINT UNSIGNED NOT NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (live_id, sku_id),
    UNIQUE KEY uq_shelf_position (live_id, position),
    CONSTRAINT fk_shelf_live FOREIGN KEY (live_id) REFERENCES live_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_shelf_sku FOREIGN KEY (sku_id) REFERENCES skus (id),
    CONSTRAINT ck_shelf_price CHECK (live_price_fen IS NULL OR live_price_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every pin is a product moment: what was presented, from when to when, as
-- wall-clock times and as offsets (ms) into the session's one recording
-- (its timeline is the publish epochs back to back: idle time between
-- reconnects is not in it). ended_at NULL: presenting now (at most one per
-- session, kept by the pin/unpin transaction under the session row's lock).
CREATE TABLE live_moments (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    live_id         BIGINT UNSIGNED NOT NULL,
    sku_id          BIGINT UNSIGNED NOT NULL,
    product_id      BIGINT UNSIGNED NOT NULL,
    started_at      DATETIME(3) NOT NULL,
    ended_at        DATETIME(3) NULL,
    start_offset_ms BIGINT UNSIGNED NOT NULL,
    end_offset_ms   BIGINT UNSIGNED NULL,
    pinned_by       BIGINT UNSIGNED NOT NULL,
    KEY ix_moments_live (live_id, id),
    KEY ix_moments_product (product_id, live_id),
    CONSTRAINT fk_moments_live FOREIGN KEY (live_id) REFERENCES live_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_moments_sku FOREIGN KEY (sku_id) REFERENCES skus (id),
    CONSTRAINT ck_moments_order CHECK (ended_at IS NULL OR ended_at >= started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Chat: text as typed after the chat rules (domain/chat_text.c), never
-- markup. hidden: held back by a banned word (its author still sees it);
-- deleted_at: removed by the farmer or a coop admin.
CREATE TABLE live_chat (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    live_id     BIGINT UNSIGNED NOT NULL,
    account_id  BIGINT UNSIGNED NOT NULL,
    body        VARCHAR(200) NOT NULL,
    hidden      TINYINT(1) NOT NULL DEFAULT 0,
    deleted_at  DATETIME(3) NULL,
    deleted_by  BIGINT UNSIGNED NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_chat_live (live_id, id),
    CONSTRAINT fk_chat_live FOREIGN KEY (live_id) REFERENCES live_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_chat_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Accounts muted in one session by its farmer or a coop admin.
CREATE TABLE live_mutes (
    live_id     BIGINT UNSIGNED NOT NULL,
    account_id  BIGINT UNSIGNED NOT NULL,
    muted_by    BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (live_id, account_id),
    CONSTRAINT fk_mutes_live FOREIGN KEY (live_id) REFERENCES live_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_mutes_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Words that hide a chat message: a cooperative's own (coop_id) on top of
-- the platform's (coop_id NULL, kept by platform admins).
CREATE TABLE chat_banned_words (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id     BIGINT UNSIGNED NULL,
    word        VARCHAR(64) NOT NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_banned_word (coop_id, word),
    CONSTRAINT fk_banned_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The room's counters, kept for the session report: likes (heart taps,
-- added in batches), the highest concurrent viewer count, unique viewers.
ALTER TABLE live_sessions
    ADD COLUMN likes          BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER publish_count,
    ADD COLUMN peak_viewers   INT UNSIGNED NOT NULL DEFAULT 0 AFTER likes,
    ADD COLUMN unique_viewers INT UNSIGNED NOT NULL DEFAULT 0 AFTER peak_viewers;

-- Attribution: the session an order was sold in, and the session a flash
-- sale belongs to.
ALTER TABLE orders
    ADD COLUMN live_id BIGINT UNSIGNED NULL AFTER flash_sale_id,
    ADD KEY ix_orders_live (live_id, id),
    ADD CONSTRAINT fk_orders_live FOREIGN KEY (live_id) REFERENCES live_sessions (id);
ALTER TABLE flash_sales
    ADD COLUMN live_id BIGINT UNSIGNED NULL AFTER coop_id,
    ADD KEY ix_flash_live (live_id, id),
    ADD CONSTRAINT fk_flash_live FOREIGN KEY (live_id) REFERENCES live_sessions (id);
