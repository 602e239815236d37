#!/usr/bin/env bash
# relay_e2e.sh - farmlive-relay end to end, against the test shop.
#
# Starts its own relay ($RELAY_BIN, the sanitizer build; ports and secret
# from tests/run.sh) with a short grace period, makes small H.264/AAC clips
# at test time and pushes them with ffmpeg:
#   two publishers at once on the one RTMP port; HLS (EXT-X-PROGRAM-DATE-TIME,
#   segments decode with ffprobe); LL-HLS (parts, preload hint, blocking
#   reloads timed with curl, 400 / 503); HTTP-FLV read by ffmpeg; a wrong key is
#   refused (the shop's session stays created); a reconnect takes over while
#   the first publisher still runs, and again right after a drop, with a
#   viewer that stays connected; a JPEG thumbnail; garbage and an HTTP
#   request on the RTMP port leave the other streams untouched; an HEVC push
#   is refused with a log line naming the codec; CORS on every response;
#   /api/streams; the shop shows live then ended; each session has one
#   recording (a VOD playlist, across the takeover and the reconnect) that
#   plays from 0 with its listed duration.
# Finally SIGTERM: the relay must exit 0 with no sanitizer report in its log.
#
# Fails at once when the relay binary, ffmpeg, ffprobe or python3 is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

RELAY_BIN=${RELAY_BIN:-${BIN_DIR:-bin}/farmlive-relay-san}
if [ ! -x "$RELAY_BIN" ]; then
    bad "$RELAY_BIN is not built (make test builds it)"
    finish
    exit 1
fi
for t in ffmpeg ffprobe python3; do
    if ! command -v "$t" >/dev/null; then
        bad "$t is not installed (ops/install-deps.sh installs it)"
        finish
        exit 1
    fi
done

SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
RTMP_PORT=${RTMP_PORT:-${FARMLIVE_RTMP_PORT:-$(free_port)}}
RELAY_HTTP_PORT=${RELAY_HTTP_PORT:-${FARMLIVE_RELAY_HTTP_PORT:-$(free_port)}}
RB=http://127.0.0.1:$RELAY_HTTP_PORT
RTMP=rtmp://127.0.0.1:$RTMP_PORT/live
GRACE=10 # long enough for an ffmpeg restart on a loaded machine
W=$_TMP
RLOG=$W/relay.log
PIDS=()

