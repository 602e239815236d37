-- 072_coop_low_rendition.sql - a cooperative's choice of the relay's 360p
-- rendition for its sessions (issue 17): 'default' leaves it to the relay's
-- FARMLIVE_RELAY_LOW_RENDITION; off, on and auto win over it, handed to the
-- relay in the publish answer.
ALTER TABLE cooperatives
    ADD COLUMN low_rendition ENUM('default','off','on','auto') NOT NULL DEFAULT 'default';
