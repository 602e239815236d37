#!/usr/bin/env bash
# trace_chain.sh - trace events and their signed hash chain
# (src/shop/domain/trace.c, trace_chain.c, api/trace.c):
# appending, every 422, rights, the public JSON, the key, verification of
# the demo lot, and the tamper test: an attacker with database access drops
# the append-only trigger, edits an event row, puts the trigger back, and
# verify must answer false naming that event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

CODE="TE-$S-01"
new_lot "$CODE"
expect_status 201 "a lot to trace"

# ---------------------------------------------------------------- append
add_event "$CODE" raised 2026-10-01T01:00:00Z '{"flock":"1200 只"}'
expect_status 201 "farmer appends the first event"
expect_schema TraceEventCreated "the appended event"
expect_jq '.seq' 1 "first seq"
expect_jq '.prev_hash' 0000000000000000000000000000000000000000000000000000000000000000 "genesis prev"
H1=$(jqr '.hash')
check "hash is 64 hex" test "$(printf '%s' "$H1" | grep -cE '^[0-9a-f]{64}$')" = 1
# The hash is SHA-256(canonical JSON || previous hash), computed here independently.
CANON='{"actor":"刘春花","details":{"flock":"1200 只"},"kind":"raised","lot":"'"$CODE"'","occurred_at":"2026-10-01T01:00:00Z","place":"大城基地","seq":1}'
WANT=$(printf '%s%s' "$CANON" 0000000000000000000000000000000000000000000000000000000000000000 | sha256sum | cut -d' ' -f1)
check "event hash = sha256(canonical JSON || prev) (independent check)" test "$H1" = "$WANT"

add_event "$CODE" fed 2026-11-01T00:30:00Z '{"feed":"玉米","kg":40}'
expect_status 201 "second event"
expect_jq '.prev_hash' "$H1" "chained to the first"
add_event "$CODE" inspected 2026-11-02T00:30:00Z '{"results":[{"item":"恩诺沙星","result":"未检出","verdict":"pass"}]}'
expect_status 201 "an inspection with results"
add_event "$CODE" harvested 2026-11-03T00:30:00Z
expect_status 201 "details are optional"
expect_jq '.details | tojson' '{}' "empty details"
as "$AY_ADMIN"
api POST "/api/v1/lots/$CODE/events" '{"kind":"packed","occurred_at":"2026-11-03T05:00:00Z","place":"包装车间","actor":"张建国"}'
expect_status 201 "admin appends with a named actor"
expect_jq '.actor' '张建国' "actor kept"
add_event "$CODE" shipped 2026-11-03T09:00:00Z '{"carrier":"顺丰"}'
expect_status 201 "shipped"
expect_jq '.seq' 6 "sixth event"
check "the head is signed over 6 events" test "$(sql "SELECT event_count FROM lot_chain_heads l JOIN lots x ON x.id = l.lot_id WHERE x.code = '$CODE'")" = 6

# ------------------------------------------------------------ the 422s
as "$AY_FARMER"
bad_event() { # DESC JSON
    api POST "/api/v1/lots/$CODE/events" "$2"
    expect_error 422 validation_failed "$1"
}
bad_event "unknown kind" '{"kind":"teleported","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
bad_event "missing kind" '{"occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
bad_event "missing time" '{"kind":"sold","place":"x"}'
bad_event "time with a space for T" '{"kind":"sold","occurred_at":"2026-11-04 08:00:00+08:00","place":"x"}'
bad_event "time without a zone" '{"kind":"sold","occurred_at":"2026-11-04T08:00:00","place":"x"}'
bad_event "offset without its colon" '{"kind":"sold","occurred_at":"2026-11-04T08:00:00+0800","place":"x"}'
bad_event "offset past 23 hours" '{"kind":"sold","occurred_at":"2026-11-04T08:00:00+24:00","place":"x"}'
bad_event "impossible time" '{"kind":"sold","occurred_at":"2026-11-31T00:00:00Z","place":"x"}'
bad_event "hour 24" '{"kind":"sold","occurred_at":"2026-11-04T24:00:00Z","place":"x"}'
bad_event "time in the future" '{"kind":"sold","occurred_at":"2099-01-01T00:00:00Z","place":"x"}'
bad_event "time before the last event" '{"kind":"sold","occurred_at":"2026-11-01T00:00:00Z","place":"x"}'
bad_event "missing place" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z"}'
bad_event "details not an object" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x","details":[1]}'
bad_event "decimal number in details" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x","details":{"kg":1.5}}'
bad_event "inspection without results" '{"kind":"inspected","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
bad_event "inspection with malformed results" '{"kind":"inspected","occurred_at":"2026-11-04T00:00:00Z","place":"x","details":{"results":[{"item":"x"}]}}'
BIG=$(head -c 20000 /dev/zero | tr '\0' 'a')
bad_event "details too large" "{\"kind\":\"sold\",\"occurred_at\":\"2026-11-04T00:00:00Z\",\"place\":\"x\",\"details\":{\"note\":\"$BIG\"}}"
check "refused events wrote nothing" test "$(sql "SELECT COUNT(*) FROM trace_events e JOIN lots l ON l.id = e.lot_id WHERE l.code = '$CODE'")" = 6

