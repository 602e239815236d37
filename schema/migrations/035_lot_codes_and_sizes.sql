-- 035_lot_codes_and_sizes.sql - lot codes in one case, and what a lot's
-- size means.
--
-- Codes: a lot code is upper case (A-Z, 0-9, '-': domain/lot_code.c);
-- codes given in another case are upper-cased where they enter, and the
-- routes that name a lot look it up by its upper-cased code. Restock once
-- made codes with lower-case hex ("L24-20261206-98712cb9") that no trace
-- route could reach. uq_lots_code's collation ignores case, so upper-casing
-- them collides with nothing; the hashes and signatures of a chain are made
-- over the code as its routes name it, which was already upper case.
UPDATE lots SET code = UPPER(code) WHERE code <> BINARY UPPER(code);

-- Size: `quantity` is every unit that entered the lot - produced, restocked
-- into it, or found by an adjustment upwards - and never shrinks; sales,
-- losses (adjustments downwards) and write-offs lower `remaining` only,
-- returns bring back what a sale took. So 0 <= remaining <= quantity, and
-- quantity = the sum of the lot's produced, restock and positive adjustment
-- ledger rows. An adjustment upwards used to leave quantity as it was.
UPDATE lots l SET quantity = GREATEST(l.remaining, COALESCE(
    (SELECT SUM(g.delta) FROM inventory_ledger g
     WHERE g.lot_id = l.id AND (g.reason IN ('produced', 'restock') OR (g.reason = 'adjustment' AND g.delta > 0))),
    l.quantity));
ALTER TABLE lots ADD CONSTRAINT ck_lots_size CHECK (remaining <= quantity);
