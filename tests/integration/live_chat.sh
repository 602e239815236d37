#!/usr/bin/env bash
# live_chat.sh - a live room's social half (src/shop/api/room.c,
# src/shop/domain/{chat,room_counts,room_events}.c): chat posted, listed,
# deleted; banned words that hide a message (a cooperative's, and the
# platform's in every cooperative's room); mutes; the flood limit (429
# with Retry-After, others unaffected); bad text (HTML, control characters,
# invalid UTF-8, 10 KB); likes pushed as totals; viewer counts (the room's
# realtime subscribers on two shop processes, peak and unique kept); the
# "just bought" notice raised through shop_room_bought (bin/room-bought), a
# burst of them held back to one a gap and counted into the next -
# each seen by SSE clients (curl -N) of both this suite's shop and a second
# shop process it starts, behind the same Redis.
#
# Creates its own accounts and sessions, so it can run again on one database.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
: "${BIN_DIR:?BIN_DIR must name the binaries}"
W=$_TMP
S=$(uniq_suffix)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup EXIT

as() { TOKEN=$1; }
# on BASE METHOD PATH [BODY] -> api against another shop
on() {
    local saved=$SHOP_URL
    SHOP_URL=$1
    shift
    api "$@"
    SHOP_URL=$saved
}
internal() {
    local saved=$TOKEN
    TOKEN=
    api POST "$1" "$2" -H "X-Internal-Secret: $SECRET"
    TOKEN=$saved
}
# new_buyer NAME -> "TOKEN ACCOUNT_ID" of a new account
new_buyer() {
    local saved=$TOKEN u
    u=$(uniq_suffix)
    TOKEN=
    api POST /api/v1/accounts "$(jq -nc --arg e "chat$u@example.com" --arg n "$1" \
        '{email:$e,password:"long-enough-pw",display_name:$n}')"
    local id
    id=$(jqr .account.id)
    TOKEN=$(login "chat$u@example.com" long-enough-pw)
    echo "$TOKEN $id"
    TOKEN=$saved
}
# sse NAME BASE ID -> an SSE client in the background ($W/NAME.out)
sse() {
    curl -s -N -H 'Accept: text/event-stream' -o "$W/$1.out" "$2/api/v1/live/$3/events" &
    PIDS+=("$!")
}
# data NAME TYPE -> the data of each event of TYPE in that stream, one JSON a line
data() { awk -v t="$2" '/^event: /{e=substr($0,8)} /^data: /{if(e==t)print substr($0,7)}' "$W/$1.out" | tr -d '\r'; }
# until_jq NAME TYPE FILTER [SECONDS] -> waits until some TYPE event's data passes FILTER
until_jq() {
    local i
    for i in $(seq 1 $((${4:-15} * 10))); do
        data "$1" "$2" | jq -e "select($3)" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$FARMER" -a -n "$ADMIN" -a -n "$QBJ_ADMIN"
as "$ADMIN"; api GET /api/v1/me; expect_status 200 "the admin's /me"; AY=$(jqr '.memberships[0].coop_id')
FARMER_ID=$(TOKEN=$FARMER; api GET /api/v1/me; jqr .account.id)
read -r B1 B1_ID <<<"$(new_buyer 张三)"
read -r B2 B2_ID <<<"$(new_buyer alice)"
read -r B3 _ <<<"$(new_buyer 王五)"
check "three new buyers" test -n "$B1" -a -n "$B2" -a -n "$B3" -a -n "$B1_ID" -a "$B1_ID" != null -a -n "$B2_ID" -a "$B2_ID" != null
check "the farmer's account id" test -n "$FARMER_ID" -a "$FARMER_ID" != null

as "$FARMER"
api POST /api/v1/live "$(jq -nc --arg t "chat $S" '{title:$t}')"
expect_status 201 "a session to chat in"
ID=$(jqr .id)
KEY=$(jqr .stream_key)

# ------------------------------------------------------------ a second shop process
P2=$(free_port)
B=http://127.0.0.1:$P2
FARMLIVE_SHOP_PORT=$P2 FARMLIVE_SHOP_THREADS=2 "$SHOP_BIN" serve >"$W/shop2.log" 2>&1 &
PID2=$!
PIDS+=("$PID2")
if wait_http "$B/healthz" 30 "$PID2"; then ok; else bad "the second shop starts" "$(tail -n 20 "$W/shop2.log")"; fi
sse a "$SHOP_URL" "$ID"
sse b "$B" "$ID"

# ------------------------------------------------------------ post: text is text
as ""
api POST "/api/v1/live/$ID/chat" '{"text":"hi"}'
expect_error 401 unauthorized "anonymous cannot chat"
as "$B1"
api POST "/api/v1/live/$ID/chat" '{"text":"  <script>alert(1)</script>\u0001 <b>hi</b>\n\n there  "}'
expect_status 201 "a message with HTML and control characters"
expect_jq .text '<script>alert(1)</script> <b>hi</b> there' "stored as text, control characters and breaks as one space"
expect_jq .author '张**' "the author masked"
expect_jq .hidden false "visible"
M1=$(jqr .id)
check "the message has an id" test -n "$M1" -a "$M1" != null
if until_jq a chat ".id == $M1 and .text == \"<script>alert(1)</script> <b>hi</b> there\" and .author == \"张**\""; then
    ok
else bad "an SSE client of the shop that took it sees the chat, as text" "$(tail -c 600 "$W/a.out")"; fi
if until_jq b chat ".id == $M1"; then ok; else
    bad "an SSE client of the other shop sees it" "$(tail -c 600 "$W/b.out")"; fi
check "no account id in the room's event" test "$(data a chat | jq -r "select(.id == $M1) | has(\"account_id\")")" = false

LONG200=$(printf '蛋%.0s' $(seq 1 200))
api POST "/api/v1/live/$ID/chat" "$(jq -nc --arg t "$LONG200" '{text:$t}')"
expect_status 201 "200 characters are allowed"
api POST "/api/v1/live/$ID/chat" "$(jq -nc --arg t "${LONG200}x" '{text:$t}')"
expect_error 422 validation_failed "201 characters are refused"
api POST "/api/v1/live/$ID/chat" "$(jq -nc --arg t "$(head -c 10240 /dev/zero | tr '\0' a)" '{text:$t}')"
expect_error 422 validation_failed "10 KB of text is refused"
api POST "/api/v1/live/$ID/chat" '{"text":" \u0007\t\n "}'
expect_error 422 validation_failed "nothing but blanks is refused"
printf '{"text":"bad \xc3\x28 utf8"}' >"$W/bad.json"
api POST "/api/v1/live/$ID/chat" "@$W/bad.json"
expect_status 400 "invalid UTF-8 is refused"
api POST "/api/v1/live/$ID/chat" '{"text":"bad \ud800 surrogate"}'
expect_status 400 "a lone surrogate is refused"
api POST "/api/v1/live/$ID/chat" '{"text":42}'
expect_error 422 validation_failed "text must be a string"
api POST "/api/v1/live/0000000000000000/chat" '{"text":"hi"}'
expect_error 404 not_found "an unknown session"
c=$(sql "SELECT COUNT(*) FROM live_chat c JOIN live_sessions l ON l.id = c.live_id WHERE l.public_id = '$ID'")
check "only the two accepted messages were stored ($c)" test "$c" = 2

# ------------------------------------------------------------ banned words
WORD="SpamWord$S"
as "$FARMER"
api POST "/api/v1/coops/$AY/banned-words" "$(jq -nc --arg w "$WORD" '{word:$w}')"
expect_error 403 forbidden "a farmer cannot ban words"
as "$QBJ_ADMIN"
api POST "/api/v1/coops/$AY/banned-words" "$(jq -nc --arg w "$WORD" '{word:$w}')"
expect_error 403 forbidden "another cooperative's admin cannot ban words here"
as "$ADMIN"
api POST "/api/v1/coops/$AY/banned-words" "$(jq -nc --arg w "$WORD" '{word:$w}')"
expect_status 201 "the admin bans a word"
expect_jq .word "$WORD" "as given"
WID=$(jqr .id)
api POST "/api/v1/coops/$AY/banned-words" "$(jq -nc --arg w "$WORD" '{word:$w}')"
expect_error 409 duplicate "the same word twice"
api POST "/api/v1/coops/$AY/banned-words" '{"word":" \u0001 "}'
expect_error 422 validation_failed "a blank word"
api GET "/api/v1/coops/$AY/banned-words?limit=100"
expect_status 200 "the admin lists the words"
check "the word is listed" test "$(jqr "[.items[] | select(.id == $WID)] | length")" = 1

as "$B2"
api POST "/api/v1/live/$ID/chat" "$(jq -nc --arg t "buy at ${WORD,,} now" '{text:$t}')"
expect_status 201 "a message with a banned word (other case) is taken"
expect_jq .hidden true "but hidden"
HID=$(jqr .id)
api POST "/api/v1/live/$ID/chat" '{"text":"hello from alice"}'
expect_status 201 "alice's clean message"
M2=$(jqr .id)
until_jq a chat ".id == $M2" >/dev/null
check "the hidden message never reached the room" test -z "$(data a chat | jq -r "select(.id == $HID) | .id")"
api GET "/api/v1/live/$ID/chat"
expect_status 200 "its author lists the chat"
check "its author sees the hidden message" test "$(jqr "[.items[] | select(.id == $HID and .hidden)] | length")" = 1
as "$B1"
api GET "/api/v1/live/$ID/chat"
expect_status 200 "someone else lists the chat"
check "nobody else sees it" test "$(jqr "[.items[] | select(.id == $HID)] | length")" = 0
check "no account ids for buyers" test "$(jqr '[.items[] | has("account_id")] | any')" = false
as "$FARMER"
api GET "/api/v1/live/$ID/chat"
expect_status 200 "the farmer lists the chat"
check "the farmer sees who wrote what" test "$(jqr ".items[] | select(.id == $M1) | .account_id")" = "$B1_ID"
as "$ADMIN"
api DELETE "/api/v1/coops/$AY/banned-words/$WID"
expect_status 204 "the admin allows the word again"
api DELETE "/api/v1/coops/$AY/banned-words/$WID"
expect_error 404 not_found "a word already removed"

# ------------------------------------------------------------ the platform's banned words
OPS=$(login ops@example.com "$DEMO_PASSWORD")
PWORD="PlatWord$S"
read -r B4 _ <<<"$(new_buyer 赵六)"
as "$QBJ_ADMIN"
api POST /api/v1/live "$(jq -nc --arg t "qbj chat $S" '{title:$t}')"
expect_status 201 "another cooperative's session"
QID=$(jqr .id)
as "$ADMIN"
api POST /api/v1/admin/banned-words "$(jq -nc --arg w "$PWORD" '{word:$w}')"
expect_error 403 forbidden "a coop admin cannot ban a word for the platform"
api GET /api/v1/admin/banned-words
expect_error 403 forbidden "nor list the platform's words"
as "$OPS"
api POST /api/v1/admin/banned-words "$(jq -nc --arg w "$PWORD" '{word:$w}')"
expect_status 201 "a platform admin bans a word everywhere"
expect_jq .word "$PWORD" "as given"
PWID=$(jqr .id)
api POST /api/v1/admin/banned-words "$(jq -nc --arg w "${PWORD^^}" '{word:$w}')"
expect_error 409 duplicate "the same word twice (other case) on the platform"
api GET "/api/v1/admin/banned-words?limit=100"
expect_status 200 "the platform admin lists the platform's words"
check "the word is listed" test "$(jqr "[.items[] | select(.id == $PWID)] | length")" = 1
as "$ADMIN"
api GET "/api/v1/coops/$AY/banned-words?limit=100"
expect_status 200 "the coop admin lists her own words"
check "the platform's word is not hers" test "$(jqr "[.items[] | select(.id == $PWID)] | length")" = 0
api DELETE "/api/v1/coops/$AY/banned-words/$PWID"
expect_error 404 not_found "nor can she remove it through her list"
as "$B4"
api POST "/api/v1/live/$ID/chat" "$(jq -nc --arg t "see ${PWORD,,} here" '{text:$t}')"
expect_status 201 "a message with the platform's word in Anyuan's room"
expect_jq .hidden true "hidden"
api POST "/api/v1/live/$QID/chat" "$(jq -nc --arg t "see $PWORD there" '{text:$t}')"
expect_status 201 "and in Qingbaijiang's room"
expect_jq .hidden true "hidden too"
as "$OPS"
api DELETE "/api/v1/admin/banned-words/$PWID"
expect_status 204 "the platform admin allows the word again"
api DELETE "/api/v1/admin/banned-words/$PWID"
expect_error 404 not_found "a platform word already removed"
as "$B4"
api POST "/api/v1/live/$QID/chat" "$(jq -nc --arg t "see $PWORD again" '{text:$t}')"
expect_status 201 "the word once allowed"
expect_jq .hidden false "shows"

# ------------------------------------------------------------ delete
as "$B1"
api DELETE "/api/v1/live/$ID/chat/$M1"
expect_error 403 forbidden "a buyer cannot delete"
as "$QBJ_ADMIN"
api DELETE "/api/v1/live/$ID/chat/$M1"
expect_error 403 forbidden "another cooperative's admin cannot delete"
as "$FARMER"
api DELETE "/api/v1/live/$ID/chat/$M1"
expect_status 204 "the farmer deletes a message"
api DELETE "/api/v1/live/$ID/chat/$M1"
expect_status 204 "deleting twice is fine"
api DELETE "/api/v1/live/$ID/chat/999999999"
expect_error 404 not_found "an unknown message"
if until_jq b chat_deleted ".id == $M1"; then ok; else
    bad "the deletion reaches the other shop's SSE client" "$(tail -c 400 "$W/b.out")"; fi
check "raised once" test "$(data a chat_deleted | jq -r "select(.id == $M1) | .id" | wc -l)" = 1
as ""
api GET "/api/v1/live/$ID/chat"
expect_status 200 "anonymous lists the chat"
check "the deleted message is gone from the list" test "$(jqr "[.items[] | select(.id == $M1)] | length")" = 0
check "alice's message is there" test "$(jqr "[.items[] | select(.id == $M2)] | length")" = 1

# ------------------------------------------------------------ mute
as "$B1"
api POST "/api/v1/live/$ID/mutes" "$(jq -nc --argjson m "$M2" '{message_id:$m}')"
expect_error 403 forbidden "a buyer cannot mute"
as "$FARMER"
api POST "/api/v1/live/$ID/mutes" "$(jq -nc --argjson m "$M2" '{message_id:$m}')"
expect_status 200 "the farmer mutes the author of a message"
expect_jq .account_id "$B2_ID" "alice"
api POST "/api/v1/live/$ID/mutes" "$(jq -nc --argjson a "$B2_ID" '{account_id:$a}')"
expect_status 200 "muting again is fine"
api POST "/api/v1/live/$ID/mutes" "$(jq -nc --argjson a "$FARMER_ID" '{account_id:$a}')"
expect_error 422 validation_failed "a member of the cooperative cannot be muted"
api POST "/api/v1/live/$ID/mutes" "$(jq -nc --argjson a "$B2_ID" --argjson m "$M2" '{account_id:$a,message_id:$m}')"
expect_error 422 validation_failed "account and message together"
api POST "/api/v1/live/$ID/mutes" '{}'
expect_error 422 validation_failed "neither"
as "$B2"
api POST "/api/v1/live/$ID/chat" '{"text":"am I muted?"}'
expect_error 403 muted "a muted account cannot post"
as "$B1"
api POST "/api/v1/live/$ID/chat" '{"text":"I am not muted"}'
expect_status 201 "the others still can"
as "$FARMER"
api DELETE "/api/v1/live/$ID/mutes/$B2_ID"
expect_status 204 "the farmer lifts the mute"
as "$B2"
api POST "/api/v1/live/$ID/chat" '{"text":"back again"}'
expect_status 201 "and alice posts again"

# ------------------------------------------------------------ flood
as "$B3"
codes=""
for i in 1 2 3 4 5 6 7; do
    api POST "/api/v1/live/$ID/chat" "{\"text\":\"flood $i\"}"
    codes="$codes$STATUS "
done
check "five pass, then 429 ($codes)" test "$codes" = "201 201 201 201 201 429 429 "
expect_error 429 rate_limited "a flood is refused"
ra=$(header Retry-After)
check "with Retry-After 1..10 ($ra)" test -n "$ra" -a "${ra:-0}" -ge 1 -a "${ra:-0}" -le 10
as "$B1"
api POST "/api/v1/live/$ID/chat" '{"text":"others are unaffected"}'
expect_status 201 "another account posts during the flood"
on "$B" POST "/api/v1/live/$ID/chat" '{"text":"through the second shop"}'
expect_status 201 "a message through the second shop"
M3=$(jqr .id)
if until_jq a chat ".id == $M3"; then ok; else bad "reaches the first shop's SSE client" "$(tail -c 400 "$W/a.out")"; fi

# ------------------------------------------------------------ a late joiner's last 50
LID=$(sql "SELECT id FROM live_sessions WHERE public_id = '$ID'")
sql "INSERT INTO live_chat (live_id, account_id, body) SELECT $LID, $B1_ID, CONCAT('bulk ', seq) FROM seq_1_to_60"
as ""
api GET "/api/v1/live/$ID/chat"
expect_status 200 "a late joiner's list"
expect_jq '.items | length' 50 "the last 50 messages"
expect_jq '.items[0].text' 'bulk 60' "newest first"
NEXT=$(jqr .next_cursor)
api GET "/api/v1/live/$ID/chat?cursor=$NEXT&limit=100"
expect_status 200 "the page before"
check "the rest follows ($(jqr '.items | length'))" test "$(jqr '.items | length')" -ge 10
expect_jq .next_cursor null "the last page"
api GET "/api/v1/live/$ID/chat?limit=0"
expect_error 400 bad_request "a bad limit"

# ------------------------------------------------------------ likes
UPD=$(sql "SELECT updated_at FROM live_sessions WHERE public_id = '$ID'")
as "$B1"
api POST "/api/v1/live/$ID/likes" '{"taps":0}'
expect_error 422 validation_failed "0 taps"
api POST "/api/v1/live/$ID/likes" '{"taps":101}'
expect_error 422 validation_failed "101 taps"
api POST "/api/v1/live/$ID/likes" '{"taps":7}'
expect_status 202 "7 taps"
as "$B2"
for i in $(seq 1 10); do api POST "/api/v1/live/$ID/likes" '{}'; done
expect_status 202 "single taps"
on "$B" POST "/api/v1/live/$ID/likes" '{"taps":3}'
expect_status 202 "taps through the second shop"
if until_jq a likes '.total == 20' 20; then ok; else bad "the total reaches the room" "$(data a likes | tail -n 3)"; fi
if until_jq b likes '.total == 20' 20; then ok; else bad "and the other shop's room" "$(data b likes | tail -n 3)"; fi
n=$(data a likes | wc -l)
check "as a few totals, not one event per tap ($n events for 12 requests)" test "$n" -lt 12
check "kept on the session" test "$(sql "SELECT likes FROM live_sessions WHERE public_id = '$ID'")" = 20
check "the counters leave the session's updated_at (the sweep's guard) alone" \
    test "$(sql "SELECT updated_at FROM live_sessions WHERE public_id = '$ID'")" = "$UPD"

# ------------------------------------------------------------ viewers
internal /internal/v1/live/publish "$(jq -nc --arg k "$KEY" '{stream_key:$k}')"
expect_status 200 "the session goes live"
sse c "$B" "$ID"
if until_jq a viewers '.realtime >= 3 and .viewers >= 3' 20; then ok; else
    bad "the room's realtime subscribers on both shops are counted" "$(data a viewers | tail -n 3)"; fi
if until_jq b viewers '.peak >= 3' 20; then ok; else bad "with the peak" "$(data b viewers | tail -n 3)"; fi
# kept by whichever process adds up a pass: within a few passes (2 s each)
for _ in $(seq 40); do
    peak=$(sql "SELECT peak_viewers FROM live_sessions WHERE public_id = '$ID'")
    uniq=$(sql "SELECT unique_viewers FROM live_sessions WHERE public_id = '$ID'")
    [ "${peak:-0}" -ge 3 ] && [ "${uniq:-0}" -ge 1 ] && break
    sleep 0.5
done
check "peak kept on the session ($peak)" test "${peak:-0}" -ge 3
check "unique viewers kept on the session ($uniq)" test "${uniq:-0}" -ge 1
# a page loading now starts from the session's JSON, then the events
on "$B" GET "/api/v1/live/$ID"
expect_status 200 "the session, as a page loading late reads it (the other shop)"
expect_jq .likes 20 "with the likes so far"
check "and the viewers as last pushed ($(jqr -c .viewers))" test "$(jqr '.viewers.realtime >= 3 and .viewers.live_id == "'"$ID"'"')" = true
api GET "/api/v1/live/$ID/events"
expect_status 200 "a long-poll of the room"
check "each long-polled event names its type, as SSE's event: field does" \
    test "$(jqr '[.events[] | has("type") and has("seq")] | all')" = true
check "its likes and viewers events among them" \
    test "$(jqr '[.events[] | select(.type == "likes" or .type == "viewers")] | length > 0')" = true

# ------------------------------------------------------------ just bought
if out=$("$BIN_DIR/room-bought" "$ID" "$B1_ID" 2 "绿壳鸡蛋 30枚" 2>&1); then ok; else
    bad "shop_room_bought raises the notice" "$out"; fi
if until_jq a bought '.buyer == "张**" and .product == "绿壳鸡蛋 30枚" and .qty == 2'; then ok; else
    bad "the room sees who bought what, masked" "$(tail -c 400 "$W/a.out")"; fi
if until_jq b bought '.qty == 2'; then ok; else bad "on both shops" "$(tail -c 400 "$W/b.out")"; fi
if "$BIN_DIR/room-bought" 0000000000000000 "$B1_ID" 1 x >/dev/null 2>&1; then
    bad "an unknown session raises nothing"
else ok; fi
# a burst of orders: at most one notice a gap, the orders held back counted into the next one
burst=$("$BIN_DIR/room-bought" "$ID" "$B1_ID" 1 "绿壳鸡蛋 30枚" 20 2>&1 | grep -E '^raised=' || true)
eval "$(printf '%s' "$burst" | tr ' ' '\n' | grep -E '^(raised|held|elapsed_ms)=[0-9]+$')"
check "20 orders in a row, each one raised or held back ($burst)" test "$((${raised:-0} + ${held:-0}))" -eq 20
check "at most one notice a gap (500 ms) in the burst" test "${raised:-99}" -le $((${elapsed_ms:-0} / 500 + 1))
check "the others held back" test "${held:-0}" -ge 1
orders=21 # the notice above, then the burst
for _ in $(seq 1 200); do # one order more each time until the gate lets its notice go
    orders=$((orders + 1))
    "$BIN_DIR/room-bought" "$ID" "$B1_ID" 1 x >/dev/null 2>&1 && break
done
for _ in $(seq 1 150); do
    seen=$(data a bought | jq -s 'map(1 + .others) | add')
    [ "$seen" = "$orders" ] && break
    sleep 0.1
done
check "the notices count every order once: each one plus the others it held back ($seen of $orders)" \
    test "$seen" = "$orders"
# the shop's way: orders queued (on the order writer's thread), one flush a
# tick (the room ticker's thread): one gate pass and at most one notice for
# all the room's queued orders, the ones held back still counted
most=0
for _ in $(seq 1 200); do
    line=$("$BIN_DIR/room-bought" "$ID" "$B1_ID" 1 "绿壳鸡蛋 30枚" 5 later 2>&1 | grep -E '^raised=' || true)
    orders=$((orders + 5))
    r=$(sed -n 's/^raised=\([0-9]*\) .*/\1/p' <<<"$line")
    [ "${r:-0}" -gt "$most" ] && most=$r
    [ "${r:-0}" -ge 1 ] && break
done
check "5 orders queued at once make one notice ($line)" test "$most" = 1
for _ in $(seq 1 150); do
    seen=$(data a bought | jq -s 'map(1 + .others) | add')
    [ "$seen" = "$orders" ] && break
    sleep 0.1
done
check "queued orders counted once too ($seen of $orders)" test "$seen" = "$orders"

# ------------------------------------------------------------ an ended session
internal /internal/v1/live/ended "$(jq -nc --arg i "$ID" '{live_id:$i}')"
expect_status 200 "the session ends"
as "$B1"
api POST "/api/v1/live/$ID/chat" '{"text":"too late"}'
expect_error 409 session_ended "no chat after the end"
api POST "/api/v1/live/$ID/likes" '{}'
expect_error 409 session_ended "no likes after the end"
as ""
api GET "/api/v1/live/$ID/chat?limit=1"
expect_status 200 "the chat stays readable"
finish
