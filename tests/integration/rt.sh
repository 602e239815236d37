#!/usr/bin/env bash
# rt.sh - the realtime feed (src/shop/rt/) through its first user, a live
# session's events route: Server-Sent Events with ids, resume with
# Last-Event-ID (exactly the missed events), an event raised through one shop
# process seen by an SSE subscriber of another (a second shop this suite
# starts on a free port, with 2 worker threads), Redis restarted mid-stream
# (ops/stack.sh stop-redis / start-redis: a real restart), a subscriber that
# stops reading dropped with the shop's memory bounded, long-polls and
# streams that hold no worker thread, the wire (HTTP/1.0 as it is, HTTP/1.1
# as chunks), MariaDB stopped (open streams keep serving, a client
# reconnecting with Last-Event-ID is served from the ring), heartbeats, and
# shutdown ending the streams.
#
# To load the feed fast, the suite publishes some events itself on Redis in
# the feed's wire form ("<topic> <type> <flags> <seq>\n<json>", rt/bus.h),
# numbering them as the feed's script does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
: "${REDIS_PORT:?REDIS_PORT must be set}"
: "${STACK_DIR:?STACK_DIR must name the test stack (tests/run.sh sets it)}"
W=$_TMP
PIDS=() # background processes this suite started: stopped at the end

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup EXIT

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# internal PATH BODY -> the relay's call, on the suite's shop
internal() {
    local saved=$TOKEN
    TOKEN=
    api POST "$1" "$2" -H "X-Internal-Secret: $SECRET"
    TOKEN=$saved
}
publish() { internal /internal/v1/live/publish "$(jq -nc --arg k "$1" '{stream_key:$k}')"; }
unpublish() { internal /internal/v1/live/unpublish "$(jq -nc --arg i "$1" '{live_id:$i}')"; }

# new_live -> "ID KEY" of a new session (as the farmer)
new_live() {
    local saved=$TOKEN
    TOKEN=$FARMER
    api POST /api/v1/live "$(jq -nc --arg t "rt $(uniq_suffix)" '{title:$t}')"
    TOKEN=$saved
    [ "$STATUS" = 201 ] && echo "$(jqr .id) $(jqr .stream_key)"
}

# sse NAME BASE_URL ID [curl args...] -> an SSE client in the background:
# headers in $W/NAME.hdrs, the stream in $W/NAME.out, its pid in SSE_PID
sse() {
    local name=$1 base=$2 id=$3
    shift 3
    curl -s -N -H 'Accept: text/event-stream' -D "$W/$name.hdrs" -o "$W/$name.out" "$@" \
        "$base/api/v1/live/$id/events" &
    SSE_PID=$!
    PIDS+=("$SSE_PID")
}

# sse_status NAME -> the HTTP status of that stream ("" while none yet)
sse_status() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$W/$1.hdrs" 2>/dev/null | tr -d '\r'; }

# ids NAME -> the id: lines of a stream, in order
ids() { sed -n 's/^id: //p' "$W/$1.out" | tr -d '\r'; }

# statuses NAME -> the status of each event's data, comma-separated
statuses() { sed -n 's/^data: //p' "$W/$1.out" | jq -r 'select(.status) | .status' | paste -sd, -; }

