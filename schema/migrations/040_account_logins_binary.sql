-- Logins compare byte for byte. The shop normalizes a login once (trimmed,
-- ASCII letters folded) at sign-up and at sign-in; under utf8mb4_unicode_ci
-- "e@x.cn  " (trailing spaces) or an accented spelling still found the
-- account "e@x.cn" while the failure counter keyed on another spelling, so
-- the per-account limit could be walked around.
ALTER TABLE accounts
    MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    MODIFY phone VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
