#!/usr/bin/env bash
# login_limits.sh - sign-up and login limits, and password hashing off the
# worker threads, against shops of this suite's own with small limits (the
# shared shop keeps its defaults): X-Forwarded-For names the client because
# 127.0.0.1 is configured as a trusted proxy, so each "client" below is an
# address of its own.
#
#   shop A: sign-ups per address 3 an hour; login failures per address 3,
#           then slowed down (waits of 1, 2, 4 ... s, at most 30); the
#           catalogue's latency while 20 sign-ups hash
#   shop B: 1 hashing thread, 2 passwords at most waiting: 429 past that;
#           sign-ups 12 a minute for everyone together
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
rc() { redis-cli -p "$REDIS_PORT" "$@"; }
W=$_TMP/limits
mkdir -p "$W"
PIDS=()
cleanup_shops() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_shops EXIT

start_shop() { # start_shop NAME PORT ENV... -> sets LAST_PID
    local name=$1 port=$2
    shift 2
    env FARMLIVE_SHOP_PORT="$port" FARMLIVE_TRUSTED_PROXIES=127.0.0.1/32 "$@" "$SHOP_BIN" serve >>"$W/shop-$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_http "http://127.0.0.1:$port/healthz" 60 "$LAST_PID" || { tail -n 20 "$W/shop-$name.log" >&2; return 1; }
}
u=$(uniq_suffix)
n=$((RANDOM % 200 + 20))
addr() { printf '198.18.%d.%d' "$n" "$1"; } # addr K -> this run's K-th client address

# a sign-up from address $1 as email $2: STATUS, BODY, HDRS
signup() { api POST /api/v1/accounts "{\"email\":\"$2\",\"password\":\"long-enough-pw\",\"display_name\":\"lim\"}" -H "X-Forwarded-For: $1"; }
login_from() { api POST /api/v1/sessions "{\"login\":\"$2\",\"password\":\"$3\"}" -H "X-Forwarded-For: $1"; }

PORT_A=$(free_port)
start_shop a "$PORT_A" FARMLIVE_SIGNUP_MAX_IP=3 FARMLIVE_SIGNUP_MAX_GLOBAL=100000 FARMLIVE_LOGIN_MAX_IP_FAILURES=3 \
    FARMLIVE_LOGIN_IP_DELAY_MAX=30 || { bad "shop A starts"; finish; exit; }
SHOP_URL=http://127.0.0.1:$PORT_A

# ---- sign-ups per address: a taken address counts too (probing is slow)
signup "$(addr 1)" "lim1-$u@example.com"
expect_status 201 "first sign-up from an address"
signup "$(addr 1)" "LIM1-$u@example.com "
expect_error 409 account_exists "the same address again (another spelling) is taken"
signup "$(addr 1)" "lim1-$u@example.com"
expect_error 409 account_exists "third attempt"
signup "$(addr 1)" "lim1b-$u@example.com"
expect_error 429 rate_limited "the fourth sign-up attempt from one address within the hour"
check "429 carries Retry-After" test "$(header retry-after)" -gt 0
signup "$(addr 2)" "lim1b-$u@example.com"
expect_status 201 "another address is not limited"

# ---- login failures per address: slowed down, never locked out
for i in 1 2 3; do login_from "$(addr 3)" "nobody$i-$u@example.com" wrong-password; done
expect_error 401 invalid_credentials "three failures from one address"
login_from "$(addr 3)" "nobody4-$u@example.com" wrong-password
expect_error 401 invalid_credentials "past the limit one attempt is still checked"
# each attempt past the limit doubles the wait (1, 2, 4 ... s); a check
# slower than the wait (a loaded machine) lets the next one through, so try
# until one must wait
waited=0
for i in 5 6 7 8 9 10; do
    login_from "$(addr 3)" "nobody$i-$u@example.com" wrong-password
    [ "$STATUS" = 429 ] && { waited=1; break; }
done
check "an attempt soon after another must wait (slowed down)" test "$waited" = 1
expect_error 429 rate_limited "the address waits"
wait_s=$(header retry-after)
check "the wait is short (Retry-After ${wait_s:-none} <= 30 s), not the 900 s window" test "${wait_s:-99}" -le 30
login_from "$(addr 4)" "lim1-$u@example.com" long-enough-pw
expect_status 200 "other addresses are not slowed down"
sleep "$((wait_s + 1))" # the wait itself is what is tested: nothing else to wait on
login_from "$(addr 3)" "lim1-$u@example.com" long-enough-pw
expect_status 200 "after the wait the address logs in (slowed down, not locked out)"

