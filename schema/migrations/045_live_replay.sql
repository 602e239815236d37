-- 045_live_replay.sql - a finished session's replay, as the shop keeps it
-- once the relay has finalized the recording (domain/live_replay.c asks
-- the relay's GET /api/recordings?live_id= after the end).
--
-- replay_url: the VOD playlist, absolute (the relay's public base + the
-- url it lists); replay_duration_ms: its length. Both NULL until known.
ALTER TABLE live_sessions
    ADD COLUMN replay_url         VARCHAR(512) NULL AFTER ended_at,
    ADD COLUMN replay_duration_ms BIGINT UNSIGNED NULL AFTER replay_url,
    ADD KEY ix_live_ended (status, ended_at);
