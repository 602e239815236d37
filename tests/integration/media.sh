#!/usr/bin/env bash
# media.sh - a cooperative uploads a product's photos: JPEG, PNG and WebP
# checked by their content, drawn anew at the pages' widths (upright,
# flattened, metadata stripped), stored by content hash and served with a
# year's caching; broken, hostile, oversized and foreign files refused with
# a clear error and nothing written; only the product's cooperative may.
. "$(dirname "$0")/lib.sh"

S=$(uniq_suffix)
AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
AY_FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$AY_ADMIN" -a -n "$AY_FARMER" -a -n "$QBJ_ADMIN"
TOKEN=$AY_ADMIN
api GET /api/v1/me
AY=$(jqr '.memberships[0].coop_id')
api POST /api/v1/products "$(jq -nc --argjson coop "$AY" --arg s "$S" \
    '{coop_id:$coop, name_zh:("上传图片测试 " + $s), category:"eggs", description:"x", status:"draft",
      images:[], skus:[{spec:"30枚", unit:"盒", price_fen:3990, weight_g:1800}]}')"
expect_status 201 "a product to put photos on"
P=$(jqr .id)

# ---------------------------------------------------------------- fixtures
F=$_TMP
ffmpeg -v error -f lavfi -i "testsrc=size=2400x1600" -frames:v 1 -q:v 3 "$F/wide.jpg"
ffmpeg -v error -f lavfi -i "color=c=red@0.4:s=300x200,format=rgba" -frames:v 1 "$F/alpha.png"
ffmpeg -v error -f lavfi -i "testsrc=size=200x100" -frames:v 1 "$F/small.png"
ffmpeg -v error -f lavfi -i "testsrc=size=40x40" -frames:v 1 "$F/tiny.png"
# a phone photo: EXIF says "turn 90 degrees clockwise" and holds a GPS tag
python3 - "$F/wide.jpg" "$F/exif.jpg" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
# TIFF, big-endian: IFD0 with Orientation=6 and a GPSInfo pointer to an empty GPS IFD
ifd0 = struct.pack('>H', 2) + struct.pack('>HHII', 0x0112, 3, 1, 6 << 16) + struct.pack('>HHII', 0x8825, 4, 1, 38) + struct.pack('>I', 0)
gps = struct.pack('>H', 1) + struct.pack('>HHI4s', 0, 1, 4, bytes([2, 3, 0, 0])) + struct.pack('>I', 0)
tiff = b'MM\x00*' + struct.pack('>I', 8) + ifd0 + gps
app1 = b'Exif\x00\x00' + tiff
open(sys.argv[2], 'wb').write(data[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + data[2:])
EOF
# a decompression bomb: a PNG header that claims 30000x30000 pixels
python3 - "$F/bomb.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack('>IIBBBBB', 30000, 30000, 8, 2, 0, 0, 0)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\x00' * 1000)) + chunk(b'IEND', b''))
EOF
head -c $(($(stat -c %s "$F/wide.jpg") / 2)) "$F/wide.jpg" > "$F/truncated.jpg"
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="100" height="100"/></svg>' > "$F/evil.svg"
printf '%%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n' > "$F/doc.pdf"
head -c $((9 * 1024 * 1024)) /dev/urandom > "$F/huge.jpg"

upload() { # upload FILE TYPE [QUERY]
    api POST "/api/v1/products/$P/images${3-}" "" -H "Content-Type: $2" --data-binary "@$1"
}
images() { sql "SELECT COUNT(*) FROM product_images WHERE product_id = $P"; }
media_files() { find "$FARMLIVE_VAR_DIR/media" -name '*.jpg' 2>/dev/null | wc -l; }
dims() { ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$1"; }

# ---------------------------------------------------------------- uploads
upload "$F/wide.jpg" image/jpeg '?alt=%E4%B8%80%E7%9B%92%E9%B8%A1%E8%9B%8B'
expect_status 201 "a JPEG photo uploaded"
URL=$(jqr '.images[-1].url')
expect_jq '.images | length' 1 "the product has it"
expect_jq '.images[-1].alt' 一盒鸡蛋 "with its alt text"
check "its URL names the largest rendition by content hash ($URL)" sh -c 'printf "%s" "$0" | grep -Eq "^/media/[0-9a-f]{32}-1080\.jpg$"' "$URL"
HASH=$(printf '%s' "$URL" | sed -E 's|/media/([0-9a-f]{32})-1080.jpg|\1|')

curl -s -o "$F/r1080.jpg" -D "$F/h1080" "$SHOP_URL$URL"
check "served as a JPEG" grep -qi '^content-type: image/jpeg' "$F/h1080"
check "cached a year, immutable" grep -qi '^cache-control: public, max-age=31536000, immutable' "$F/h1080"
check "1080 wide, its proportions kept" test "$(dims "$F/r1080.jpg")" = "1080,720"
for w in 320 640; do
    curl -s -o "$F/r$w.jpg" "$SHOP_URL/media/$HASH-$w.jpg"
    check "the $w rendition is $w wide" test "$(dims "$F/r$w.jpg" | cut -d, -f1)" = "$w"
done
check "a rendition is smaller than the upload" test "$(stat -c %s "$F/r1080.jpg")" -lt "$(stat -c %s "$F/wide.jpg")"

N_FILES=$(media_files)
upload "$F/wide.jpg" image/jpeg
expect_status 201 "the same photo again"
check "is the same files (content-addressed)" test "$(media_files)" = "$N_FILES"

upload "$F/exif.jpg" image/jpeg
expect_status 201 "a phone photo with EXIF orientation and GPS"
curl -s -o "$F/rot.jpg" "$SHOP_URL$(jqr '.images[-1].url')"
check "turned upright (1080x1620)" test "$(dims "$F/rot.jpg")" = "1080,1620"
check "with no EXIF left (no GPS position leaks)" sh -c '! grep -aq "Exif" "$0"' "$F/rot.jpg"

upload "$F/alpha.png" image/png
expect_status 201 "a PNG with transparency"
curl -s -o "$F/flat.jpg" "$SHOP_URL$(jqr '.images[-1].url')"
check "stored as a JPEG, not enlarged (300x200)" test "$(dims "$F/flat.jpg")" = "300,200"

upload "$F/small.png" image/jpeg
expect_status 201 "the declared type does not decide: a PNG sent as image/jpeg is read as a PNG"

# ---------------------------------------------------------------- refusals
BEFORE=$(images) FILES=$(media_files)
upload "$F/truncated.jpg" image/jpeg
expect_error 422 image_unreadable "half a JPEG"
upload "$F/bomb.png" image/png
expect_error 422 image_too_large "a PNG claiming 30000x30000 pixels, refused from its header"
upload "$F/tiny.png" image/png
expect_error 422 image_too_small "a 40x40 image"
upload "$F/evil.svg" image/png
expect_error 415 unsupported_media_type "an SVG sent as a PNG"
upload "$F/doc.pdf" image/jpeg
expect_error 415 unsupported_media_type "a PDF sent as a JPEG"
upload "$F/wide.jpg" application/octet-stream
expect_error 415 unsupported_media_type "a type that is not an image"
upload "$F/huge.jpg" image/jpeg
expect_error 413 payload_too_large "9 MiB"
api POST "/api/v1/products/$P/images" "" -H "Content-Type: image/jpeg"
expect_error 400 bad_request "no body"
check "no refused upload wrote a row" test "$(images)" = "$BEFORE"
check "or a file" test "$(media_files)" = "$FILES"

# ---------------------------------------------------------------- rights
TOKEN=$QBJ_ADMIN
upload "$F/wide.jpg" image/jpeg
expect_error 403 forbidden "another cooperative's admin"
TOKEN=$AY_FARMER
upload "$F/wide.jpg" image/jpeg
expect_error 403 forbidden "a farmer (products are the admins')"
TOKEN=
upload "$F/wide.jpg" image/jpeg
expect_error 401 unauthorized "anonymous"
TOKEN=$AY_ADMIN
api POST "/api/v1/products/999999999/images" "" -H "Content-Type: image/jpeg" --data-binary "@$F/wide.jpg"
expect_error 404 not_found "an unknown product"
check "nothing written by the refused callers" test "$(images)" = "$BEFORE"

# at most ten photos
for _ in $(seq "$(images)" 9); do upload "$F/small.png" image/png; done
upload "$F/small.png" image/png
expect_error 409 conflict "an eleventh photo"

# ---------------------------------------------------------------- serving
api GET "/media/$HASH-999.jpg"
expect_error 404 not_found "a width never drawn"
api GET "/media/..%2F..%2Fsecrets.env"
expect_status 404 "no way out of the media folder"
api GET "/media/$(printf '%032d' 0)-320.jpg"
expect_error 404 not_found "a hash never stored"
finish