# ---- the catalogue's latency while 20 sign-ups hash their passwords
# Each sample is the fastest of 5 reads on one connection (the machine is
# shared: a single read's time is mostly the scheduler's), in microseconds.
# A worker thread busy hashing would hold all five.
sample() {
    local urls=() i
    for i in 1 2 3 4 5; do urls+=(-o /dev/null "$SHOP_URL/api/v1/products"); done
    curl -s -w '%{time_total}\n' --max-time 30 "${urls[@]}" | awk '{v = $1 * 1000000; if (NR == 1 || v < m) m = v} END {printf "%d\n", m}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
sample >/dev/null # warm: the cached first page
for _ in $(seq 1 11); do sample; done >"$W/idle"
idle=$(median <"$W/idle")
SIGNUPS=()
for i in $(seq 1 20); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 300 -H 'Content-Type: application/json' -H "X-Forwarded-For: $(addr $((100 + i)))" \
        --data-binary "{\"email\":\"lat$i-$u@example.com\",\"password\":\"long-enough-pw\",\"display_name\":\"lat\"}" \
        "$SHOP_URL/api/v1/accounts" >"$W/signup.$i" &
    SIGNUPS+=($!)
done
: >"$W/busy"
# sample while the sign-ups are still hashing (each is in flight until its account row exists)
while [ "$(sql "SELECT COUNT(*) FROM accounts WHERE email LIKE 'lat%-$u@example.com'")" -lt 20 ]; do
    sample >>"$W/busy"
    [ "$(wc -l <"$W/busy")" -ge 100 ] && break
done
wait "${SIGNUPS[@]}"
busy=$(median <"$W/busy")
nbusy=$(wc -l <"$W/busy")
created=$(cat "$W"/signup.* | grep -c '^201$')
echo "catalogue read (fastest of 5, median of samples): idle $idle us, during 20 sign-ups $busy us over $nbusy samples" >&2
check "the 20 sign-ups were made ($created)" test "$created" = 20
check "samples were taken while the sign-ups hashed ($nbusy)" test "$nbusy" -ge 3
check "the samples are times (idle ${idle} us)" test "$idle" -gt 0
check "the catalogue read stays within 10 ms of idle while 20 sign-ups hash (idle ${idle} us, busy ${busy} us)" \
    test "$busy" -le $((idle + 10000))

# ---- shop B: the hashing queue is bounded; sign-ups are limited for everyone together
kill -TERM "${PIDS[0]}" && wait "${PIDS[0]}" 2>/dev/null
PORT_B=$(free_port)
start_shop b "$PORT_B" FARMLIVE_HASH_THREADS=1 FARMLIVE_HASH_QUEUE=2 FARMLIVE_SIGNUP_MAX_GLOBAL=12 || { bad "shop B starts"; finish; exit; }
SHOP_URL=http://127.0.0.1:$PORT_B
rc del rl:signup:all >/dev/null
QUEUED=()
for i in $(seq 1 8); do
    curl -s -o "$W/q.$i.body" -D "$W/q.$i.hdrs" -w '%{http_code}\n' --max-time 120 -H 'Content-Type: application/json' \
        -H "X-Forwarded-For: $(addr $((150 + i)))" \
        --data-binary "{\"email\":\"q$i-$u@example.com\",\"password\":\"long-enough-pw\",\"display_name\":\"q\"}" \
        "$SHOP_URL/api/v1/accounts" >"$W/q.$i" &
    QUEUED+=($!)
done
wait "${QUEUED[@]}"
nq=$(cat "$W"/q.[0-9] | grep -c '^429$')
nok=$(cat "$W"/q.[0-9] | grep -c '^201$')
echo "8 sign-ups at once on a queue of 2: $nok made, $nq refused" >&2
check "8 sign-ups at once on a queue of 2: some refused with 429 ($nq), the others made ($nok)" test "$nq" -ge 1 -a $((nq + nok)) = 8
f=$(grep -l '^429$' "$W"/q.[0-9] | head -n 1)
if [ -n "$f" ]; then
    BODY=$(cat "$f.body")
    check "the refusal is rate_limited" test "$(printf '%s' "$BODY" | jq -r .error.code)" = rate_limited
    check "the refusal carries Retry-After" grep -qi '^retry-after: [1-9]' "$f.hdrs"
    check "a refused sign-up wrote nothing" test "$(sql "SELECT COUNT(*) FROM accounts WHERE email = '$(basename "$f" | sed 's/^q\.\([0-9]*\)$/q\1/')-$u@example.com'")" = 0
fi
# 8 counted so far this minute; the 13th attempt in all is past 12
for i in 9 10 11 12; do signup "$(addr $((150 + i)))" "q$i-$u@example.com"; done
expect_status 201 "the 12th sign-up of the minute"
signup "$(addr 163)" "q13-$u@example.com"
expect_error 429 rate_limited "the 13th sign-up of the minute, from a new address"
check "the global refusal carries Retry-After" test "$(header retry-after)" -gt 0
rc del rl:signup:all >/dev/null

finish