# until_statuses NAME LIST [SECONDS] -> waits until statuses NAME is LIST
until_statuses() {
    local i
    for i in $(seq 1 $((${3:-10} * 10))); do
        [ "$(statuses "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# until_has NAME PATTERN [SECONDS] -> waits until the stream holds PATTERN (grep -E)
until_has() {
    local i
    for i in $(seq 1 $((${3:-10} * 20))); do
        grep -q -E "$2" "$W/$1.out" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# inject ID N BYTES -> publishes N events of about BYTES each on live:ID, the
# way the feed's script does (a seq above the topic's and Redis's clock), in
# batches of 50 with a pause (a stream that reads keeps up; one that does
# not falls behind); prints the first seq
inject() {
    local id=$1 n=$2 bytes=$3 topic="live:$1" t s base pad i
    t=$(rcli TIME | tr '\n' ' ')
    read -r s us <<<"$t"
    base=$((s * 1000000 + us))
    s=$(rcli GET "farmlive:rt:seq:$topic")
    [ -n "$s" ] && [ "$s" -gt "$base" ] && base=$s
    rcli SET "farmlive:rt:seq:$topic" $((base + n)) >/dev/null
    pad=$(head -c "$bytes" /dev/zero | tr '\0' 'x')
    for ((i = 1; i <= n; i += 50)); do
        awk -v base="$base" -v from="$i" -v n="$n" -v topic="$topic" -v pad="$pad" 'BEGIN {
            for (k = from; k < from + 50 && k <= n; k++) {
                seq = base + k
                msg = topic " load 0 " seq "\n{\"seq\":" seq ",\"pad\":\"" pad "\"}"
                printf "*3\r\n$7\r\nPUBLISH\r\n$11\r\nfarmlive:rt\r\n$%d\r\n%s\r\n", length(msg), msg
            }
        }' | rcli --pipe >/dev/null
        sleep 0.05
    done
    echo $((base + 1))
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$1/status"; }

FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
check "the farmer signs in" test -n "$FARMER"

# ------------------------------------------------------------ a second shop process
P2=$(free_port)
B=http://127.0.0.1:$P2
LOG2=$W/shop2.log
# a small ASan quarantine: freed memory is reused, so resident memory says
# what the shop holds, not what it freed
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" FARMLIVE_SHOP_PORT=$P2 FARMLIVE_SHOP_THREADS=2 \
    "$SHOP_BIN" serve >"$LOG2" 2>&1 &
PID2=$!
PIDS+=("$PID2")
if wait_http "$B/healthz" 30 "$PID2"; then ok; else bad "the second shop starts" "$(tail -n 20 "$LOG2")"; fi

read -r ID KEY <<<"$(new_live)"
check "a live session to follow" test -n "$ID" -a -n "$KEY"
read -r IDLE_ID _ <<<"$(new_live)"
check "a session nobody changes" test -n "$IDLE_ID"

# a stream on a quiet session, read at the end: heartbeats
sse quiet "$B" "$IDLE_ID"
HB_START=$(date +%s)

# ------------------------------------------------------------ SSE on the suite's shop
sse a1 "$SHOP_URL" "$ID"
A1=$SSE_PID
until_has a1 '"status":"created"'
STATUS=$(sse_status a1)
expect_status 200 "an SSE request is answered 200"
check "as text/event-stream" grep -qi '^content-type: text/event-stream' "$W/a1.hdrs"
check "not cached" grep -qi '^cache-control: no-store' "$W/a1.hdrs"
check "the stream starts with a retry hint" test "$(head -n 1 "$W/a1.out")" = "retry: 3000"
check "the session's past comes first (created)" test "$(statuses a1)" = created

publish "$KEY"
expect_status 200 "publish"
until_has a1 '"status":"live"'
unpublish "$ID"
expect_status 200 "unpublish"
until_has a1 '"status":"idle"'
check "the stream carries created, live, idle ($(statuses a1))" test "$(statuses a1)" = created,live,idle
# (the room's viewer counts may come between the status changes)
check "each event has an id, event and data line" test "$(grep -c '^event: status$' "$W/a1.out")" = 3 -a \
    "$(grep -c '^id: ' "$W/a1.out")" = "$(grep -c '^event: ' "$W/a1.out")" -a \
    "$(grep -c '^data: ' "$W/a1.out")" = "$(grep -c '^event: ' "$W/a1.out")"
check "ids are the events' seqs" test "$(ids a1 | paste -sd,)" = \
    "$(sed -n 's/^data: //p' "$W/a1.out" | jq -r .seq | paste -sd,)"
check "ids grow" test "$(ids a1 | paste -sd,)" = "$(ids a1 | sort -n | paste -sd,)"
LAST=$(ids a1 | tail -n 1)

# ------------------------------------------------------------ resume with Last-Event-ID
kill "$A1" 2>/dev/null
wait "$A1" 2>/dev/null
publish "$KEY"
expect_status 200 "publish while the client is away"
unpublish "$ID"
expect_status 200 "unpublish while the client is away"
sse a2 "$SHOP_URL" "$ID" -H "Last-Event-ID: $LAST" --max-time 3
wait "$SSE_PID"
STATUS=$(sse_status a2)
expect_status 200 "a resumed stream"
check "it gets exactly the two missed events ($(statuses a2))" test "$(statuses a2)" = live,idle
check "none it had already ($LAST)" test -z "$(ids a2 | awk -v l="$LAST" '$1 <= l')"
check "no duplicates ($(ids a2 | paste -sd,))" test "$(ids a2 | sort -u | wc -l)" = "$(ids a2 | wc -l)"
api GET "/api/v1/live/$ID/events" "" -H 'Accept: text/event-stream' -H 'Last-Event-ID: soon'
expect_error 400 bad_request "a Last-Event-ID that is no seq"
api GET "/api/v1/live/0000000000000000/events" "" -H 'Accept: text/event-stream'
expect_error 404 not_found "SSE of an unknown session"

# ------------------------------------------------------------ across processes
sse b1 "$B" "$ID"
until_has b1 '^retry: '
STATUS=$(sse_status b1)
expect_status 200 "the second shop streams"
check "the second shop read the topic's past from Redis ($(statuses b1))" test "$(statuses b1)" = created,live,idle,live,idle
publish "$KEY"
expect_status 200 "publish through the suite's shop"
if until_statuses b1 created,live,idle,live,idle,live; then ok; else
    bad "an event raised through one shop reaches an SSE subscriber of the other" "$(statuses b1)"; fi
check "with the same id on both shops" test "$(ids b1 | tail -n 1)" = "$(rcli GET "farmlive:rt:seq:live:$ID")"

# ------------------------------------------------------------ Redis restarted mid-stream
BEFORE=$(ids b1 | tail -n 1)
ops/stack.sh stop-redis "$STACK_DIR" >/dev/null
sleep 1
ops/stack.sh start-redis "$STACK_DIR" "$REDIS_PORT" >/dev/null
for _ in $(seq 1 300); do [ "$(rcli PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done # past LOADING
check "Redis is back (its AOF loaded)" test "$(rcli PING)" = PONG
unpublish "$ID" # at once: the second shop may not have subscribed again yet (the backlog fills the gap)
expect_status 200 "a change right after the restart"
if until_statuses b1 created,live,idle,live,idle,live,idle 15; then ok; else
    bad "the stream that was open across the restart gets the change" "$(statuses b1)"; fi
check "after the ids it had" test "$(ids b1 | tail -n 1)" -gt "$BEFORE"
publish "$KEY"
expect_status 200 "one more change"
if until_statuses b1 created,live,idle,live,idle,live,idle,live; then ok; else
    bad "and the next one" "$(statuses b1)"; fi
sub=false
for _ in $(seq 1 100); do
    SAVED=$SHOP_URL SHOP_URL=$B
    api GET "/api/v1/live/$ID/events"
    SHOP_URL=$SAVED
    [ "$STATUS" = 200 ] && sub=$(jqr .subscribed) && [ "$sub" = true ] && break
    sleep 0.1
done
expect_status 200 "the second shop's long-poll after the restart"
check "the second shop follows Redis again (subscribed)" test "$sub" = true

# ------------------------------------------------------------ no worker thread per client
read -r LP_ID LP_KEY <<<"$(new_live)"
check "a session for the crowd" test -n "$LP_ID"
SAVED=$SHOP_URL SHOP_URL=$B
api GET "/api/v1/live/$LP_ID/events"
SHOP_URL=$SAVED
expect_status 200 "the crowd's session on the second shop"
LP_AFTER=$(jqr .last_seq)
T0=$(threads "$PID2")
N=20
CROWD=()
for i in $(seq 1 $N); do
    curl -s --max-time 20 -o "$W/lp$i.json" -w '%{http_code}' \
        "$B/api/v1/live/$LP_ID/events?after=$LP_AFTER&wait=10" >"$W/lp$i.code" &
    PIDS+=($!)
    eval "LP$i=\$!"
    sse "crowd$i" "$B" "$LP_ID"
    CROWD+=("$SSE_PID")
done
for _ in $(seq 1 100); do
    n=$(grep -l '^retry: ' "$W"/crowd*.out 2>/dev/null | wc -l)
    [ "$n" = $N ] && break
    sleep 0.1
done
check "$N streams started ($n)" test "$n" = $N
sleep 0.5
waiting=0
for i in $(seq 1 $N); do eval "kill -0 \$LP$i 2>/dev/null" && waiting=$((waiting + 1)); done
check "$N long-polls are waiting ($waiting)" test "$waiting" = $N
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$B/api/v1/live/$LP_ID")
t1=$(date +%s%N)
check "with $N long-polls and $N streams on 2 worker threads, another request is answered ($code)" test "$code" = 200
check "at once ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1000
check "the shop's threads did not grow with its clients ($T0 -> $(threads "$PID2"))" test "$(threads "$PID2")" = "$T0"
publish "$LP_KEY"
expect_status 200 "the crowd's session goes live"
for i in $(seq 1 $N); do eval "wait \$LP$i"; done
got=0
for i in $(seq 1 $N); do
    [ "$(cat "$W/lp$i.code")" = 200 ] && [ "$(jq -r '.events[0].status' "$W/lp$i.json")" = live ] && got=$((got + 1))
done
check "every long-poll answered 200 with the change ($got of $N)" test "$got" = $N
sleep 1
got=0
for i in $(seq 1 $N); do [ "$(sse_status "crowd$i")" = 200 ] && grep -q '"status":"live"' "$W/crowd$i.out" && got=$((got + 1)); done
check "every stream got it too ($got of $N)" test "$got" = $N

# ------------------------------------------------------------ a subscriber that stops reading
read -r SLOW_ID _ <<<"$(new_live)"
check "a session for the slow client" test -n "$SLOW_ID"
exec {SLOW}<>"/dev/tcp/127.0.0.1/$P2"
printf 'GET /api/v1/live/%s/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n' "$SLOW_ID" >&"$SLOW"
sse fast "$B" "$SLOW_ID"
until_has fast '^retry: '
STATUS=$(sse_status fast)
expect_status 200 "a client that reads, beside it"
sleep 0.5
RSS0=$(rss_kb "$PID2")
FIRST=$(inject "$SLOW_ID" 4000 2000) # 8 MB through the topic
if timeout 20 cat <&"$SLOW" >/dev/null; then ok; else bad "the client that does not read is dropped (its connection closed)"; fi
exec {SLOW}<&-
RSS1=$(rss_kb "$PID2")
# a stream that buffered what its client did not read would hold all 8 MB
check "the shop's memory stayed bounded with 8 MB sent to a client that did not read ($RSS0 -> $RSS1 kB)" \
    test $((RSS1 - RSS0)) -lt 6144
until_has fast "^id: $((FIRST + 3999))\$" 20
got=$(ids fast | awk -v f="$FIRST" '$1 >= f' | wc -l)
check "the client that reads got all 4000 events ($got)" test "$got" = 4000
sse late "$B" "$SLOW_ID" -H "Last-Event-ID: $FIRST" --max-time 2
wait "$SSE_PID"
STATUS=$(sse_status late)
expect_status 200 "a client resuming from a seq long gone"
check "is told what it lost first" test "$(sed -n '3,4p' "$W/late.out" | tr '\n' '|')" = \
    "event: truncated|data: {\"after\":$FIRST}|"
check "then gets what the ring holds, the newest last" test "$(ids late | tail -n 1)" = $((FIRST + 3999))

# ------------------------------------------------------------ the wire: HTTP/1.0 as it is, HTTP/1.1 as chunks
read -r WIRE_ID _ <<<"$(new_live)"
check "a session for the raw clients" test -n "$WIRE_ID"
raw() { # raw VERSION NAME: a raw request on the second shop, 2 s of what comes back
    local fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$P2"
    printf 'GET /api/v1/live/%s/events %s\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n' "$WIRE_ID" "$1" >&"$fd"
    timeout 2 cat <&"$fd" >"$W/$2.raw"
    exec {fd}<&-
}
raw HTTP/1.0 h10
check "HTTP/1.0: 200" grep -q '^HTTP/1.[01] 200' "$W/h10.raw"
check "HTTP/1.0: not chunked" test -z "$(grep -i '^transfer-encoding' "$W/h10.raw")"
check "HTTP/1.0: the events as they are after the headers" test "$(tr -d '\r' <"$W/h10.raw" | sed -n '/^$/,$p' | sed -n 2p)" = "retry: 3000"
raw HTTP/1.1 h11
check "HTTP/1.1: chunked" grep -qi '^transfer-encoding: chunked' "$W/h11.raw"
check "HTTP/1.1: the hello in a chunk of its size" test "$(tr -d '\r' <"$W/h11.raw" | sed -n '/^$/,$p' | sed -n '2,3p' | paste -sd'|')" = "d|retry: 3000"

# ------------------------------------------------------------ MariaDB down: the streams keep serving
read -r DB_ID DB_KEY <<<"$(new_live)"
check "a session for the outage" test -n "$DB_ID"
sse dbo "$B" "$DB_ID"
until_has dbo '"status":"created"'
STATUS=$(sse_status dbo)
expect_status 200 "a stream before the outage"
ops/stack.sh stop-db "$STACK_DIR" >/dev/null 2>&1
publish "$DB_KEY"
expect_status 503 "with MariaDB down a write answers 503"
DB_FIRST=$(inject "$DB_ID" 3 100) # events raised without MariaDB, as likes and viewer counts are
if until_has dbo "^id: $((DB_FIRST + 2))\$" 10; then ok; else bad "an open stream keeps serving with MariaDB down" "$(tail -n 5 "$W/dbo.out")"; fi
sse dbr "$B" "$DB_ID" -H "Last-Event-ID: $DB_FIRST" --max-time 3
wait "$SSE_PID"
STATUS=$(sse_status dbr)
expect_status 200 "a client reconnecting with Last-Event-ID while MariaDB is down"
check "gets exactly what it missed ($(ids dbr | paste -sd,))" test "$(ids dbr | paste -sd,)" = "$((DB_FIRST + 1)),$((DB_FIRST + 2))"
SAVED=$SHOP_URL SHOP_URL=$B
api GET "/api/v1/live/$DB_ID/events?after=$DB_FIRST"
expect_status 200 "a long-poll while MariaDB is down"
expect_jq '.events | length' 2 "with the two events after its seq"
api GET "/api/v1/live/0000000000000000/events"
expect_status 503 "a session the feed does not know: 503 while MariaDB is down (it cannot tell)"
SHOP_URL=$SAVED
ops/stack.sh start-db "$STACK_DIR" "$DB_PORT" >/dev/null 2>&1
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$B/healthz" && curl -fsS -o /dev/null "$SHOP_URL/healthz" && break; sleep 0.2; done
publish "$DB_KEY"
expect_status 200 "MariaDB back: the write goes through"
if until_has dbo '"status":"live"' 10; then ok; else bad "and the stream that stayed open gets it"; fi

# ------------------------------------------------------------ heartbeats
sleep $((HB_START + 16 - $(date +%s) > 0 ? HB_START + 16 - $(date +%s) : 0))
STATUS=$(sse_status quiet)
expect_status 200 "the quiet stream"
check "a quiet stream gets a heartbeat comment within 16 s" grep -q '^: hb$' "$W/quiet.out"

# ------------------------------------------------------------ shutdown ends the streams
open=0
for p in "${CROWD[@]}"; do kill -0 "$p" 2>/dev/null && open=$((open + 1)); done
check "the crowd's $N streams are open when SIGTERM comes ($open)" test "$open" = $N
curl -s --max-time 15 -o "$W/last.json" -w '%{http_code}' \
    "$B/api/v1/live/$LP_ID/events?after=9000000000000000&wait=10" >"$W/last.code" &
LP=$!
PIDS+=("$LP")
sse end "$B" "$IDLE_ID"
END=$SSE_PID
until_has end '^retry: '
t0=$(date +%s%N)
kill -TERM "$PID2"
wait "$PID2"
rc=$?
t1=$(date +%s%N)
check "the second shop exits 0 on SIGTERM (got $rc)" test "$rc" = 0
check "with $((N + 3)) streams and a long-poll open, within 5 s ($(((t1 - t0) / 1000000)) ms)" \
    test $(((t1 - t0) / 1000000)) -lt 5000
wait "$LP"
check "the waiting long-poll got its answer (HTTP $(cat "$W/last.code"))" test "$(cat "$W/last.code")" = 200
wait "$END"
erc=$?
check "a stream ends cleanly (curl exit $erc)" test "$erc" = 0
ended=0
for p in "${CROWD[@]}"; do wait "$p" && ended=$((ended + 1)); done
check "so do the crowd's ($ended of $N)" test "$ended" = $N
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LOG2"; then
    bad "sanitizer report in the second shop's log" "$(grep -m 5 -E 'Sanitizer|runtime error' "$LOG2")"
else ok; fi

finish
