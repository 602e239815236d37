#!/usr/bin/env bash
# live.sh - live sessions, the shop's side (src/shop/api/live.c,
# src/shop/domain/live.c): every route, rights, the relay's internal API
# with good, wrong and missing secrets, the status machine, and the status
# long-poll on the realtime feed as seen by a second shop process this
# suite starts itself (from $SHOP_BIN on a free port, without an internal
# secret, so it also shows the 503 of an unconfigured shop). The feed's
# Server-Sent Events, resume, Redis restarts and slow clients: rt.sh.
#
# Creates its own sessions, so it can run again and again on one database.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
S=$(uniq_suffix)
as() { TOKEN=$1; }
# internal PATH BODY [SECRET|-]  -> the relay's call; "-" sends no secret header
internal() {
    local saved=$TOKEN sec=${3-$SECRET}
    TOKEN=
    if [ "$sec" = - ]; then api POST "$1" "$2"; else api POST "$1" "$2" -H "X-Internal-Secret: $sec"; fi
    TOKEN=$saved
}
publish() { internal /internal/v1/live/publish "$(jq -nc --arg k "$1" '{stream_key:$k,client_ip:"127.0.0.1"}')" "${2-$SECRET}"; }
unpublish() { internal /internal/v1/live/unpublish "$(jq -nc --arg i "$1" '{live_id:$i}')" "${2-$SECRET}"; }
ended() { internal /internal/v1/live/ended "$(jq -nc --arg i "$1" '{live_id:$i}')" "${2-$SECRET}"; }
status_of() { # status_of ID -> the session's status via the public GET
    local saved=$TOKEN
    TOKEN=
    api GET "/api/v1/live/$1"
    TOKEN=$saved
    jqr .status
}
is_hex() { [[ $1 =~ ^[0-9a-f]{$2}$ ]]; }

FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
BUYER=$(login buyer@example.com "$DEMO_PASSWORD")
OPS=$(login ops@example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$FARMER" -a -n "$ADMIN" -a -n "$QBJ_ADMIN" -a -n "$BUYER" -a -n "$OPS"
as "$FARMER"; api GET /api/v1/me; expect_status 200 "the farmer's /me"; AY=$(jqr '.memberships[0].coop_id')
as "$QBJ_ADMIN"; api GET /api/v1/me; expect_status 200 "the other admin's /me"; QBJ=$(jqr '.memberships[0].coop_id')
check "the demo cooperatives are known" test -n "$AY" -a "$AY" != null -a -n "$QBJ" -a "$QBJ" != null

# ------------------------------------------------------------ create: rights
as ""
api POST /api/v1/live '{"title":"anonymous"}'
expect_error 401 unauthorized "anonymous cannot create a live session"
as "$BUYER"
api POST /api/v1/live '{"title":"buyer"}'
expect_error 403 forbidden "a buyer cannot create a live session"
as "$FARMER"
api POST /api/v1/live '{}'
expect_error 422 validation_failed "title is required"
api POST /api/v1/live '{"title":""}'
expect_error 422 validation_failed "an empty title is refused"
api POST /api/v1/live "$(jq -nc --argjson c "$QBJ" '{title:"not mine",coop_id:$c}')"
expect_error 403 forbidden "a farmer cannot go live for another cooperative"
api POST /api/v1/live '{"title":"no such coop","coop_id":999999999}'
expect_error 422 validation_failed "an unknown coop_id"
as "$OPS"
api POST /api/v1/live '{"title":"ops without coop"}'
expect_error 422 validation_failed "a platform admin must name the cooperative"
api POST /api/v1/live "$(jq -nc --argjson c "$AY" --arg t "运营代播 $S" '{title:$t,coop_id:$c}')"
expect_status 201 "a platform admin may create for a named cooperative"
as "$ADMIN"
api POST /api/v1/live "$(jq -nc --arg t "合作社直播 $S" '{title:$t}')"
expect_status 201 "a coop admin creates a session"
ADMIN_LIVE=$(jqr .id)

# ------------------------------------------------------------ create: the answer
as "$FARMER"
api POST /api/v1/live "$(jq -nc --arg t "大城基地 捡蛋 $S" '{title:$t}')"
expect_status 201 "a farmer creates a session from their membership"
ID=$(jqr .id)
KEY=$(jqr .stream_key)
check "id is 16 hex" is_hex "$ID" 16
check "stream_key is 256 bits of hex" is_hex "$KEY" 64
expect_jq .status created "a new session is created"
expect_jq .coop.id "$AY" "the cooperative comes from the membership"
expect_jq ".title" "大城基地 捡蛋 $S" "title"
expect_jq '.rtmp_url | test("^rtmp://[^/]+(:[0-9]+)?/live$")' true "rtmp_url is OBS's Server field"
if [ -n "${FARMLIVE_RTMP_PORT-}" ] && [ -z "${FARMLIVE_RTMP_PUBLIC_URL-}" ]; then
    expect_jq .rtmp_url "rtmp://localhost:$FARMLIVE_RTMP_PORT/live" "rtmp_url uses the configured RTMP port"
fi
expect_jq ".hls_url | endswith(\"/live/$ID/index.m3u8\")" true "hls_url"
expect_jq ".flv_url | endswith(\"/live/$ID.flv\")" true "flv_url"
expect_jq ".recordings_url | endswith(\"/api/recordings?live_id=$ID\")" true "recordings_url (replays)"
expect_jq ".thumbnail_url | endswith(\"/live/$ID/thumb.jpg\")" true "thumbnail_url"
expect_jq '.started_at == null and .ended_at == null' true "not started yet"
check "the answer with the key is not cacheable" test "$(header cache-control)" = no-store
KEY2=$(jq -r .stream_key <<<"$BODY")
api POST /api/v1/live "$(jq -nc --arg t "second $S" '{title:$t}')"
expect_status 201 "a second session"
check "every session gets its own key and id" test "$(jqr .stream_key)" != "$KEY2" -a "$(jqr .id)" != "$ID"

# the key is stored hashed (sha256), never in clear
want=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
check "the stored hash is sha256(key)" test "$(sql "SELECT key_hash FROM live_sessions WHERE public_id = '$ID'")" = "$want"
check "the key itself is nowhere in the table" test "$(sql "SELECT COUNT(*) FROM live_sessions WHERE key_hash = '$KEY' OR title = '$KEY'")" = 0

# ------------------------------------------------------------ reading
as ""
api GET "/api/v1/live/$ID"
expect_status 200 "anyone reads a session"
expect_jq 'has("stream_key")' false "GET never shows the key"
check "the key appears nowhere in GET" test "${BODY/$KEY/}" = "$BODY"
expect_jq .status created "status created"
expect_jq .coop.name "$(sql "SELECT name FROM cooperatives WHERE id = $AY")" "coop name"
api GET /api/v1/live/0000000000000000
expect_error 404 not_found "unknown session"
api GET /api/v1/live/not-an-id
expect_error 404 not_found "malformed session id"

api GET "/api/v1/live?status=created&coop=$AY&limit=1"
expect_status 200 "list created sessions of a cooperative"
expect_jq '.items | length' 1 "limit=1 gives one item"
expect_jq '.items[0] | has("stream_key")' false "lists never show keys"
C1=$(jqr .next_cursor)
FIRST=$(jqr '.items[0].id')
check "a next_cursor is given" test -n "$C1" -a "$C1" != null
api GET "/api/v1/live?status=created&coop=$AY&limit=1&cursor=$C1"
expect_status 200 "second page"
check "the second page holds another session" test "$(jqr '.items[0].id')" != "$FIRST"
api GET "/api/v1/live?status=created&coop=$AY&limit=100"
expect_status 200 "a page of 100"
expect_jq "[.items[].id] | index(\"$ID\") != null" true "the new session is listed as created"
expect_jq '[.items[].status] | unique | join(",")' created "only created sessions"
api GET "/api/v1/live?status=bogus"
expect_error 400 bad_request "unknown status filter"
api GET "/api/v1/live?cursor=zz"
expect_error 400 bad_request "bad cursor"
expect_jq '.error.message | test("cursor")' true "the answer names the parameter"
api GET "/api/v1/live?status=created&coop=$AY&limit=1&cursor="
expect_status 200 "an empty cursor is no cursor"
expect_jq '.items[0].id' "$FIRST" "the first page again"
api GET "/api/v1/live?limit=0"
expect_error 400 bad_request "bad limit"

# ------------------------------------------------------------ internal API: the secret
publish "$KEY" -
expect_error 401 unauthorized "publish without the secret"
publish "$KEY" "wrong-$SECRET"
expect_error 403 forbidden "publish with a wrong secret"
publish "$KEY" "${SECRET:0:10}"
expect_error 403 forbidden "publish with a prefix of the secret"
check "a refused call changes nothing" test "$(status_of "$ID")" = created
unpublish "$ID" -
expect_error 401 unauthorized "unpublish without the secret"
ended "$ID" "nope"
expect_error 403 forbidden "ended with a wrong secret"
internal /internal/v1/live/publish '{"client_ip":"127.0.0.1"}'
expect_error 422 validation_failed "publish without stream_key"
internal /internal/v1/live/publish '{"stream_key":"x"}' -
expect_error 401 unauthorized "the secret is checked before the body"

# ------------------------------------------------------------ internal API: keys and statuses
publish "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
expect_error 403 forbidden "an unknown key is refused"
publish "not-hex"
expect_error 403 forbidden "a malformed key is refused"
publish "${KEY^^}"
expect_error 403 forbidden "keys are exact (no case folding)"
check "after refused keys the session is still created" test "$(status_of "$ID")" = created

publish "$KEY"
expect_status 200 "the right key may publish"
expect_jq .live_id "$ID" "publish answers the public id"
expect_jq .status live "publish sets live"
expect_jq .reconnect false "a first publish is no reconnect"
as ""
api GET "/api/v1/live/$ID"
expect_status 200 "read the live session"
expect_jq .status live "the session is live"
expect_jq '.started_at != null' true "started_at is set"
api GET "/api/v1/live?status=live&limit=100"
expect_status 200 "list live sessions"
expect_jq "[.items[].id] | index(\"$ID\") != null" true "status=live lists it"

publish "$KEY"
expect_status 200 "a second publish with the same key takes over (no stream busy)"
expect_jq .reconnect true "marked as a reconnect"
check "still live after a takeover" test "$(status_of "$ID")" = live

unpublish "$ID"
expect_status 200 "unpublish"
expect_jq .status idle "unpublish makes it idle"
check "idle after unpublish" test "$(status_of "$ID")" = idle
unpublish "$ID"
expect_status 200 "a second unpublish is harmless"
expect_jq .changed false "and changes nothing"
publish "$KEY"
expect_status 200 "reconnect within the grace period"
expect_jq .reconnect true "reconnect flagged"
check "live again" test "$(status_of "$ID")" = live
unpublish 0000000000000000
expect_error 404 not_found "unpublish of an unknown session"
internal /internal/v1/live/unpublish '{}'
expect_error 422 validation_failed "unpublish without live_id"

ended "$ID"
expect_status 200 "ended"
expect_jq .status ended "ended answers ended"
as ""
api GET "/api/v1/live/$ID"
expect_status 200 "read the ended session"
expect_jq .status ended "the session has ended"
expect_jq '.ended_at != null' true "ended_at is set"
publish "$KEY"
expect_error 403 forbidden "an ended session's key is refused"
ended "$ID"
expect_status 200 "ended twice is harmless"
expect_jq .changed false "and changes nothing"
unpublish "$ID"
expect_status 200 "unpublish after the end"
expect_jq .status ended "unpublish after the end leaves it ended"
api GET "/api/v1/live?status=ended&limit=100"
expect_status 200 "list ended sessions"
expect_jq "[.items[].id] | index(\"$ID\") != null" true "status=ended lists it"
ended "$ADMIN_LIVE"
expect_status 200 "end a session that never went live"
expect_jq .status ended "a session that never went live can end"

LID=$(sql "SELECT id FROM live_sessions WHERE public_id = '$ID'")
check "every change is logged in order" test \
    "$(sql "SELECT GROUP_CONCAT(CONCAT(from_status,'>',to_status,':',reason) ORDER BY id) FROM live_status_log WHERE live_id = $LID")" = \
    "created>live:publish,live>live:reconnect,live>idle:unpublish,idle>live:reconnect,live>ended:ended"
check "publish_count counts accepted publishes" test "$(sql "SELECT publish_count FROM live_sessions WHERE id = $LID")" = 3

# ------------------------------------------------------------ events on this process
as ""
api GET "/api/v1/live/$ID/events"
expect_status 200 "events of a session"
expect_jq '[.events[] | select(.status) | .status] | join(",") | endswith("live,idle,live,ended")' true \
    "this process heard live, idle, live, ended (among the room's other events)"
expect_jq '[.events[].seq] | . == sort' true "events come in seq order"
expect_jq '.events[-1].previous' live "events name the previous status"
api GET "/api/v1/live/$ID/events?wait=11"
expect_error 400 bad_request "wait is bounded"
api GET "/api/v1/live/$ID/events?after=x"
expect_error 400 bad_request "after must be a number"
api GET /api/v1/live/0000000000000000/events
expect_error 404 not_found "events of an unknown session"

# ------------------------------------------------------------ a second shop process
as "$FARMER"
api POST /api/v1/live "$(jq -nc --arg t "跨进程 $S" '{title:$t}')"
expect_status 201 "a session for the second process"
ID2=$(jqr .id)
KEY2=$(jqr .stream_key)
P2=$(free_port)
LOG2=$_TMP/shop2.log
FARMLIVE_SHOP_PORT=$P2 FARMLIVE_SHOP_THREADS=2 FARMLIVE_INTERNAL_SECRET= "$SHOP_BIN" serve >"$LOG2" 2>&1 &
PID2=$!
if wait_http "http://127.0.0.1:$P2/healthz" 30 "$PID2"; then ok; else bad "the second shop starts" "$(tail -n 20 "$LOG2")"; fi
SAVED_URL=$SHOP_URL
SHOP_URL=http://127.0.0.1:$P2
sub=false
for _ in $(seq 1 50); do
    api GET "/api/v1/live/$ID2/events"
    sub=$(jqr .subscribed)
    [ "$STATUS" = 200 ] && [ "$sub" = true ] && break
    sleep 0.1
done
expect_status 200 "the second process answers the long-poll"
check "the second process subscribes to the feed (farmlive:rt)" test "$sub" = true
AFTER=$(jqr .last_seq)
publish "$KEY2"
expect_error 503 unavailable "a shop without FARMLIVE_INTERNAL_SECRET refuses the internal API"
expect_jq '.error.message | test("not configured")' true "and says it is not configured"
SHOP_URL=$SAVED_URL

# long-polls wait suspended, not on a worker thread: with 2 worker threads
# and 6 polls waiting, other requests are answered at once, and a poll with
# nothing to hear answers at its timeout with no events
for i in 1 2 3 4 5 6; do
    curl -s --max-time 10 -o "$_TMP/idle$i.json" -w '%{http_code} %{time_total}\n' \
        "http://127.0.0.1:$P2/api/v1/live/$ID2/events?after=$AFTER&wait=3" >"$_TMP/idle$i.time" &
    eval "IDLE$i=\$!"
done
sleep 0.5
waiting=0
for i in 1 2 3 4 5 6; do eval "kill -0 \$IDLE$i 2>/dev/null" && waiting=$((waiting + 1)); done
check "the 6 long-polls are waiting ($waiting)" test "$waiting" = 6
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$P2/api/v1/live/$ID2")
t1=$(date +%s%N)
check "with 6 long-polls waiting on 2 worker threads, another request is answered ($code)" test "$code" = 200
check "at once ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000
for i in 1 2 3 4 5 6; do eval "wait \$IDLE$i"; done
codes=$(cut -d' ' -f1 "$_TMP"/idle[1-6].time | sort -u | tr '\n' ' ')
check "the idle long-polls answered 200 ($codes)" test "$codes" = "200 "
times=$(cut -d' ' -f2 "$_TMP"/idle[1-6].time | tr '\n' ' ')
check "the idle long-polls answered at their 3 s timeout (s: $times)" \
    awk -v t="$times" 'BEGIN { n = split(t, a, " "); for (i = 1; i <= n; i++) if (a[i] < 2.9 || a[i] >= 6) exit 1; exit n != 6 }'
BODY=$(cat "$_TMP/idle6.json")
STATUS=$(cut -d' ' -f1 "$_TMP/idle6.time")
expect_status 200 "the sixth idle long-poll"
expect_jq '.events | length' 0 "an idle long-poll answers no events"
expect_jq ".id" "$ID2" "for its session"
expect_jq ".last_seq" "$AFTER" "with the last seq it heard"

# a long-poll on the second process, a redis-cli subscriber, then the change on the first
curl -s --max-time 15 -o "$_TMP/poll.json" -w '%{http_code}' \
    "http://127.0.0.1:$P2/api/v1/live/$ID2/events?after=$AFTER&wait=8" >"$_TMP/poll.code" &
POLL=$!
if [ -n "${REDIS_PORT-}" ] && command -v redis-cli >/dev/null; then
    timeout 6 redis-cli -p "$REDIS_PORT" --raw SUBSCRIBE farmlive:rt >"$_TMP/sub.txt" 2>&1 &
    RSUB=$!
else
    RSUB=
fi
sleep 0.5
t0=$(date +%s%N)
publish "$KEY2"
expect_status 200 "the first process accepts the publish"
wait "$POLL"
t1=$(date +%s%N)
BODY=$(cat "$_TMP/poll.json")
STATUS=$(cat "$_TMP/poll.code")
expect_status 200 "the second process's long-poll answers"
expect_jq '.events[0].status' live "the second process's long-poll sees the change"
expect_jq '.events[0].previous' created "with the previous status"
expect_jq '.events[0].reason' publish "and the reason"
expect_jq ".events[0].id" "$ID2" "for that session"
check "the long-poll answered at once, not at its timeout ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 5000
SHOP_URL=http://127.0.0.1:$P2
as ""
api GET "/api/v1/live/$ID2"
expect_status 200 "the second process reads the session"
expect_jq .status live "the second process serves the new status"
SHOP_URL=$SAVED_URL
if [ -n "$RSUB" ]; then
    wait "$RSUB"
    check "the change was PUBLISHed on farmlive:rt, on topic live:$ID2, as JSON" \
        grep -q "^live:$ID2 status 0 [0-9]*\$" "$_TMP/sub.txt"
    check "with the event's JSON" grep -q "\"id\":\"$ID2\",\"coop_id\":$AY,\"status\":\"live\"" "$_TMP/sub.txt"
fi
ended "$ID2"

# shutdown answers a waiting long-poll at once instead of waiting for it
curl -s --max-time 15 -o "$_TMP/last.json" -w '%{http_code}' \
    "http://127.0.0.1:$P2/api/v1/live/$ID2/events?after=9000000000000000&wait=10" >"$_TMP/last.code" &
LP=$!
sleep 0.5
check "a long-poll is waiting when SIGTERM comes" kill -0 "$LP"
t0=$(date +%s%N)
kill -TERM "$PID2"
wait "$PID2"
rc=$?
t1=$(date +%s%N)
wait "$LP"
check "the second shop exits 0 on SIGTERM (got $rc)" test "$rc" = 0
check "with a long-poll waiting, within 5 s ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 5000
check "the waiting long-poll got its answer (HTTP $(cat "$_TMP/last.code"))" test "$(cat "$_TMP/last.code")" = 200
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LOG2"; then
    bad "sanitizer report in the second shop's log" "$(grep -m 5 -E 'Sanitizer|runtime error' "$LOG2")"
else ok; fi

finish
