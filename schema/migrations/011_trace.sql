-- Traceability: certificates, their attachments, the append-only trace
-- events of each lot with their SHA-256 chain, and each lot's signed chain
-- head. `lots` itself is 010's (shared with buying) and is not changed here.
--
-- Hashes are lowercase hex SHA-256; signatures lowercase hex Ed25519 by the
-- platform key (var/trace-ed25519.key), see src/shop/trace.c.

CREATE TABLE certificates (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id          BIGINT UNSIGNED NOT NULL,           -- the issuing or holding cooperative
    kind             ENUM('conformity','pollution_free','green_food','organic','geo_indication') NOT NULL,
    number           VARCHAR(64) NULL,                   -- certificate number or code
    issuing_body     VARCHAR(128) NULL,                  -- outside body (not conformity)
    holder           VARCHAR(128) NOT NULL,              -- producer name (conformity) or holder
    product_name     VARCHAR(128) NULL,
    quantity         VARCHAR(64) NULL,                   -- quantity or weight, e.g. "300 盒"
    contact          VARCHAR(64) NULL,
    address          VARCHAR(255) NULL,
    origin           VARCHAR(255) NULL,
    basis            ENUM('self_test','entrusted_test','internal_control','supervised_sampling') NULL,
    commitments      TEXT NULL,                          -- JSON array of strings
    test_results     TEXT NULL,                          -- JSON array of {item,method,result,limit,verdict}
    scope            VARCHAR(512) NULL,                  -- area, yearly output ...
    verify_url       VARCHAR(512) NULL,                  -- where anyone can check it
    issued_on        DATE NOT NULL,
    valid_from       DATE NULL,
    valid_until      DATE NULL,
    status           ENUM('valid','suspended','revoked') NOT NULL DEFAULT 'valid',
    revoked_reason   VARCHAR(255) NULL,
    revoked_at       DATETIME(3) NULL,
    signature        CHAR(128) NULL,                     -- over the certificate's canonical JSON
    created_by       BIGINT UNSIGNED NULL,
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_certs_coop (coop_id, id),
    KEY ix_certs_number (kind, number),
    CONSTRAINT fk_certs_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id),
    CONSTRAINT ck_certs_dates CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A conformity certificate attaches to lots; the other kinds to products or
-- production bases. Exactly one target per row.
CREATE TABLE certificate_links (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    certificate_id BIGINT UNSIGNED NOT NULL,
    lot_id         BIGINT UNSIGNED NULL,
    product_id     BIGINT UNSIGNED NULL,
    base_id        BIGINT UNSIGNED NULL,
    target_key     VARCHAR(32) AS (CONCAT(IF(lot_id IS NOT NULL, 'l', IF(product_id IS NOT NULL, 'p', 'b')),
                                          COALESCE(lot_id, product_id, base_id))) PERSISTENT,
    created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_certlinks (certificate_id, target_key),
    KEY ix_certlinks_lot (lot_id),
    KEY ix_certlinks_product (product_id),
    KEY ix_certlinks_base (base_id),
    CONSTRAINT fk_certlinks_cert FOREIGN KEY (certificate_id) REFERENCES certificates (id),
    CONSTRAINT fk_certlinks_lot FOREIGN KEY (lot_id) REFERENCES lots (id),
    CONSTRAINT fk_certlinks_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_certlinks_base FOREIGN KEY (base_id) REFERENCES production_bases (id),
    CONSTRAINT ck_certlinks_one CHECK ((lot_id IS NOT NULL) + (product_id IS NOT NULL) + (base_id IS NOT NULL) = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: the triggers below refuse DELETE always and UPDATE except the
-- one-time sealing of a row inserted unsealed (hash NULL, by the demo seed)
-- that leaves every content column as it was.
CREATE TABLE trace_events (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    lot_id           BIGINT UNSIGNED NOT NULL,
    seq              INT UNSIGNED NOT NULL,               -- 1, 2, ... per lot
    kind             ENUM('planted','raised','fed','treated','harvested','inspected','packed',
                          'shipped','received','sold') NOT NULL,
    occurred_at      DATETIME NOT NULL,                   -- UTC, whole seconds
    place            VARCHAR(255) NOT NULL,
    actor            VARCHAR(128) NOT NULL,
    actor_account_id BIGINT UNSIGNED NULL,
    details          TEXT NOT NULL,                       -- canonical JSON object
    prev_hash        CHAR(64) NULL,
    hash             CHAR(64) NULL,                       -- NULL only before sealing
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_events_seq (lot_id, seq),
    CONSTRAINT fk_events_lot FOREIGN KEY (lot_id) REFERENCES lots (id),
    CONSTRAINT ck_events_details CHECK (JSON_VALID(details))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TRIGGER trace_events_no_update BEFORE UPDATE ON trace_events FOR EACH ROW
BEGIN
    IF OLD.hash IS NOT NULL OR NEW.hash IS NULL OR NOT (NEW.lot_id <=> OLD.lot_id AND NEW.seq <=> OLD.seq
       AND NEW.kind <=> OLD.kind AND NEW.occurred_at <=> OLD.occurred_at AND NEW.place <=> OLD.place
       AND NEW.actor <=> OLD.actor AND NEW.details <=> OLD.details) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'trace_events are append-only';
    END IF;
END;

CREATE TRIGGER trace_events_no_delete BEFORE DELETE ON trace_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'trace_events are append-only';

-- The newest hash of each lot's chain, signed: message is the canonical JSON
-- {"count":N,"head":"<hash>","lot":"<code>","type":"farmlive.lot-head.v1"}.
CREATE TABLE lot_chain_heads (
    lot_id      BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    event_count INT UNSIGNED NOT NULL,
    head_hash   CHAR(64) NOT NULL,
    signature   CHAR(128) NOT NULL,
    key_id      CHAR(16) NOT NULL,
    signed_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    CONSTRAINT fk_heads_lot FOREIGN KEY (lot_id) REFERENCES lots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