api POST "/api/v1/lots/NO-SUCH-$S/events" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
expect_error 404 not_found "unknown lot"

# ------------------------------------------------- times with offsets
# A phone in China sends +08:00: accepted, stored, hashed and answered in
# UTC; the order of events is the order of the instants.
CODE3="TE-$S-03"
new_lot "$CODE3"
expect_status 201 "a lot for times with offsets"
add_event "$CODE3" harvested 2026-11-04T02:30:00+08:00
expect_status 201 "an event at +08:00"
expect_jq '.occurred_at' 2026-11-03T18:30:00Z "answered in UTC (the day before)"
H3=$(jqr '.hash')
CANON3='{"actor":"刘春花","details":{},"kind":"harvested","lot":"'"$CODE3"'","occurred_at":"2026-11-03T18:30:00Z","place":"大城基地","seq":1}'
WANT3=$(printf '%s%s' "$CANON3" 0000000000000000000000000000000000000000000000000000000000000000 | sha256sum | cut -d' ' -f1)
check "hashed over the UTC time" test "$H3" = "$WANT3"
check "stored in UTC" test "$(sql "SELECT e.occurred_at FROM trace_events e JOIN lots l ON l.id = e.lot_id WHERE l.code = '$CODE3'")" = "2026-11-03 18:30:00"
add_event "$CODE3" packed 2026-11-03T18:00:00.250-05:00
expect_status 201 "an event at -05:00 with a fraction"
expect_jq '.occurred_at' 2026-11-03T23:00:00Z "answered in UTC, the fraction dropped"
add_event "$CODE3" shipped 2026-11-04T06:59:00+08:00
expect_error 422 validation_failed "an offset time before the last event's instant"
expect_jq '.error.message | contains("before the lot")' true "the message says it is before the last event"
add_event "$CODE3" shipped 2026-11-04T07:00:00+08:00
expect_status 201 "the same instant as the last event, written with another offset"
api GET "/api/v1/trace/$CODE3/verify"
expect_status 200 "verify the lot with offset times"
expect_jq '.verified' true "it verifies"
expect_jq '.events_checked' 3 "three events"
api GET "/api/v1/trace/$CODE3"
expect_status 200 "its trace"
expect_jq '[.events[].occurred_at] | join(",")' 2026-11-03T18:30:00Z,2026-11-03T23:00:00Z,2026-11-03T23:00:00Z "the timeline in UTC"

# ---------------------------------------------------------------- rights
as ""
api POST "/api/v1/lots/$CODE/events" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
expect_error 401 unauthorized "anonymous cannot append"
as "$QBJ_FARMER"
api POST "/api/v1/lots/$CODE/events" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
expect_error 403 forbidden "another cooperative's farmer cannot append"
as "$QBJ_ADMIN"
api POST "/api/v1/lots/$CODE/events" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
expect_error 403 forbidden "another cooperative's admin cannot append"
as "$BUYER"
api POST "/api/v1/lots/$CODE/events" '{"kind":"sold","occurred_at":"2026-11-04T00:00:00Z","place":"x"}'
expect_error 403 forbidden "a buyer cannot append"
as "$AY_FARMER"
for m in PUT PATCH DELETE; do
    api "$m" "/api/v1/lots/$CODE/events"
    expect_status 405 "no route edits events ($m)"
