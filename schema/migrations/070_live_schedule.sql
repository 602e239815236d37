-- 070_live_schedule.sql - a session announced before it starts (the farmer
-- studio's "schedule"): when it is planned to start and its cover picture.
--
-- planned_at: the start the farmer announced (NULL: "now", or not said);
-- the buyers' home page lists sessions not yet live ("created") soonest
-- first by it. cover_url: a /media/{hash}-{width}.jpg the shop drew from
-- the farmer's upload (domain/media.c), NULL until one is given.
ALTER TABLE live_sessions
    ADD COLUMN planned_at DATETIME(3) NULL AFTER title,
    ADD COLUMN cover_url  VARCHAR(96) NULL AFTER planned_at,
    ADD KEY ix_live_account (account_id, id);