as() { TOKEN=$1; }
bg() { "$@" & PIDS+=($!); } # background job stopped at exit
stop_pid() { kill -INT "$1" 2>/dev/null; sleep 0.3; kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
status_of() {
    local saved=$TOKEN
    TOKEN=
    api GET "/api/v1/live/$1"
    TOKEN=$saved
    jqr .status
}
# wait_status ID STATUS SECONDS -> 0 once the shop shows STATUS
wait_status() {
    for _ in $(seq 1 $(($3 * 5))); do
        [ "$(status_of "$1")" = "$2" ] && return 0
        sleep 0.2
    done
    return 1
}
# relay_get PATH [FILE] -> STATUS, HDRS (lower-cased), BODY (or FILE)
relay_get() {
    local out=${2:-$W/rbody}
    STATUS=$(curl -s -o "$out" -D "$W/rhdrs" -w '%{http_code}' --max-time 10 "$RB$1") || STATUS=000
    HDRS=$(tr 'A-Z' 'a-z' <"$W/rhdrs" 2>/dev/null | tr -d '\r')
    [ -z "${2-}" ] && BODY=$(cat "$out" 2>/dev/null)
    return 0
}
# wait_playlist ID MIN_SEGMENTS SECONDS -> 0 once the playlist lists that many
wait_playlist() {
    for _ in $(seq 1 $(($3 * 4))); do
        relay_get "/live/$1/index.m3u8"
        if [ "$STATUS" = 200 ] && [ "$(grep -c -v '^#' <<<"$BODY" | tr -d ' ')" -ge "$2" ]; then return 0; fi
        sleep 0.25
    done
    return 1
}
media_seq() { sed -n 's/^#EXT-X-MEDIA-SEQUENCE:\([0-9]*\).*/\1/p' <<<"$BODY"; }
push() { # push KEY CLIP LOG -> ffmpeg publisher in the background (pid in $!)
    ffmpeg -nostdin -hide_banner -loglevel error -re -i "$2" -c copy -f flv "$RTMP/$1" >"$3" 2>&1 &
}
sanitizer_lines() { grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' "$1"; }

cleanup_e2e() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    [ -n "${RELAY_PID-}" ] && kill -TERM "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
    rm -rf "$_TMP"
}
trap cleanup_e2e EXIT

# ------------------------------------------------------------ sessions from the shop
FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
QBJ=$(login farmer@qingbaijiang.example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$FARMER" -a -n "$QBJ"
S=$(uniq_suffix)
new_live() { # new_live TOKEN TITLE -> "ID KEY"
    as "$1"
    api POST /api/v1/live "$(jq -nc --arg t "$2 $S" '{title:$t}')"
    printf '%s %s\n' "$(jqr .id)" "$(jqr .stream_key)"
}
read -r ID_A KEY_A < <(new_live "$FARMER" "鸡蛋直播 A")
read -r ID_B KEY_B < <(new_live "$QBJ" "蔬菜直播 B")
read -r ID_C KEY_C < <(new_live "$FARMER" "never published C")
read -r ID_D KEY_D < <(new_live "$FARMER" "HEVC D")
as ""
check "four sessions created" test ${#KEY_A} = 64 -a ${#KEY_B} = 64 -a ${#KEY_C} = 64 -a ${#KEY_D} = 64

# ------------------------------------------------------------ clips (made now, small)
CLIP=$W/clip.flv
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 60 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0 -b:v 400k \
    -c:a aac -b:a 64k -ar 44100 -ac 1 -f flv "$CLIP"
check "an H.264/AAC test clip was made" test -s "$CLIP"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -t 2 \
    -c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params log-level=error -f hevc "$W/clip.hevc"
check "an HEVC elementary stream was made (libx265)" test -s "$W/clip.hevc"

# ------------------------------------------------------------ the relay
mkdir -p "$W/relay-var"
# Sanitizer reports go to the relay's own log (stderr), which this suite scans.
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP_PORT \
FARMLIVE_SHOP_INTERNAL_URL=$SHOP_URL FARMLIVE_INTERNAL_SECRET=$SECRET \
FARMLIVE_LIVE_GRACE=$GRACE FARMLIVE_THUMB_INTERVAL=1 FARMLIVE_VAR_DIR=$W/relay-var \
    "$RELAY_BIN" serve >"$RLOG" 2>&1 &
RELAY_PID=$!
if wait_http "$RB/healthz" 30 "$RELAY_PID"; then ok; else
    bad "the relay starts" "$(tail -n 20 "$RLOG")"
    finish
    exit 1
fi

relay_get /healthz
check "CORS on /healthz" test "$(header access-control-allow-origin)" = "*"
relay_get "/live/0000000000000000/index.m3u8"
expect_status 404 "an unknown stream's playlist"
check "CORS on a 404" test -n "$(header access-control-allow-origin)"
relay_get /no/such/path
check "CORS on an unknown path (HTTP $STATUS)" test -n "$(header access-control-allow-origin)"

# ------------------------------------------------------------ two publishers at once
push "$KEY_A" "$CLIP" "$W/pushA1.log"; PA1=$!; PIDS+=($PA1)
push "$KEY_B" "$CLIP" "$W/pushB.log"; PB=$!; PIDS+=($PB)
if wait_status "$ID_A" live 15; then ok; else bad "the shop shows A live" "$(tail -n 5 "$W/pushA1.log"; tail -n 10 "$RLOG")"; fi
if wait_status "$ID_B" live 15; then ok; else bad "the shop shows B live" "$(tail -n 5 "$W/pushB.log")"; fi
check "both publishers are still pushing" kill -0 "$PA1" "$PB"

# ------------------------------------------------------------ HLS
if wait_playlist "$ID_A" 3 20; then ok; else bad "A's playlist gets 3 segments" "$(head -c 600 <<<"$BODY")"; fi
check "playlist has EXT-X-PROGRAM-DATE-TIME" grep -q '^#EXT-X-PROGRAM-DATE-TIME:' <<<"$BODY"
check "playlist content type" grep -q -i 'mpegurl' <<<"$(header content-type)"
check "playlist is not cached" grep -q 'no-cache' <<<"$(header cache-control)"
check "CORS on the playlist" test -n "$(header access-control-allow-origin)"
PLAYLIST=$BODY
INIT=$(sed -n 's/^#EXT-X-MAP:URI="\([^"]*\)".*/\1/p' <<<"$PLAYLIST" | head -n 1)
SEG=$(grep -v '^#' <<<"$PLAYLIST" | grep . | tail -n 1)
: >"$W/seg.mp4"
if [ -n "$INIT" ]; then relay_get "/live/$ID_A/$INIT" "$W/init.mp4"; cat "$W/init.mp4" >>"$W/seg.mp4"; fi
relay_get "/live/$ID_A/$SEG" "$W/media.seg"
expect_status 200 "a media segment is served"
check "segments are cacheable" grep -q -E 'max-age=[1-9]|immutable' <<<"$(header cache-control)"
cat "$W/media.seg" >>"$W/seg.mp4"
codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$W/seg.mp4" | sort | tr '\n' ' ')
check "the segment holds H.264 and AAC (got: $codecs)" test "$codecs" = "aac h264 "
frames=$(ffprobe -v error -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$W/seg.mp4")
check "the segment's video decodes ($frames frames)" test "${frames:-0}" -gt 0
if timeout 30 ffmpeg -nostdin -v error -i "$RB/live/$ID_A/index.m3u8" -t 2 -f null - >"$W/hlsread.log" 2>&1; then ok; else
    bad "ffmpeg plays the HLS stream" "$(tail -n 5 "$W/hlsread.log")"; fi
if wait_playlist "$ID_B" 2 15; then ok; else bad "B has its own playlist"; fi

# ------------------------------------------------------------ LL-HLS (RFC 8216bis)
# timed_get PATH [FILE] -> relay_get, plus SECS: the request's wall time
timed_get() {
    local out=${2:-$W/rbody}
    SECS=$(curl -s -o "$out" -D "$W/rhdrs" -w '%{time_total}' --max-time 10 "$RB$1") || SECS=99
    STATUS=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$W/rhdrs" 2>/dev/null)
    HDRS=$(tr 'A-Z' 'a-z' <"$W/rhdrs" 2>/dev/null | tr -d '\r')
    [ -z "${2-}" ] && BODY=$(cat "$out" 2>/dev/null)
    return 0
}
# next_msn -> the media sequence number of the segment in progress
next_msn() { echo $(($(media_seq) + $(grep -c '^#EXTINF' <<<"$BODY"))); }
hint_uri() { sed -n 's/^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="\([^"]*\)".*/\1/p' <<<"$BODY"; }
relay_get "/live/$ID_A/index.m3u8"
check "LL-HLS: EXT-X-PART-INF" grep -q '^#EXT-X-PART-INF:PART-TARGET=0\.[0-9]*$' <<<"$BODY"
PT=$(sed -n 's/^#EXT-X-PART-INF:PART-TARGET=\(.*\)$/\1/p' <<<"$BODY")
PHB=$(sed -n 's/^#EXT-X-SERVER-CONTROL:.*PART-HOLD-BACK=\([0-9.]*\).*/\1/p' <<<"$BODY")
check "LL-HLS: EXT-X-SERVER-CONTROL can block reloads" grep -q '^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES' <<<"$BODY"
check "LL-HLS: PART-HOLD-BACK ($PHB) >= 3 x PART-TARGET ($PT)" awk -v h="${PHB:-0}" -v t="${PT:-1}" 'BEGIN { exit !(h >= 3 * t - 1e-9) }'
check "LL-HLS: EXT-X-PART lines" test "$(grep -c '^#EXT-X-PART:DURATION=' <<<"$BODY")" -ge 3
check "LL-HLS: a part starting a segment is INDEPENDENT=YES" grep -q '^#EXT-X-PART:.*INDEPENDENT=YES' <<<"$BODY"
check "LL-HLS: EXT-X-PRELOAD-HINT for the next part" test -n "$(hint_uri)"
# a segment is its parts, concatenated
LSEG=$(grep -v '^#' <<<"$BODY" | grep . | tail -n 1)
: >"$W/parts.cat"
for u in $(sed -n "s/^#EXT-X-PART:.*URI=\"\(${LSEG%.m4s}\.[0-9]*\.m4s\)\".*/\1/p" <<<"$BODY"); do
    relay_get "/live/$ID_A/$u" "$W/p.m4s"; cat "$W/p.m4s" >>"$W/parts.cat"
done
relay_get "/live/$ID_A/$LSEG" "$W/lseg.m4s"
check "LL-HLS: segment $LSEG is its parts concatenated" cmp -s "$W/lseg.m4s" "$W/parts.cat"
# an independent part plus the init segment decodes
IPART=$(sed -n 's/^#EXT-X-PART:.*URI="\([^"]*\)",INDEPENDENT=YES$/\1/p' <<<"$BODY" | tail -n 1)
relay_get "/live/$ID_A/$IPART" "$W/ipart.m4s"
expect_status 200 "LL-HLS: an independent part is served"
check "LL-HLS: parts are immutable" grep -q 'immutable' <<<"$(header cache-control)"
check "LL-HLS: CORS on a part" test -n "$(header access-control-allow-origin)"
cat "$W/init.mp4" "$W/ipart.m4s" >"$W/part.mp4"
frames=$(ffprobe -v error -select_streams v -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$W/part.mp4")
check "LL-HLS: init + part $IPART decodes ($frames frames)" test "${frames:-0}" -gt 0
# blocking reload for the hinted part: answered once it is out, listing it
relay_get "/live/$ID_A/index.m3u8"
MSN=$(next_msn) HINT=$(hint_uri)
HP=${HINT%.m4s}; HP=${HP##*.}
timed_get "/live/$ID_A/index.m3u8?_HLS_msn=$MSN&_HLS_part=$HP"
expect_status 200 "LL-HLS: blocking reload for part $HP of msn $MSN"
check "LL-HLS: the blocking reload lists part $HINT (${SECS}s)" grep -q "^#EXT-X-PART:.*URI=\"$HINT\"" <<<"$BODY"
check "LL-HLS: blocking playlists are not cached" grep -q 'no-cache' <<<"$(header cache-control)"
check "LL-HLS: it came within a part target or so (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s < 1.0) }'
# blocking reload for the segment after the one in progress (as the
# playlist says right now: on a loaded machine the last answer may already
# be a segment old): waits for it
relay_get "/live/$ID_A/index.m3u8"
MSN=$(next_msn)
timed_get "/live/$ID_A/index.m3u8?_HLS_msn=$((MSN + 1))"
expect_status 200 "LL-HLS: blocking reload for msn $((MSN + 1))"
check "LL-HLS: it waited for segment $((MSN + 1)) (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s > 0.3 && s < 3.5) }'
check "LL-HLS: and lists it" test "$(($(next_msn) - 1))" -ge "$((MSN + 1))"
# the preload-hinted part: the request waits until it is complete
HINT=$(hint_uri)
timed_get "/live/$ID_A/$HINT" "$W/hint.m4s"
expect_status 200 "LL-HLS: the preload-hinted part $HINT (${SECS}s)"
check "LL-HLS: the hinted part has bytes" test -s "$W/hint.m4s"
check "LL-HLS: the hinted part came within a second (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s < 1.0) }'
relay_get "/live/$ID_A/index.m3u8"
MSN=$(next_msn)
timed_get "/live/$ID_A/index.m3u8?_HLS_msn=$((MSN + 5))"
expect_status 400 "LL-HLS: a far-future _HLS_msn"
check "LL-HLS: CORS on the 400" test -n "$(header access-control-allow-origin)"
check "LL-HLS: the 400 comes at once (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s < 0.5) }'
relay_get "/live/$ID_A/index.m3u8?_HLS_part=1"
expect_status 400 "LL-HLS: _HLS_part without _HLS_msn"
relay_get "/live/$ID_A/index.m3u8?_HLS_msn=x1"
expect_status 400 "LL-HLS: a malformed _HLS_msn"
relay_get "/live/$ID_A/$(sed 's/\.[0-9]*\.m4s$/.99.m4s/' <<<"$HINT")"
expect_status 404 "LL-HLS: a part far ahead is 404, not a wait"

# ------------------------------------------------------------ HTTP-FLV
if timeout 30 ffmpeg -nostdin -v error -i "$RB/live/$ID_A.flv" -t 2 -f null - >"$W/flvread.log" 2>&1; then ok; else
    bad "ffmpeg reads A over HTTP-FLV" "$(tail -n 5 "$W/flvread.log")"; fi
if timeout 30 ffmpeg -nostdin -v error -i "$RB/live/$ID_B.flv" -t 2 -f null - >"$W/flvread.log" 2>&1; then ok; else
    bad "ffmpeg reads B over HTTP-FLV" "$(tail -n 5 "$W/flvread.log")"; fi
relay_get "/live/0000000000000000.flv"
expect_status 404 "HTTP-FLV of an unknown stream"

# ------------------------------------------------------------ /api/streams
relay_get /api/streams
expect_status 200 "/api/streams"
check "CORS on /api/streams" test -n "$(header access-control-allow-origin)"
check "/api/streams lists A and B" test "$(jq -r "[.. | strings] | (index(\"$ID_A\") != null) and (index(\"$ID_B\") != null)" <<<"$BODY")" = true

# ------------------------------------------------------------ thumbnail
for _ in $(seq 1 60); do
    relay_get "/live/$ID_A/thumb.jpg" "$W/thumb.jpg"
    [ "$STATUS" = 200 ] && break
    sleep 0.25
done
expect_status 200 "A's thumbnail"
check "the thumbnail starts with the JPEG magic FFD8" test "$(head -c 2 "$W/thumb.jpg" | od -An -tx1 | tr -d ' \n')" = ffd8
check "file(1) calls it JPEG" grep -q JPEG <<<"$(file -b "$W/thumb.jpg")"
check "thumbnail content type" grep -q 'image/jpeg' <<<"$(header content-type)"

# ------------------------------------------------------------ a wrong key
WRONG=${KEY_C:0:63}$([ "${KEY_C:63:1}" = 0 ] && echo 1 || echo 0)
if timeout 20 ffmpeg -nostdin -v error -re -i "$CLIP" -t 3 -c copy -f flv "$RTMP/$WRONG" >"$W/wrong.log" 2>&1; then
    bad "a wrong key is refused (ffmpeg succeeded)"
else ok; fi
if timeout 20 ffmpeg -nostdin -v error -re -i "$CLIP" -t 3 -c copy -f flv "$RTMP/not-a-key" >"$W/wrong2.log" 2>&1; then
    bad "a malformed key is refused (ffmpeg succeeded)"
else ok; fi
check "the shop's session stays created" test "$(status_of "$ID_C")" = created

# ------------------------------------------------------------ garbage on the RTMP port
relay_get "/live/$ID_A/index.m3u8"; SEQ0=$(media_seq)
# each in a subshell: a write after the relay hung up raises SIGPIPE there, not here
garbage() { ( exec 3<>"/dev/tcp/127.0.0.1/$RTMP_PORT" && "$@" >&3 && timeout 5 cat <&3 >/dev/null ) 2>/dev/null; }
garbage printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
garbage head -c 20000 /dev/urandom
garbage sh -c "printf '\\003'; head -c 1536 /dev/zero; head -c 3000 /dev/urandom" # C0, C1, then noise
check "the relay survives garbage" kill -0 "$RELAY_PID"
check "A and B are still pushing after the garbage" kill -0 "$PA1" "$PB"
sleep 2.5
relay_get "/live/$ID_A/index.m3u8"
check "A's playlist still advances (media sequence $SEQ0 -> $(media_seq))" test "$(media_seq)" -gt "${SEQ0:-0}"
if timeout 30 ffmpeg -nostdin -v error -i "$RB/live/$ID_B.flv" -t 1 -f null - >/dev/null 2>&1; then ok; else
    bad "B still plays over HTTP-FLV after the garbage"; fi

# ------------------------------------------------------------ HEVC is refused
# ffmpeg 5's FLV muxer cannot carry HEVC, so a small RTMP publisher sends the
# libx265 stream itself: once as FLV codec id 12 (the de-facto extension
# Chinese CDNs use), once as enhanced RTMP ('hvc1').
cat >"$W/hevc_push.py" <<'PY'
import os, socket, struct, sys, time
host, port, key, mode, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def amf(v):
    if isinstance(v, str):
        b = v.encode(); return b'\x02' + struct.pack('>H', len(b)) + b
    if isinstance(v, (int, float)): return b'\x00' + struct.pack('>d', float(v))
    if v is None: return b'\x05'
    out = b'\x03'
    for k, x in v.items():
        kb = k.encode(); out += struct.pack('>H', len(kb)) + kb + amf(x)
    return out + b'\x00\x00\x09'
CH = 4096
def chunk(csid, typ, sid, payload, ts=0):
    hdr = bytes([csid]) + struct.pack('>I', ts)[1:] + struct.pack('>I', len(payload))[1:] + bytes([typ]) + struct.pack('<I', sid)
    out, first = b'', True
    for i in range(0, max(len(payload), 1), CH):
        out += (hdr if first else bytes([0xC0 | csid])) + payload[i:i + CH]; first = False
    return out
s = socket.create_connection((host, port), timeout=5)
s.sendall(b'\x03' + b'\x00' * 8 + os.urandom(1528))
got = b''
while len(got) < 3073:
    d = s.recv(8192)
    if not d: sys.exit(3)
    got += d
s.sendall(got[1:1537])
s.sendall(chunk(2, 1, 0, struct.pack('>I', CH)))
app = {'app': 'live', 'type': 'nonprivate', 'flashVer': 'FMLE/3.0', 'tcUrl': 'rtmp://%s:%d/live' % (host, port)}
s.sendall(chunk(3, 20, 0, amf('connect') + amf(1) + amf(app)))
s.sendall(chunk(3, 20, 0, amf('releaseStream') + amf(2) + amf(None) + amf(key)))
s.sendall(chunk(3, 20, 0, amf('FCPublish') + amf(3) + amf(None) + amf(key)))
s.sendall(chunk(3, 20, 0, amf('createStream') + amf(4) + amf(None)))
time.sleep(0.3)
s.sendall(chunk(4, 20, 1, amf('publish') + amf(5) + amf(None) + amf(key) + amf('live')))
buf, end = b'', time.time() + 8
while b'NetStream.Publish.Start' not in buf and time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d: sys.exit(4)          # refused before media: not what we test
    buf += d
if b'NetStream.Publish.Start' not in buf: sys.exit(5)
data = open(path, 'rb').read()
nals = [n for n in data.split(b'\x00\x00\x01') if n]
nals = [n[:-1] if n.endswith(b'\x00') else n for n in nals]
avcc = b''.join(struct.pack('>I', len(n)) + n for n in nals[:40])
if mode == 'legacy':   # FrameType 1 (key) | CodecID 12, then AVCPacketType + composition time
    seq, frame = b'\x1c\x00\x00\x00\x00' + avcc[:200], b'\x1c\x01\x00\x00\x00' + avcc
else:                  # IsExHeader | FrameType 1 | PacketType 0 (sequence start) / 1 (coded frames)
    seq, frame = b'\x90hvc1' + avcc[:200], b'\x91hvc1\x00\x00\x00' + avcc
try:
    s.sendall(chunk(6, 9, 1, seq, 0))
    s.sendall(chunk(6, 9, 1, frame, 40))
except OSError:
    sys.exit(0)                    # already closed: refused
end = time.time() + 6
while time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        sys.exit(0)
    if not d: sys.exit(0)          # the relay closed the connection: refused
sys.exit(1)                        # still open: accepted
PY
for mode in legacy enhanced; do
    python3 "$W/hevc_push.py" 127.0.0.1 "$RTMP_PORT" "$KEY_D" "$mode" "$W/clip.hevc"
    rc=$?
    check "an HEVC push ($mode) is closed by the relay (exit $rc)" test "$rc" = 0
done
check "the relay logs the refused codec by name" grep -q -i 'hevc' "$RLOG"
check "A is still pushing after the HEVC attempts" kill -0 "$PA1"

# ------------------------------------------------------------ reconnect: takeover while the first runs
relay_get "/live/$ID_A/index.m3u8"; SEQ1=$(media_seq)
curl -s -N --max-time 14 "$RB/live/$ID_A.flv" -o "$W/viewer.flv" &
VIEWER=$!
PIDS+=($VIEWER)
sleep 3
push "$KEY_A" "$CLIP" "$W/pushA2.log"; PA2=$!; PIDS+=($PA2)
sleep 4
check "the second publisher with the same key is accepted (not 'stream busy')" kill -0 "$PA2"
check "the shop still shows A live after the takeover" test "$(status_of "$ID_A")" = live
v1=$(stat -c %s "$W/viewer.flv" 2>/dev/null || echo 0)
sleep 3
v2=$(stat -c %s "$W/viewer.flv" 2>/dev/null || echo 0)
check "the HTTP-FLV viewer keeps receiving after the takeover ($v1 -> $v2 bytes)" test "$v2" -gt "$v1"
wait "$VIEWER"
vrc=$?
check "the viewer was not disconnected (curl exit $vrc, 28 = its own timeout)" test "$vrc" = 28
relay_get "/live/$ID_A/index.m3u8"
check "the playlist continues across the takeover (sequence $SEQ1 -> $(media_seq))" test "$(media_seq)" -gt "${SEQ1:-0}"
check "the playlist marks the takeover with EXT-X-DISCONTINUITY" grep -q '^#EXT-X-DISCONTINUITY' <<<"$BODY"
kill -0 "$PA1" 2>/dev/null && stop_pid "$PA1"

# ------------------------------------------------------------ reconnect right after a drop
kill -KILL "$PA2" 2>/dev/null
wait "$PA2" 2>/dev/null
sleep 0.5
push "$KEY_A" "$CLIP" "$W/pushA3.log"; PA3=$!; PIDS+=($PA3)
sleep 3
check "a reconnect right after a drop is accepted" kill -0 "$PA3"
check "the shop shows A live after the reconnect" test "$(status_of "$ID_A")" = live
relay_get "/live/$ID_A/index.m3u8"; SEQ2=$(media_seq)
sleep 2.5
relay_get "/live/$ID_A/index.m3u8"
check "segments keep coming after the reconnect" test "$(media_seq)" -gt "${SEQ2:-0}"

# ------------------------------------------------------------ unpublish, grace, ended, recording
stop_pid "$PB"
# B's publisher left (the stream lives on for the grace period): a blocking
# reload for the segment after the next one (never coming, whether or not
# the relay closed the last one yet) ends with 503 after 3 target
# durations, without holding a server thread meanwhile
relay_get "/live/$ID_B/index.m3u8"; BMSN=$(($(next_msn) + 1))
curl -s -o "$W/b503" -D "$W/h503" -w '%{time_total}' --max-time 10 \
    "$RB/live/$ID_B/index.m3u8?_HLS_msn=$BMSN" >"$W/t503" &
T503=$!
sleep 0.5
timed_get "/healthz"
expect_status 200 "the relay answers while a reload is blocked"
check "at once (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s < 0.5) }'
wait "$T503"
SECS=$(cat "$W/t503")
STATUS=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$W/h503")
HDRS=$(tr 'A-Z' 'a-z' <"$W/h503" | tr -d '\r')
BODY=$(cat "$W/b503")
expect_status 503 "LL-HLS: a reload for msn $BMSN nothing answers ends with 503 (${SECS}s)"
check "LL-HLS: after about 3 target durations (${SECS}s)" awk -v s="$SECS" 'BEGIN { exit !(s > 2.5 && s < 4.5) }'
check "LL-HLS: CORS on the 503" test -n "$(header access-control-allow-origin)"
if wait_status "$ID_B" idle 10 || [ "$(status_of "$ID_B")" = ended ]; then ok; else
    bad "the shop shows B idle once its publisher left (got $(status_of "$ID_B"))"; fi
if wait_status "$ID_B" ended $((GRACE + 15)); then ok; else
    bad "B ends after the grace period (got $(status_of "$ID_B"))" "$(grep -i -E "ended|$ID_B" "$RLOG" | tail -n 5)"; fi
stop_pid "$PA3"
if wait_status "$ID_A" ended $((GRACE + 15)); then ok; else bad "A ends after the grace period (got $(status_of "$ID_A"))"; fi
as ""
api GET "/api/v1/live/$ID_A"
expect_jq '.status + " " + (.started_at != null | tostring) + " " + (.ended_at != null | tostring)' \
    "ended true true" "the shop shows A ended, with its start and end times"

REC=
for _ in $(seq 1 40); do
    relay_get "/api/recordings?live_id=$ID_B"
    REC=$(jq -r '.recordings[0].url // empty' <<<"$BODY" 2>/dev/null)
    [ "$(jq -r '.recordings[0].finished' <<<"$BODY" 2>/dev/null)" = true ] && break
    sleep 0.25
done
check "B's recording is listed, finished" test -n "$REC" -a "$(jq -r '.recordings[0].finished' <<<"$BODY")" = true
check "B has one recording" test "$(jq '.recordings | length' <<<"$BODY")" = 1
LISTED=$(jq -r '.recordings[0].duration_s' <<<"$BODY")
relay_get "$REC"
expect_status 200 "B's replay playlist"
check "the replay is a VOD playlist" grep -q '^#EXT-X-PLAYLIST-TYPE:VOD' <<<"$BODY"
check "CORS on the replay" test -n "$(header access-control-allow-origin)"
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$RB$REC")
check "the recording plays (duration ${dur:-none} s, listed $LISTED s)" \
    awk -v d="${dur:-0}" -v l="${LISTED:-0}" 'BEGIN { exit !(d > 0 && d - l < 1 && l - d < 1) }'
if timeout 60 ffmpeg -nostdin -v error -i "$RB$REC" -f null - >"$W/rec.log" 2>&1; then ok; else
    bad "the recording decodes end to end" "$(tail -n 3 "$W/rec.log" 2>/dev/null)"; fi
# A: a takeover and a reconnect, yet one recording, from 0
relay_get "/api/recordings?live_id=$ID_A"
check "A, across a takeover and a reconnect, has one recording" test "$(jq '.recordings | length' <<<"$BODY")" = 1
AREC=$(jq -r '.recordings[0].url // empty' <<<"$BODY")
start=$(ffprobe -v error -show_entries format=start_time -of csv=p=0 "$RB$AREC")
check "A's recording starts at 0 (start_time ${start:-none})" awk -v s="${start:-9}" 'BEGIN { exit !(s >= 0 && s < 0.5) }'

# ------------------------------------------------------------ shutdown
kill -TERM "$RELAY_PID"
rc=0
for _ in $(seq 1 150); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$RELAY_PID" 2>/dev/null; then
    bad "the relay stops within 15 s of SIGTERM"
    kill -KILL "$RELAY_PID"
fi
wait "$RELAY_PID"
rc=$?
RELAY_PID=
check "the relay exits 0 on SIGTERM (got $rc)" test "$rc" = 0
if sanitizer_lines "$RLOG" >/dev/null; then bad "sanitizer report in the relay's log" "$(sanitizer_lines "$RLOG" | head -n 5)"; else ok; fi

finish
