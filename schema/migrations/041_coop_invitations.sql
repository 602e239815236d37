-- Joining a cooperative takes the joiner's consent: a coop admin invites a
-- login (email or phone, normalized as accounts store it) or an account id,
-- and the invited account accepts or declines. The admin's answer is the
-- same whether or not the login has an account, so inviting probes nothing.
CREATE TABLE coop_invitations (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    coop_id     BIGINT UNSIGNED NOT NULL,
    login       VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,  -- invited by login
    account_id  BIGINT UNSIGNED NULL,                                         -- or by account id
    role        ENUM('farmer','coop_admin') NOT NULL,
    status      ENUM('pending','accepted','declined') NOT NULL DEFAULT 'pending',
    invited_by  BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    answered_at DATETIME(3) NULL,
    KEY ix_invitations_login (login, status),
    KEY ix_invitations_account (account_id, status),
    KEY ix_invitations_coop (coop_id, status),
    CONSTRAINT fk_invitations_coop FOREIGN KEY (coop_id) REFERENCES cooperatives (id) ON DELETE CASCADE,
    CONSTRAINT fk_invitations_by FOREIGN KEY (invited_by) REFERENCES accounts (id),
    CONSTRAINT ck_invitations_whom CHECK ((login IS NULL) <> (account_id IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