done

# ------------------------------------------------------------ append-only
check "the database refuses UPDATE of an event" bash -c "! mariadb --no-defaults -h 127.0.0.1 -P $DB_PORT -u $DB_USER -p$DB_PASSWORD $DB_NAME -e \"UPDATE trace_events SET place = 'x' WHERE hash = '$H1'\" 2>/dev/null"
check "the database refuses DELETE of an event" bash -c "! mariadb --no-defaults -h 127.0.0.1 -P $DB_PORT -u $DB_USER -p$DB_PASSWORD $DB_NAME -e \"DELETE FROM trace_events WHERE hash = '$H1'\" 2>/dev/null"
check "the refused writes changed nothing" test "$(sql "SELECT place FROM trace_events WHERE hash = '$H1'")" = '大城基地'

# --------------------------------------------------- reading, verifying
as ""
api GET /api/v1/trace/keys
expect_status 200 "public key"
expect_schema TraceKeys "the keys"
expect_jq '.keys[0].algorithm' Ed25519 "algorithm"
expect_jq '.keys[0].public_key_hex | test("^[0-9a-f]{64}$")' true "32-byte key in hex"
PK=$(jqr '.keys[0].public_key_hex')
KID=$(jqr '.keys[0].key_id')
check "the key file is 0600" test "$(stat -c %a "$FARMLIVE_VAR_DIR/trace-ed25519.key")" = 600

api GET "/api/v1/trace/$CODE/verify"
expect_status 200 "verify"
expect_schema TraceVerification "an intact lot's verdict"
check "the schema check is real: a verdict is not a trace document" not_a TraceDocument
VERDICT=$BODY
BODY=$(jq -c '. + {"undocumented": 1}' <<<"$VERDICT")
check "the schema check is strict: a field the file does not name fails" not_a TraceVerification
BODY=$(jq -c '.head.signature = "not hex"' <<<"$VERDICT")
check "the schema check is strict: a malformed signature fails" not_a TraceVerification
BODY=$VERDICT
expect_jq '.verified' true "an untouched chain verifies"
expect_jq '.events_checked' 6 "six events checked"
expect_jq '.broken_event' null "nothing broken"
expect_jq '.head.signature_valid' true "head signature valid"
expect_jq '.key_id' "$KID" "signed by the published key"

api GET "/api/v1/trace/$CODE"
expect_status 200 "trace JSON"
expect_schema TraceDocument "the trace document"
expect_jq '.lot.code' "$CODE" "lot"
expect_jq '.product.name_zh' '绿壳乌鸡蛋' "product"
expect_jq '.cooperative.id' "$AY" "cooperative"
expect_jq '.base.name' '大城基地' "base"
expect_jq '[.events[].kind] | join(",")' raised,fed,inspected,harvested,packed,shipped "timeline in order"
expect_jq '.events[2].details.results[0].item' '恩诺沙星' "inspection results"
expect_jq '.verification.verified' true "verification inside the document"
api GET "/api/v1/trace/NO-SUCH-$S"
expect_error 404 not_found "unknown lot JSON"
api GET "/api/v1/trace/NO-SUCH-$S/verify"
expect_error 404 not_found "unknown lot verify"

# The head signature checks out with the published key, independently
# (python3 + libsodium through ctypes).
HEAD=$(sql "SELECT CONCAT(h.event_count, ' ', h.head_hash, ' ', h.signature) FROM lot_chain_heads h JOIN lots l ON l.id = h.lot_id WHERE l.code = '$CODE'")
check "head signature verifies independently" python3 - "$PK" "$CODE" $HEAD <<'PY'
import ctypes, ctypes.util, sys
pk, code, count, head, sig = sys.argv[1:6]
msg = ('{"count":%s,"head":"%s","lot":"%s","type":"farmlive.lot-head.v1"}' % (count, head, code)).encode()
lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
lib.sodium_init()
ok = lib.crypto_sign_verify_detached(bytes.fromhex(sig), msg, ctypes.c_ulonglong(len(msg)), bytes.fromhex(pk))
sys.exit(0 if ok == 0 else 1)
PY

