-- Third-party certifications (pollution-free, green food, organic,
-- geographical indication) are claims about someone else's decision: a
-- cooperative records one, and it stays 'pending' - unsigned, not shown as
-- verified, not counted as "certified" - until a platform admin has checked
-- its number and the issuing body's public lookup and verified it. The
-- certificate of conformity stays self-issued (the producer's own
-- commitment, as the law designs it).
ALTER TABLE certificates
    MODIFY status ENUM('pending','valid','suspended','revoked') NOT NULL DEFAULT 'valid',
    ADD COLUMN verified_by BIGINT UNSIGNED NULL AFTER signature,
    ADD COLUMN verified_at DATETIME(3) NULL AFTER verified_by,
    ADD CONSTRAINT fk_certs_verified_by FOREIGN KEY (verified_by) REFERENCES accounts (id);

-- Those recorded before: nobody checked them. Pending, and their signature
-- (which covered status 'valid') dropped.
UPDATE certificates SET status = 'pending', signature = NULL
WHERE kind <> 'conformity' AND status = 'valid' AND verified_at IS NULL;
