-- Platform-wide banned chat words (coop_id NULL) kept by platform admins
-- (/api/v1/admin/banned-words): one word once per scope. A UNIQUE key over
-- a NULL column lets NULL rows repeat, so the key is over scope_id, the
-- cooperative or 0 for the platform; coop_id keeps its own index for its
-- foreign key.
ALTER TABLE chat_banned_words
    ADD COLUMN scope_id BIGINT UNSIGNED AS (IFNULL(coop_id, 0)) PERSISTENT AFTER coop_id,
    ADD KEY ix_banned_coop (coop_id);
DELETE w FROM chat_banned_words w
    JOIN chat_banned_words k ON k.scope_id = w.scope_id AND k.word = w.word AND k.id < w.id;
ALTER TABLE chat_banned_words
    DROP INDEX uq_banned_word,
    ADD UNIQUE KEY uq_banned_word (scope_id, word);
