-- 031_live_sweep.sql - reasons the shop itself gives when the relay cannot:
-- relay_lost (a live session the relay no longer holds goes idle) and
-- grace_expired (an idle session past the grace period ends); see
-- src/shop/live_sweep.c.
ALTER TABLE live_status_log
    MODIFY reason ENUM('publish','reconnect','unpublish','ended','relay_lost','grace_expired') NOT NULL;