api GET "/api/v1/trace/$DEMO_LOT/verify"
expect_status 200 "verify the demo lot"
expect_jq '.verified' true "the demo lot verifies"
expect_jq '.events_checked >= 5' true "the demo lot has at least five events"
api GET "/api/v1/trace/$DEMO_LOT"
expect_status 200 "the demo lot's trace"
expect_schema TraceDocument "the demo lot's trace document (seeded certificates)"
expect_jq '.events[0].kind' raised "demo starts with raising"
expect_jq '.events[-1].kind' shipped "demo ends with shipping"

# ---------------------------------------------------------------- tamper
# As an attacker: the app user owns the schema, so it can drop the trigger,
# edit the third event, and re-create the trigger to cover its tracks.
TRIGGER=$(sql "SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = 'trace_events_no_update'" | sed 's/\\n/\n/g')
EV3=$(sql "SELECT e.id FROM trace_events e JOIN lots l ON l.id = e.lot_id WHERE l.code = '$CODE' AND e.seq = 3")
mariadb --no-defaults -h 127.0.0.1 -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$DB_NAME" <<SQL
DROP TRIGGER trace_events_no_update;
UPDATE trace_events SET details = REPLACE(details, '未检出', '0.5 μg/kg') WHERE id = $EV3;
DELIMITER //
CREATE TRIGGER trace_events_no_update BEFORE UPDATE ON trace_events FOR EACH ROW
$TRIGGER//
DELIMITER ;
SQL
check "the attacker's edit landed" test "$(sql "SELECT details LIKE '%0.5 μg/kg%' FROM trace_events WHERE id = $EV3")" = 1
check "the trigger is back" test "$(sql "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'trace_events'")" = 2
api GET "/api/v1/trace/$CODE/verify"
expect_status 200 "verify after tampering"
expect_schema TraceVerification "a tampered lot's verdict"
expect_jq '.verified' false "a tampered chain does not verify"
expect_jq '.broken_event.seq' 3 "the first broken event is the edited one"
expect_jq '.broken_event.id' "$EV3" "by id"
expect_jq '.broken_event.kind' inspected "by kind"
expect_jq '.reason | startswith("event 3")' true "the reason names event 3"
api GET "/t/$CODE"
check "the page shows the failure" grep -q 'id="verification"' <<<"$BODY"
check "the page shows it as failed" grep -q '验证失败' <<<"$BODY"

# A smarter attacker recomputes the edited event's hash: the next event's
# previous hash then breaks, or, for the last event, the signed head.
CODE2="TE-$S-02"
new_lot "$CODE2"
expect_status 201 "a second lot to tamper with"
add_event "$CODE2" harvested 2026-11-01T00:00:00Z '{"kg":10}'
expect_status 201 "its first event"
add_event "$CODE2" packed 2026-11-02T00:00:00Z '{"boxes":5}'
expect_status 201 "its second event"
EV=$(sql "SELECT e.id FROM trace_events e JOIN lots l ON l.id = e.lot_id WHERE l.code = '$CODE2' AND e.seq = 2")
CANON2='{"actor":"刘春花","details":{"boxes":50},"kind":"packed","lot":"'"$CODE2"'","occurred_at":"2026-11-02T00:00:00Z","place":"大城基地","seq":2}'
PREV2=$(sql "SELECT prev_hash FROM trace_events WHERE id = $EV")
NEWH=$(printf '%s%s' "$CANON2" "$PREV2" | sha256sum | cut -d' ' -f1)
mariadb --no-defaults -h 127.0.0.1 -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$DB_NAME" <<SQL
DROP TRIGGER trace_events_no_update;
UPDATE trace_events SET details = '{"boxes":50}', hash = '$NEWH' WHERE id = $EV;
DELIMITER //
CREATE TRIGGER trace_events_no_update BEFORE UPDATE ON trace_events FOR EACH ROW
$TRIGGER//
DELIMITER ;
SQL
api GET "/api/v1/trace/$CODE2/verify"
expect_status 200 "verify after the smarter tampering"
expect_jq '.verified' false "a recomputed hash does not fool verify"
expect_jq '.broken_event.seq' 2 "the last event is named (it is not the signed head)"

finish
